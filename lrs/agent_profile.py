"""Agent Profile Resource, /xapi/agents/profile (xAPI 1.0.3 Communication 2.6; 2.0
Part 3 §4.1.6.5): documents per agent, keyed by the agent's identifier."""

from __future__ import annotations

from lrs.documents import profile_resource
from lrs.documents_views import document_blueprint

AGENT_PROFILE = profile_resource("agent_profile", "agent profile", "agent")

blueprint = document_blueprint(AGENT_PROFILE, "xapi_agent_profile", "/agents/profile")
