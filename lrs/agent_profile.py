"""Agent Profile Resource, /xapi/agents/profile (xAPI 1.0.3 Communication 2.6; 2.0
Part 3 §4.1.6.5): documents per agent, keyed by the agent's identifier."""

from __future__ import annotations

from lrs.documents import DocumentResource
from lrs.documents_views import document_blueprint

AGENT_PROFILE = DocumentResource(
    kind="agent_profile",
    name="agent profile",
    id_param="profileId",
    scope_params=("agent",),
    read_scope="profile/read",
    write_scope="profile",
    can_delete_all=False,
    # 2.0 asks for a concurrency header on every profile PUT; 1.0.3 Communication 3.1
    # only for a PUT over an existing document (docs/documents.md).
    precondition_required_versions=frozenset({"2.0.0"}),
)

blueprint = document_blueprint(AGENT_PROFILE, "xapi_agent_profile", "/agents/profile")
