"""Activity Profile Resource, /xapi/activities/profile (xAPI 1.0.3 Communication 2.7;
2.0 Part 3 §4.1.6.6): documents per activity."""

from __future__ import annotations

from lrs.documents import DocumentResource
from lrs.documents_views import document_blueprint

ACTIVITY_PROFILE = DocumentResource(
    kind="activity_profile",
    name="activity profile",
    id_param="profileId",
    scope_params=("activityId",),
    read_scope="profile/read",
    write_scope="profile",
    can_delete_all=False,
    # 2.0 asks for a concurrency header on every profile PUT; 1.0.3 Communication 3.1
    # only for a PUT over an existing document (docs/documents.md).
    precondition_required_versions=frozenset({"2.0.0"}),
)

blueprint = document_blueprint(ACTIVITY_PROFILE, "xapi_activity_profile", "/activities/profile")
