"""Registering platforms (CLI, admin API, Dynamic Registration) and the catalogue."""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from lti.enabling import set_enabled
from lti.tool.storage.contract import (
    CatalogueEntry,
    LtiCatalogueStore,
    LtiPlatform,
    LtiPlatformStore,
)

INVITE_LIFETIME = timedelta(days=7)
LOOPBACK_HOSTS = {"localhost"}


class InvalidRegistration(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(field: str, value: object, *, issuer: bool = False) -> str:
    """HTTPS (plain HTTP only on loopback, for tests and local trials)."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidRegistration(field, "is required")
    parts = urlsplit(value.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise InvalidRegistration(field, "must be an https URL")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise InvalidRegistration(field, "must be an https URL")
    if issuer and (parts.query or parts.fragment):
        # LTI Security Framework 5.1.2: an issuer has no query or fragment.
        raise InvalidRegistration(field, "must not have a query or fragment")
    return value.strip()


@dataclass(frozen=True)
class NewPlatform:
    issuer: str
    client_id: str
    name: str
    auth_login_url: str
    token_url: str
    jwks_url: str
    deployment_ids: tuple[str, ...] = ()
    auth_audience: str | None = None


def check_platform(new: NewPlatform) -> NewPlatform:
    if not new.client_id.strip():
        raise InvalidRegistration("client_id", "is required")
    for index, deployment in enumerate(new.deployment_ids):
        if not isinstance(deployment, str) or not deployment.strip() or len(deployment) > 255:
            raise InvalidRegistration(f"deployment_ids/{index}", "must be a non-empty string")
    return NewPlatform(
        issuer=check_url("issuer", new.issuer, issuer=True), client_id=new.client_id.strip(),
        name=(new.name or "").strip() or urlsplit(new.issuer).hostname or new.issuer,
        auth_login_url=check_url("auth_login_url", new.auth_login_url),
        token_url=check_url("token_url", new.token_url),
        jwks_url=check_url("jwks_url", new.jwks_url),
        deployment_ids=tuple(d.strip() for d in new.deployment_ids),
        auth_audience=new.auth_audience or None)


def register_platform(store: LtiPlatformStore, new: NewPlatform) -> LtiPlatform:
    """Raises InvalidRegistration, or AlreadyExists for a known (issuer, client id)."""
    new = check_platform(new)
    return store.insert_platform(LtiPlatform(
        id=None, issuer=new.issuer, client_id=new.client_id, name=new.name,
        auth_login_url=new.auth_login_url, token_url=new.token_url, jwks_url=new.jwks_url,
        auth_audience=new.auth_audience, created_at=datetime.now(UTC),
        deployment_ids=new.deployment_ids))


# The issuer is the platform's identity (its users, contexts and links hang on it): a
# different issuer is a new registration, never an edit.
EDITABLE_PLATFORM_FIELDS = ("client_id", "name", "auth_login_url", "token_url", "jwks_url",
                            "deployment_ids", "auth_audience")


def _platform_of(store: LtiPlatformStore, platform_id: int) -> LtiPlatform:
    platform = store.get_platform(platform_id)
    if platform is None:
        raise LookupError(f"no LTI platform {platform_id}")
    return platform


def edit_platform(store: LtiPlatformStore, platform_id: int,
                  changes: Mapping[str, Any]) -> LtiPlatform:
    """Change some of EDITABLE_PLATFORM_FIELDS, validated as a new registration is
    (`changes` holds JSON values; check_platform checks them).
    Raises LookupError, InvalidRegistration, or AlreadyExists for a taken client id."""
    current = _platform_of(store, platform_id)
    for name in changes:
        if name == "issuer":
            raise InvalidRegistration("issuer", "cannot be changed (it is the platform's "
                                      "identity); register the new issuer instead")
        if name not in EDITABLE_PLATFORM_FIELDS:
            raise InvalidRegistration(name, "is not an editable field")
    new = NewPlatform(**{f.name: getattr(current, f.name) for f in fields(NewPlatform)})
    new = check_platform(replace(new, **changes))
    updated = store.update_platform(replace(
        current, client_id=new.client_id, name=new.name, auth_login_url=new.auth_login_url,
        token_url=new.token_url, jwks_url=new.jwks_url, auth_audience=new.auth_audience,
        deployment_ids=deployments(new.deployment_ids)))
    if updated is None:
        raise LookupError(f"no LTI platform {platform_id}")
    return updated


def set_platform_enabled(store: LtiPlatformStore, platform_id: int,
                         enabled: bool) -> LtiPlatform:
    """Disable (refused at once: logins, launches, pages, grades, rosters) or enable
    again.  Raises LookupError."""
    return set_enabled(store.set_platform_disabled, lambda i: _platform_of(store, i),
                       platform_id, enabled, f"no LTI platform {platform_id}")


def invite_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_invite(store: LtiPlatformStore, note: str, public_url: str,
                  lifetime: timedelta = INVITE_LIFETIME) -> str:
    """A single-use Dynamic Registration URL for one LMS administrator to paste."""
    token = secrets.token_urlsafe(24)
    now = datetime.now(UTC)
    store.insert_invite(invite_digest(token), note, now, now + lifetime)
    return f"{public_url.rstrip('/')}/lti/register/{token}"


@dataclass(frozen=True)
class NewEntry:
    id: str
    title: str
    activity_id: str
    launch_url: str
    description: str = ""
    keywords: str = ""
    graded: bool = False
    score_maximum: float | None = None


def add_catalogue_entry(store: LtiCatalogueStore, new: NewEntry) -> CatalogueEntry:
    """Raises InvalidRegistration, or AlreadyExists for a taken id."""
    if not new.id.strip() or len(new.id) > 100 or any(c.isspace() for c in new.id):
        raise InvalidRegistration("id", "must be 1-100 characters without spaces")
    if not new.title.strip():
        raise InvalidRegistration("title", "is required")
    if not isinstance(new.activity_id, str) or ":" not in new.activity_id:
        raise InvalidRegistration("activity_id", "must be an IRI (the partner's xAPI id)")
    launch_url = check_url("launch_url", new.launch_url)
    if new.score_maximum is not None and new.score_maximum <= 0:
        raise InvalidRegistration("score_maximum", "must be positive")
    entry = CatalogueEntry(
        id=new.id.strip(), title=new.title.strip(), description=new.description.strip(),
        activity_id=new.activity_id, launch_url=launch_url, keywords=new.keywords.strip(),
        graded=new.graded, score_maximum=new.score_maximum if new.graded else None,
        created_at=datetime.now(UTC))
    store.insert_entry(entry)
    return entry


# The learner's NIP, asked of every LMS as a custom parameter.  `$Person.sourcedId` is the
# LIS substitution both Moodle (the user's "ID number" profile field) and Canvas (the
# user's SIS ID) expand; docs/lti.md says where administrators put the NIP.
NIP_CUSTOM_PARAMETERS = {"nip": "$Person.sourcedId"}


def tool_urls(public_url: str) -> dict[str, str]:
    """What an LMS administrator types in when registering the hub by hand."""
    base = public_url.rstrip("/")
    return {"login_url": base + "/lti/login", "launch_url": base + "/lti/launch",
            "deep_linking_url": base + "/lti/launch", "jwks_url": base + "/lti/jwks",
            "domain": urlsplit(base).netloc,
            "custom_parameters": "\n".join(f"{k}={v}" for k, v in NIP_CUSTOM_PARAMETERS.items())}


def canvas_configuration(public_url: str, scopes: Iterable[str]) -> dict[str, Any]:
    """A Canvas developer key's "Paste JSON" / "Enter URL" configuration (LTI 1.3)."""
    urls = tool_urls(public_url)
    return {
        "title": "Berpijar Learning Hub",
        "description": "Catatan pengembangan kompetensi ASN (JP) / civil servants' "
                       "competency development records",
        "oidc_initiation_url": urls["login_url"],
        "target_link_uri": urls["launch_url"],
        "public_jwk_url": urls["jwks_url"],
        "scopes": list(scopes),
        "custom_fields": dict(NIP_CUSTOM_PARAMETERS),
        "extensions": [{
            "platform": "canvas.instructure.com",
            "domain": urls["domain"],
            "tool_id": "berpijar-hub",
            # public: names and e-mail reach the hub, so a learner is recognised when the
            # LMS has no NIP for them yet (docs/lti.md "Who the learner is").
            "privacy_level": "public",
            "settings": {
                "text": "Berpijar",
                "placements": [
                    {"placement": "course_navigation", "message_type": "LtiResourceLinkRequest",
                     "target_link_uri": urls["launch_url"], "text": "Berpijar"},
                    {"placement": "link_selection", "message_type": "LtiDeepLinkingRequest",
                     "target_link_uri": urls["deep_linking_url"], "text": "Berpijar"},
                    {"placement": "assignment_selection",
                     "message_type": "LtiDeepLinkingRequest",
                     "target_link_uri": urls["deep_linking_url"], "text": "Berpijar"},
                ],
            },
        }],
    }


def deployments(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))
