"""State Resource, /xapi/activities/state (xAPI 1.0.3 Communication 2.3; 2.0 Part 3
§4.1.6.2): documents per activity, agent and (optional) registration."""

from __future__ import annotations

from lrs.documents import DocumentResource
from lrs.documents_views import document_blueprint

STATE = DocumentResource(
    kind="state",
    name="state",
    id_param="stateId",
    scope_params=("activityId", "agent", "registration"),
    read_scope="state/read",
    write_scope="state",
    can_delete_all=True,
    # xAPI 1.0.3 Communication 3.1.s3: State permits writes without concurrency headers;
    # 2.0 §4.1.4 asks for 409 on any unconditional PUT over an existing document.
    unconditional_put_versions=frozenset({"1.0.3"}),
)

blueprint = document_blueprint(STATE, "xapi_state", "/activities/state")
