"""The OIDC authorization endpoint of the platform (LTI Security Framework 1.0 §5.1.1):
every check a tool's authentication request must pass before the hub signs an id_token.

Errors about the client or its redirect URI are shown to the user, never redirected
(OIDC Core §3.1.2.6); the others go back to the tool's redirect URI as a form post.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from hub.settings import current_settings
from lrs.service import record_statements
from lti.platform import xapi
from lti.platform.identity import signed_in, tool_sub
from lti.platform.launches import (
    HINT_PREFIX,
    RESOURCE_LINK,
    LaunchIntent,
    id_token_claims,
    sign,
    take_intent,
)
from lti.platform.storage import stores as platform_stores
from lti.tool.storage import stores as tool_stores

log = logging.getLogger(__name__)


class AuthorizationRefused(Exception):
    def __init__(self, error: str, description: str, *, redirect_uri: str | None = None,
                 state: str | None = None, status: int = 400) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status
        self.redirect_uri = redirect_uri
        self.state = state


def authorize(params: dict[str, str]) -> dict[str, Any]:
    """The auto-posted form (action and fields) that carries the id_token to the tool."""
    tool = platform_stores().lti_platform_tools.find_tool(params.get("client_id", ""))
    if tool is None:
        raise AuthorizationRefused("unauthorized_client", "client_id is not a registered tool")
    if not tool.enabled:  # read on every request: a disable holds at once on every worker
        raise AuthorizationRefused("tool_disabled", f"partner tool {tool.id} is disabled",
                                   status=403)
    redirect_uri = params.get("redirect_uri", "")
    if redirect_uri not in tool.redirect_uris:
        raise AuthorizationRefused("invalid_request",
                                   "redirect_uri is not registered for this tool")
    state = params.get("state")

    def refuse(error: str, description: str) -> AuthorizationRefused:
        return AuthorizationRefused(error, description, redirect_uri=redirect_uri, state=state)

    if "openid" not in params.get("scope", "").split():
        raise refuse("invalid_scope", "scope must contain openid")
    if params.get("response_type") != "id_token":
        raise refuse("unsupported_response_type", "response_type must be id_token")
    if params.get("response_mode") != "form_post":
        raise refuse("invalid_request", "response_mode must be form_post")
    if params.get("prompt") != "none":
        raise refuse("invalid_request", "prompt must be none")
    nonce = params.get("nonce", "")
    if not nonce or len(nonce) > 255:
        raise refuse("invalid_request", "a nonce is required")
    hint = params.get("lti_message_hint", "")
    if not hint or not params.get("login_hint"):
        raise refuse("invalid_request", "login_hint and lti_message_hint are required")
    stored = tool_stores().lti_sessions.get_value(HINT_PREFIX + hint, datetime.now(UTC))
    if not isinstance(stored, dict) or stored["tool_id"] != tool.id:
        raise refuse("invalid_request", "lti_message_hint is unknown, expired or used")
    person = signed_in()
    if person is None or person.token != stored["session"]:
        raise refuse("login_required", "the launch belongs to a user not signed in here")
    if params["login_hint"] != stored["login_hint"] or \
            params["login_hint"] != tool_sub(tool, person.identity):
        raise refuse("login_required", "login_hint is not the signed-in user")
    intent = take_intent(hint)
    if intent is None:  # another request took it first: each hint launches once
        raise refuse("invalid_request", "lti_message_hint is unknown, expired or used")
    claims = id_token_claims(tool, intent, person, nonce)
    if intent.message_type == RESOURCE_LINK and person.kind == "learner":
        _record_launch(tool, intent, person, nonce)
    log.info("LTI platform launch of tool %s (%s) for %s", tool.id, intent.message_type,
             intent.login_hint)
    return {"action": redirect_uri,
            "fields": {"id_token": sign(claims), **({"state": state} if state else {})}}


def _record_launch(tool, intent: LaunchIntent, person, nonce: str) -> None:
    entry = tool_stores().lti_catalogue.get_entry(intent.catalogue_id) if intent.catalogue_id \
        else None
    if entry is None:
        return
    settings = current_settings()
    statement = xapi.launched_statement(
        public_url=settings.public_url, tool=tool,
        actor=xapi.learner_actor(person.issuer, person.subject, person.name), entry=entry,
        link_id=intent.link_id, nonce=nonce, timestamp=datetime.now(UTC).isoformat(),
        placement=platform_stores().lti_platform_tools.get_placement(entry.id))
    record_statements([statement], authority=xapi.platform_authority(
        settings.authority_home_page), source="lti-platform")
