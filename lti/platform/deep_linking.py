"""Deep Linking 2.0 to partner tools: an admin opens a partner's content picker, and the
signed LtiDeepLinkingResponse becomes catalogue entries placed on that tool.

An admin credential asks for a single-use URL (admin API or CLI); opening it signs the
admin in for this one picker session and launches the tool with an
LtiDeepLinkingRequest whose `data` binds the response to that session.  The response
must be signed by the tool's key (its JWKS), addressed to the hub, for the tool's
deployment, carry the session's `data`, and its nonce works once.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from hub import jose
from hub.storage.contract import AlreadyExists
from lti.platform.identity import SignedIn
from lti.platform.launches import CLAIM, issuer, platform_url
from lti.platform.oauth import KeysUnavailable, verify_tool_jwt
from lti.platform.storage import stores as platform_stores
from lti.platform.storage.contract import PartnerTool
from lti.platform.tools import NewPlacement, place_entry
from lti.tool.registration import InvalidRegistration, NewEntry, add_catalogue_entry
from lti.tool.storage import stores as tool_stores
from lti.tool.storage.contract import CatalogueEntry

log = logging.getLogger(__name__)

DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
START_LIFETIME = timedelta(minutes=15)
PICKER_LIFETIME = timedelta(hours=1)
_START = "platform.dl-start:"
_DATA = "platform.dl-data:"


class DeepLinkRefused(Exception):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


def picker_url(tool: PartnerTool, admin_key: str, admin_name: str) -> str:
    """A single-use URL that opens `tool`'s content picker for an admin."""
    if not tool.deep_linking_url:
        raise LookupError("this tool has no deep linking URL")
    token = secrets.token_urlsafe(24)
    tool_stores().lti_sessions.put_value(
        _START + token, {"tool_id": tool.id, "admin": admin_key, "name": admin_name},
        datetime.now(UTC) + START_LIFETIME)
    return platform_url(f"/lti/platform/deep-link/{token}")


def take_start(token: str) -> dict[str, Any] | None:
    value = tool_stores().lti_sessions.take_value(_START + token, datetime.now(UTC))
    return value if isinstance(value, dict) else None


def new_picker_data(tool: PartnerTool, admin: SignedIn) -> str:
    data = secrets.token_urlsafe(24)
    tool_stores().lti_sessions.put_value(
        _DATA + data, {"tool_id": tool.id, "session": admin.token},
        datetime.now(UTC) + PICKER_LIFETIME)
    return data


@dataclass
class DeepLinkOutcome:
    entries: list[CatalogueEntry] = field(default_factory=list)
    message: str | None = None


def _tool_of(token: str) -> PartnerTool:
    try:
        claimed = jose.unverified_claims(token)
    except jose.InvalidTokenError:
        raise DeepLinkRefused("malformed_jwt", "the response is not a JWT") from None
    tool = platform_stores().lti_platform_tools.find_tool(str(claimed.get("iss", "")))
    if tool is None:
        raise DeepLinkRefused("unknown_tool", "iss is not a registered client id")
    if not tool.enabled:
        raise DeepLinkRefused("tool_disabled", f"partner tool {tool.id} is disabled")
    return tool


def validate_response(token: str, admin: SignedIn | None) -> tuple[PartnerTool, dict]:
    tool = _tool_of(token)
    try:
        claims = verify_tool_jwt(tool, token, audience=[issuer()],
                                 require=["iss", "aud", "exp", "iat", "nonce"])
    except KeysUnavailable as exc:
        raise DeepLinkRefused("unknown_kid", str(exc)) from None
    except jose.InvalidAudienceError:
        raise DeepLinkRefused("wrong_audience", "aud is not this platform") from None
    except jose.InvalidTokenError as exc:
        raise DeepLinkRefused("bad_jwt", str(exc)) from None
    if claims.get(CLAIM + "message_type") != "LtiDeepLinkingResponse":
        raise DeepLinkRefused("wrong_message_type", "not an LtiDeepLinkingResponse")
    if claims.get(CLAIM + "version") != "1.3.0":
        raise DeepLinkRefused("wrong_version", "the LTI version is not 1.3.0")
    if claims.get(CLAIM + "deployment_id") != tool.deployment_id:
        raise DeepLinkRefused("unknown_deployment", "not this tool's deployment id")
    data = claims.get(DL + "data")
    session = (tool_stores().lti_sessions.take_value(_DATA + data, datetime.now(UTC))
               if isinstance(data, str) else None)
    if not isinstance(session, dict) or session["tool_id"] != tool.id:
        raise DeepLinkRefused("unknown_data", "the response's data names no open picker "
                                              "of this tool")
    if admin is None or admin.kind != "admin" or admin.token != session["session"]:
        raise DeepLinkRefused("not_signed_in", "the picker was opened in another browser")
    expires = datetime.fromtimestamp(claims["exp"], UTC)
    if not platform_stores().lti_platform_tools.remember_assertion(
            tool.client_id, "dl:" + str(claims["nonce"]), expires):
        raise DeepLinkRefused("nonce_replayed", "this response was already received")
    return tool, claims


def _entry_id(tool: PartnerTool, item: dict[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps([tool.client_id, item.get("url"), item.get("custom")],
                                       sort_keys=True).encode()).hexdigest()[:12]
    return f"t{tool.id}-{digest}"


def accept_items(tool: PartnerTool, claims: dict[str, Any]) -> DeepLinkOutcome:
    outcome = DeepLinkOutcome(message=claims.get(DL + "msg") or claims.get(DL + "errormsg"))
    for item in claims.get(DL + "content_items") or []:
        if not isinstance(item, dict) or item.get("type") != "ltiResourceLink":
            continue  # only resource links launch a tool
        entry_id = _entry_id(tool, item)
        sent = item.get("custom")
        custom = {str(k): str(v) for k, v in sent.items()} if isinstance(sent, dict) else {}
        line_item = item.get("lineItem") if isinstance(item.get("lineItem"), dict) else None
        maximum = line_item.get("scoreMaximum") if line_item else None
        try:
            entry = add_catalogue_entry(tool_stores().lti_catalogue, NewEntry(
                id=entry_id, title=str(item.get("title") or tool.name),
                description=str(item.get("text") or ""),
                activity_id=custom.get("activity_id")
                or platform_url(f"/lti/platform/activities/{entry_id}"),
                launch_url=item.get("url") or tool.target_link_uri,
                keywords=tool.organisation, graded=line_item is not None,
                score_maximum=float(maximum) if isinstance(maximum, int | float) else None))
        except AlreadyExists:
            existing = tool_stores().lti_catalogue.get_entry(entry_id)
            if existing is None:  # it was there a moment ago; entries are not deleted
                raise LookupError(f"catalogue entry {entry_id} vanished") from None
            entry = existing
        except InvalidRegistration as exc:
            log.warning("deep linking item from tool %s skipped: %s", tool.id, exc)
            continue
        hours = custom.get("jp")
        place_entry(platform_stores().lti_platform_tools, tool_stores().lti_catalogue, NewPlacement(
            catalogue_id=entry.id, tool_id=tool.stored_id, url=item.get("url"),
            custom=custom, lesson_hours=_hours(hours)))
        outcome.entries.append(entry)
    log.info("deep linking response from tool %s: %d catalogue entr(ies)", tool.id,
             len(outcome.entries))
    return outcome


def _hours(raw: str | None) -> float | None:
    try:
        value = float(raw) if raw is not None else None
    except ValueError:
        return None
    return value if value is not None and 0 <= value <= 1000 else None
