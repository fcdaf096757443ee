"""Launching a partner tool: the launch intent behind `lti_message_hint`, the OIDC
third-party initiated login request to the tool, and the signed id_token.

LTI Core 1.3 §5.3-5.4 (required and optional claims), Security Framework 1.0 §5.1.1
(the OIDC flow).  Personal data is sent only as the registration permits.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import redirect

from hub import jose
from hub.settings import current_settings
from lti.keys import signing_key
from lti.platform.identity import SignedIn, tool_sub
from lti.platform.storage import stores as platform_stores
from lti.platform.storage.contract import (
    LineItemQuery,
    PartnerTool,
    PlatformContext,
    PlatformLearner,
    PlatformLineItem,
    PlatformLink,
    PlatformMember,
    ToolPlacement,
)
from lti.platform.tools import SERVICE_SCOPES
from lti.tool.adapters import with_query
from lti.tool.storage import stores as tool_stores
from lti.tool.storage.contract import CatalogueEntry

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
DL_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
ADMIN_ROLES = ["http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator",
               "http://purl.imsglobal.org/vocab/lis/v2/membership#ContentDeveloper"]
COURSE_OFFERING = "http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"
RESOURCE_LINK = "LtiResourceLinkRequest"
DEEP_LINKING = "LtiDeepLinkingRequest"
HINT_LIFETIME = timedelta(minutes=10)  # from login initiation to the authorization request
ID_TOKEN_LIFETIME = 300
HINT_PREFIX = "platform.hint:"
DEFAULT_SCORE_MAXIMUM = 100.0


@dataclass(frozen=True)
class LaunchIntent:
    """What one login initiation launches, kept server-side under `lti_message_hint`."""

    tool_id: int
    session: str  # the signed-in person's session token: the launch is theirs only
    login_hint: str  # the tool's sub for that person
    message_type: str
    target_link_uri: str
    roles: list[str]
    context_id: str | None = None
    link_id: str | None = None
    catalogue_id: str | None = None
    custom: dict[str, str] = field(default_factory=dict)
    deep_link_data: str | None = None


def issuer() -> str:
    return current_settings().public_url.rstrip("/")


def platform_url(path: str) -> str:
    return issuer() + path


def _digest(*parts: object) -> str:
    return hashlib.sha256("\n".join(str(p) for p in parts).encode()).hexdigest()[:40]


# --- contexts and resource links --------------------------------------------------------
def catalogue_context() -> PlatformContext:
    """Launches from the hub's catalogue page share one context: the catalogue."""
    context = PlatformContext(id="catalogue", kind="catalogue", updated=datetime.now(UTC),
                              title="Katalog Berpijar", label="Berpijar")
    platform_stores().lti_platform_roster.upsert_context(context)
    return context


def lms_context(platform_id: int, context: dict[str, Any]) -> PlatformContext:
    """The LMS course a relayed launch came from, as a hub context of its own."""
    record = PlatformContext(
        id="lms-" + _digest(platform_id, context["id"]), kind="lms",
        lms_platform_id=platform_id, lms_context_id=context["id"],
        title=context.get("title"), label=context.get("label"), updated=datetime.now(UTC))
    platform_stores().lti_platform_roster.upsert_context(record)
    return record


def resource_link(tool: PartnerTool, entry: CatalogueEntry, context: PlatformContext, *,
                  lms_platform_id: int | None = None,
                  lms_link_id: str | None = None) -> PlatformLink:
    if lms_link_id is not None:
        link_id = "lms-" + _digest(lms_platform_id, lms_link_id)
    else:
        link_id = "cat-" + _digest(tool.id, entry.id)
    link = PlatformLink(id=link_id, tool_id=tool.stored_id, context_id=context.id,
                        catalogue_id=entry.id, title=entry.title,
                        lms_platform_id=lms_platform_id, lms_resource_link_id=lms_link_id,
                        updated=datetime.now(UTC))
    platform_stores().lti_platform_roster.upsert_link(link)
    return link


def default_line_item(tool: PartnerTool, entry: CatalogueEntry,
                      link: PlatformLink) -> PlatformLineItem | None:
    """A graded entry gets one line item per resource link, made by the hub on the first
    launch (as an LMS makes a gradebook column for a graded placement)."""
    if not entry.graded:
        return None
    gradebook = platform_stores().lti_platform_gradebook
    found = gradebook.query_line_items(LineItemQuery(
        tool_id=tool.stored_id, context_id=link.context_id, resource_link_id=link.id, limit=1))
    if found:
        return found[0]
    return gradebook.insert_line_item(PlatformLineItem(
        id=None, tool_id=tool.stored_id, context_id=link.context_id, label=entry.title,
        score_maximum=entry.score_maximum or DEFAULT_SCORE_MAXIMUM, resource_id=entry.id,
        resource_link_id=link.id, tag="berpijar", created_at=datetime.now(UTC)))


# --- starting a launch -------------------------------------------------------------------
def remember_learner(tool: PartnerTool, person: SignedIn, sub: str) -> None:
    platform_stores().lti_platform_roster.upsert_learners([PlatformLearner(
        tool_id=tool.stored_id, sub=sub, issuer=person.issuer, learner_sub=person.subject,
        name=person.name, given_name=person.given_name, family_name=person.family_name,
        email=person.email, nip=person.nip, updated=datetime.now(UTC))])


def start_launch(tool: PartnerTool, person: SignedIn, *, message_type: str = RESOURCE_LINK,
                 target_link_uri: str | None = None, roles: list[str] | None = None,
                 context: PlatformContext | None = None, link: PlatformLink | None = None,
                 placement: ToolPlacement | None = None,
                 deep_link_data: str | None = None):
    """Store the intent and redirect the browser to the tool's login initiation URL."""
    sub = tool_sub(tool, person.identity)
    if person.kind == "learner":
        remember_learner(tool, person, sub)
    roles = roles if roles is not None else [LEARNER]
    if context is not None:
        platform_stores().lti_platform_roster.upsert_members([PlatformMember(
            tool_id=tool.stored_id, context_id=context.id, sub=sub, roles=tuple(roles),
            updated=datetime.now(UTC))])
    custom = {**tool.custom, **(placement.custom if placement else {})}
    target = target_link_uri or (placement.url if placement and placement.url else None) \
        or tool.target_link_uri
    intent = LaunchIntent(
        tool_id=tool.stored_id, session=person.token, login_hint=sub, message_type=message_type,
        target_link_uri=target, roles=roles, context_id=context.id if context else None,
        link_id=link.id if link else None, catalogue_id=link.catalogue_id if link else None,
        custom=custom, deep_link_data=deep_link_data)
    hint = secrets.token_urlsafe(24)
    tool_stores().lti_sessions.put_value(HINT_PREFIX + hint, asdict(intent),
                                             datetime.now(UTC) + HINT_LIFETIME)
    # Security Framework 1.0 §5.1.1.1: third-party initiated login, by GET.
    return redirect(with_query(tool.login_url, [
        ("iss", issuer()), ("login_hint", sub), ("target_link_uri", target),
        ("lti_message_hint", hint), ("lti_deployment_id", tool.deployment_id),
        ("client_id", tool.client_id)]), 302)


def take_intent(hint: str) -> LaunchIntent | None:
    """The intent behind a message hint; each hint authorises one launch."""
    data = tool_stores().lti_sessions.take_value(HINT_PREFIX + hint, datetime.now(UTC))
    return LaunchIntent(**data) if isinstance(data, dict) else None


# --- the id_token ------------------------------------------------------------------------
def _personal_claims(tool: PartnerTool, person: SignedIn) -> dict[str, Any]:
    claims: dict[str, Any] = {}
    if "name" in tool.personal_data:
        for name in ("name", "given_name", "family_name"):
            if getattr(person, name):
                claims[name] = getattr(person, name)
    if "email" in tool.personal_data and person.email:
        claims["email"] = person.email
    if "nip" in tool.personal_data and person.nip:
        claims[CLAIM + "lis"] = {"person_sourcedid": person.nip}
    return claims


def _service_claims(tool: PartnerTool, intent: LaunchIntent) -> dict[str, Any]:
    if intent.context_id is None:
        return {}
    claims: dict[str, Any] = {}
    base = platform_url(f"/lti/platform/ags/{intent.context_id}/lineitems")
    ags_scopes = sorted(SERVICE_SCOPES[s] for s in tool.services
                        if s in ("lineitem", "lineitem.readonly", "result.readonly", "score"))
    if ags_scopes:
        endpoint: dict[str, Any] = {"scope": ags_scopes, "lineitems": base}
        item = _link_line_item(tool, intent)
        if item is not None:
            endpoint["lineitem"] = f"{base}/{item.id}"
        claims[AGS_CLAIM] = endpoint
    if "nrps" in tool.services:
        claims[NRPS_CLAIM] = {
            "context_memberships_url": platform_url(
                f"/lti/platform/nrps/{intent.context_id}/memberships"),
            "service_versions": ["2.0"]}
    return claims


def _link_line_item(tool: PartnerTool, intent: LaunchIntent) -> PlatformLineItem | None:
    if intent.link_id is None or intent.context_id is None:
        return None
    found = platform_stores().lti_platform_gradebook.query_line_items(LineItemQuery(
        tool_id=tool.stored_id, context_id=intent.context_id, resource_link_id=intent.link_id,
        limit=2))
    return found[0] if len(found) == 1 else None  # AGS §3.2: only when there is one


def id_token_claims(tool: PartnerTool, intent: LaunchIntent, person: SignedIn,
                    nonce: str) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": issuer(), "aud": tool.client_id, "azp": tool.client_id,
        "sub": intent.login_hint, "iat": now, "exp": now + ID_TOKEN_LIFETIME, "nonce": nonce,
        CLAIM + "message_type": intent.message_type, CLAIM + "version": "1.3.0",
        CLAIM + "deployment_id": tool.deployment_id,
        CLAIM + "target_link_uri": intent.target_link_uri, CLAIM + "roles": intent.roles,
        CLAIM + "tool_platform": {"guid": issuer(), "name": "Berpijar Learning Hub",
                                  "product_family_code": "berpijar", "version": "1.0"},
        CLAIM + "launch_presentation": {"document_target": "iframe", "locale": "id-ID"},
        **_personal_claims(tool, person),
    }
    if intent.custom:
        claims[CLAIM + "custom"] = intent.custom
    storage = platform_stores()
    if intent.context_id:
        context = storage.lti_platform_roster.get_context(intent.context_id)
        claims[CLAIM + "context"] = {
            "id": intent.context_id, "type": [COURSE_OFFERING],
            **({"title": context.title} if context and context.title else {}),
            **({"label": context.label} if context and context.label else {})}
    if intent.message_type == RESOURCE_LINK:
        link = storage.lti_platform_roster.get_link(intent.link_id) if intent.link_id else None
        claims[CLAIM + "resource_link"] = {"id": intent.link_id,
                                           **({"title": link.title} if link and link.title
                                              else {})}
        claims.update(_service_claims(tool, intent))
    else:
        claims[DL_SETTINGS] = {
            "deep_link_return_url": platform_url("/lti/platform/deep-link/return"),
            "accept_types": ["ltiResourceLink"],
            "accept_presentation_document_targets": ["iframe", "window"],
            "accept_multiple": True, "auto_create": True, "data": intent.deep_link_data,
            "title": "Katalog Berpijar"}
    return _trimmed(claims)


def _trimmed(value: Any) -> Any:
    """LMS names and titles come padded; LTI cert §5.1: "There MUST NOT be extra
    Whitespace before or after any values in the JWT"."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dict):
        return {key: _trimmed(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [_trimmed(inner) for inner in value]
    return value


def sign(claims: dict[str, Any]) -> str:
    key = signing_key(platform_stores().lti_platform_keys)
    return jose.sign(claims, key.private_pem, algorithm="RS256",
                     headers={"kid": key.kid, "typ": "JWT"})
