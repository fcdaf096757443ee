"""Activity Profile Resource, /xapi/activities/profile (xAPI 1.0.3 Communication 2.7;
2.0 Part 3 §4.1.6.6): documents per activity."""

from __future__ import annotations

from lrs.documents import profile_resource
from lrs.documents_views import document_blueprint

ACTIVITY_PROFILE = profile_resource("activity_profile", "activity profile", "activityId")

blueprint = document_blueprint(ACTIVITY_PROFILE, "xapi_activity_profile", "/activities/profile")
