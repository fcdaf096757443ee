"""The OIDC authorization endpoint of the platform (LTI Security Framework 1.0 §5.1.1):
every check a tool's authentication request must pass before the hub signs an id_token.

Errors about the client or its redirect URI are shown to the user, never redirected
(OIDC Core §3.1.2.6); the others go back to the tool's redirect URI as a form post.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from werkzeug.datastructures import MultiDict

from hub.errors import BadRequest
from hub.inputs import parse_query
from hub.settings import current_settings
from lrs.service import record_statements
from lti.platform import xapi
from lti.platform.identity import signed_in, tool_sub
from lti.platform.inputs import AuthorizationClient, AuthorizationRequest, oauth_parameters
from lti.platform.launches import (
    HINT_PREFIX,
    RESOURCE_LINK,
    LaunchIntent,
    id_token_claims,
    sign,
    take_intent,
)
from lti.platform.storage import stores as platform_stores
from lti.platform.storage.contract import PartnerTool
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


# The error codes of faulty parameters (RFC 6749 §4.2.2.1); any other is invalid_request.
_ERRORS = {"scope": "invalid_scope", "response_type": "unsupported_response_type"}


def authorization_request(values: MultiDict[str, str]) -> AuthorizationRequest:
    """`values` as an authentication request, or its refusal: shown to the user while the
    client or its redirect URI is in doubt, else sent back to the tool."""
    given = oauth_parameters(values)
    try:
        return parse_query(AuthorizationRequest, given)
    except BadRequest as exc:
        fault = exc
    try:
        client = parse_query(AuthorizationClient, given)
    except BadRequest as exc:  # client_id or redirect_uri given twice
        raise AuthorizationRefused("invalid_request", exc.message) from None
    _registered_client(client)
    raise AuthorizationRefused(_ERRORS.get(fault.parameter or "", "invalid_request"),
                               fault.message, redirect_uri=client.redirect_uri,
                               state=None if fault.parameter == "state" else given.get("state"))


def _registered_client(client: AuthorizationClient) -> PartnerTool:
    tool = platform_stores().lti_platform_tools.find_tool(client.client_id)
    if tool is None:
        raise AuthorizationRefused("unauthorized_client", "client_id is not a registered tool")
    if not tool.enabled:  # read on every request: a disable holds at once on every worker
        raise AuthorizationRefused("tool_disabled", f"partner tool {tool.id} is disabled",
                                   status=403)
    if client.redirect_uri not in tool.redirect_uris:
        raise AuthorizationRefused("invalid_request",
                                   "redirect_uri is not registered for this tool")
    return tool


def authorize(params: AuthorizationRequest) -> dict[str, Any]:
    """The auto-posted form (action and fields) that carries the id_token to the tool."""
    tool = _registered_client(params)
    redirect_uri, state, nonce = params.redirect_uri, params.state, params.nonce

    def refuse(error: str, description: str) -> AuthorizationRefused:
        return AuthorizationRefused(error, description, redirect_uri=redirect_uri, state=state)

    hint = params.lti_message_hint
    stored = tool_stores().lti_sessions.get_value(HINT_PREFIX + hint, datetime.now(UTC))
    if not isinstance(stored, dict) or stored["tool_id"] != tool.id:
        raise refuse("invalid_request", "lti_message_hint is unknown, expired or used")
    person = signed_in()
    if person is None or person.token != stored["session"]:
        raise refuse("login_required", "the launch belongs to a user not signed in here")
    if params.login_hint != stored["login_hint"] or \
            params.login_hint != tool_sub(tool, person.identity):
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
