"""Registering partner tools and placing catalogue entries on them.

The hub issues each tool its client id and deployment id; the registration says which
LTI services the tool may use and which personal data its launches may carry.  A
catalogue entry is launched through the tool it is placed on.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from typing import Any

from lti.enabling import set_enabled
from lti.platform.storage.contract import LtiPlatformToolStore, PartnerTool, ToolPlacement
from lti.tool.registration import InvalidRegistration, check_url
from lti.tool.storage.contract import LtiCatalogueStore

AGS_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/"
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
# Service names an admin grants, and the OAuth scope each one stands for.
SERVICE_SCOPES = {
    "lineitem": AGS_SCOPE + "lineitem",
    "lineitem.readonly": AGS_SCOPE + "lineitem.readonly",
    "result.readonly": AGS_SCOPE + "result.readonly",
    "score": AGS_SCOPE + "score",
    "nrps": NRPS_SCOPE,
}
PERSONAL_DATA = ("name", "email", "nip")


@dataclass(frozen=True)
class NewTool:
    name: str
    organisation: str
    login_url: str
    target_link_uri: str
    jwks_url: str
    redirect_uris: tuple[str, ...] = ()  # empty: the target link URI alone
    deep_linking_url: str | None = None
    custom: Mapping[str, str] = field(default_factory=dict)
    services: Iterable[str] = ()
    personal_data: Iterable[str] = ()


def scopes_of(tool: PartnerTool) -> frozenset[str]:
    return frozenset(SERVICE_SCOPES[s] for s in tool.services if s in SERVICE_SCOPES)


def _custom(custom: Mapping[str, str], field_name: str) -> dict[str, str]:
    if not isinstance(custom, Mapping):
        raise InvalidRegistration(field_name, "must be an object of strings")
    for key, value in custom.items():
        if not isinstance(key, str) or not key.strip() or not isinstance(value, str):
            raise InvalidRegistration(f"{field_name}/{key}", "must be a string")
    return dict(custom)


def check_tool(new: NewTool) -> NewTool:
    for name in ("name", "organisation"):
        value = getattr(new, name)
        if not isinstance(value, str) or not value.strip() or len(value) > 200:
            raise InvalidRegistration(name, "is required (at most 200 characters)")
    target = check_url("target_link_uri", new.target_link_uri)
    redirects = tuple(check_url(f"redirect_uris/{i}", uri)
                      for i, uri in enumerate(new.redirect_uris)) or (target,)
    unknown = set(new.services) - set(SERVICE_SCOPES)
    if unknown:
        raise InvalidRegistration("services", f"unknown service(s) {', '.join(sorted(unknown))}"
                                  f"; known: {', '.join(SERVICE_SCOPES)}")
    unknown = set(new.personal_data) - set(PERSONAL_DATA)
    if unknown:
        raise InvalidRegistration("personal_data", f"unknown kind(s) {', '.join(sorted(unknown))}"
                                  f"; known: {', '.join(PERSONAL_DATA)}")
    return NewTool(
        name=new.name.strip(), organisation=new.organisation.strip(),
        login_url=check_url("login_url", new.login_url), target_link_uri=target,
        jwks_url=check_url("jwks_url", new.jwks_url), redirect_uris=redirects,
        deep_linking_url=(check_url("deep_linking_url", new.deep_linking_url)
                          if new.deep_linking_url else None),
        custom=_custom(new.custom, "custom"), services=tuple(new.services),
        personal_data=tuple(new.personal_data))


def register_tool(store: LtiPlatformToolStore, new: NewTool) -> PartnerTool:
    """Raises InvalidRegistration.  The hub makes the client id and deployment id."""
    new = check_tool(new)
    return store.insert_tool(PartnerTool(
        id=None, client_id=secrets.token_hex(16), deployment_id=secrets.token_hex(8),
        name=new.name, organisation=new.organisation, login_url=new.login_url,
        target_link_uri=new.target_link_uri, redirect_uris=tuple(new.redirect_uris),
        jwks_url=new.jwks_url, deep_linking_url=new.deep_linking_url, custom=dict(new.custom),
        services=frozenset(new.services), personal_data=frozenset(new.personal_data),
        sub_salt=secrets.token_hex(32), created_at=datetime.now(UTC)))


# The client id, deployment id and sub salt are the tool's identity (its learners' subs
# and its issued tokens hang on them): they are never edited.
EDITABLE_TOOL_FIELDS = tuple(f.name for f in fields(NewTool))


def _tool_of(store: LtiPlatformToolStore, tool_id: int) -> PartnerTool:
    tool = store.get_tool(tool_id)
    if tool is None:
        raise LookupError(f"no partner tool {tool_id}")
    return tool


def edit_tool(store: LtiPlatformToolStore, tool_id: int,
              changes: Mapping[str, Any]) -> PartnerTool:
    """Change some of EDITABLE_TOOL_FIELDS, validated as a new registration is
    (`changes` holds JSON values; check_tool checks them).
    Raises LookupError or InvalidRegistration."""
    current = _tool_of(store, tool_id)
    for name in changes:
        if name not in EDITABLE_TOOL_FIELDS:
            raise InvalidRegistration(name, "cannot be changed" if name in (
                "client_id", "deployment_id") else "is not an editable field")
    new = check_tool(replace(NewTool(
        name=current.name, organisation=current.organisation, login_url=current.login_url,
        target_link_uri=current.target_link_uri, jwks_url=current.jwks_url,
        redirect_uris=current.redirect_uris, deep_linking_url=current.deep_linking_url,
        custom=current.custom, services=tuple(sorted(current.services)),
        personal_data=tuple(sorted(current.personal_data))), **changes))
    updated = store.update_tool(replace(
        current, name=new.name, organisation=new.organisation, login_url=new.login_url,
        target_link_uri=new.target_link_uri, redirect_uris=tuple(new.redirect_uris),
        jwks_url=new.jwks_url, deep_linking_url=new.deep_linking_url, custom=dict(new.custom),
        services=frozenset(new.services), personal_data=frozenset(new.personal_data)))
    if updated is None:
        raise LookupError(f"no partner tool {tool_id}")
    return updated


def set_tool_enabled(store: LtiPlatformToolStore, tool_id: int, enabled: bool) -> PartnerTool:
    """Disable (refused at once: launches, token requests, services, even with tokens
    already issued) or enable again.  Raises LookupError."""
    return set_enabled(store.set_tool_disabled, lambda i: _tool_of(store, i), tool_id,
                       enabled, f"no partner tool {tool_id}")


@dataclass(frozen=True)
class NewPlacement:
    catalogue_id: str
    tool_id: int
    url: str | None = None
    custom: Mapping[str, str] = field(default_factory=dict)
    lesson_hours: float | None = None
    passing_score: float | None = None


def place_entry(tools: LtiPlatformToolStore, catalogue: LtiCatalogueStore,
                new: NewPlacement) -> ToolPlacement:
    """Launch catalogue entry `catalogue_id` through tool `tool_id` (replaces an earlier
    placement).  Raises InvalidRegistration or LookupError."""
    if catalogue.get_entry(new.catalogue_id) is None:
        raise LookupError(f"no catalogue entry {new.catalogue_id!r}")
    if tools.get_tool(new.tool_id) is None:
        raise LookupError(f"no partner tool {new.tool_id}")
    hours = new.lesson_hours
    if hours is not None and (isinstance(hours, bool) or not math.isfinite(hours)
                              or not 0 <= hours <= 1000):
        raise InvalidRegistration("lesson_hours", "must be between 0 and 1000 JP")
    passing = new.passing_score
    if passing is not None and (isinstance(passing, bool) or not 0 <= passing <= 1):
        raise InvalidRegistration("passing_score", "must be a scaled score from 0 to 1")
    placement = ToolPlacement(
        catalogue_id=new.catalogue_id, tool_id=new.tool_id,
        url=check_url("url", new.url) if new.url else None,
        custom=_custom(new.custom, "custom"), lesson_hours=hours, passing_score=passing,
        created_at=datetime.now(UTC))
    tools.put_placement(placement)
    return placement


def tool_json(tool: PartnerTool) -> dict:
    """A registration as the admin API and CLI show it (never the sub salt)."""
    return {"id": tool.id, "client_id": tool.client_id, "deployment_id": tool.deployment_id,
            "name": tool.name, "organisation": tool.organisation, "login_url": tool.login_url,
            "target_link_uri": tool.target_link_uri, "redirect_uris": list(tool.redirect_uris),
            "jwks_url": tool.jwks_url, "deep_linking_url": tool.deep_linking_url,
            "custom": tool.custom, "services": sorted(tool.services),
            "personal_data": sorted(tool.personal_data),
            "created_at": tool.created_at.isoformat(), "enabled": tool.enabled,
            "disabled_at": tool.disabled_at.isoformat() if tool.disabled_at else None}


def placement_json(placement: ToolPlacement) -> dict:
    return {"catalogue_id": placement.catalogue_id, "tool_id": placement.tool_id,
            "url": placement.url, "custom": placement.custom,
            "lesson_hours": placement.lesson_hours, "passing_score": placement.passing_score,
            "created_at": placement.created_at.isoformat()}


def platform_urls(public_url: str) -> dict[str, str]:
    """What a partner types into its tool when it registers the hub as a platform."""
    base = public_url.rstrip("/")
    return {"issuer": base, "authorization_endpoint": base + "/lti/platform/auth",
            "token_endpoint": base + "/lti/platform/token",
            "jwks_uri": base + "/lti/platform/jwks",
            "openid_configuration": base + "/.well-known/openid-configuration"}
