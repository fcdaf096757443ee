"""What a validated launch does: link the user, remember the course and the resource
link, record the `launched` statement, and say where the user lands.

`set_target_launcher` is the hook the platform role (lti/platform) uses to launch the
partner activity a resource link was deep-linked to; until one is set, the landing
page shows what would be launched.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from flask import Flask, current_app

from hub.settings import current_settings
from lrs.service import record_statements
from lti.tool import xapi
from lti.tool.storage import stores as tool_stores
from lti.tool.storage.contract import (
    CatalogueEntry,
    LtiContext,
    LtiMember,
    LtiPlatform,
    LtiResourceLink,
    LtiUser,
)

log = logging.getLogger(__name__)

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
LIS_ROLES = "http://purl.imsglobal.org/vocab/lis/v2/"
# Context roles that see the whole class (LTI Core 1.3 A.2.3), also as short names.
STAFF_ROLES = {"Instructor", "Administrator", "ContentDeveloper", "Mentor",
               "TeachingAssistant"}
NIP = re.compile(r"^\d{18}$")  # Nomor Induk Pegawai

# (entry, launch) -> a Flask response that launches the partner, or None to fall back.
TargetLauncher = Callable[[CatalogueEntry, "Launch"], Any]
_TARGET_LAUNCHER = "lti.target_launcher"


def set_target_launcher(app: Flask, launcher: TargetLauncher) -> None:
    app.extensions[_TARGET_LAUNCHER] = launcher


def target_launcher() -> TargetLauncher | None:
    return current_app.extensions.get(_TARGET_LAUNCHER)


@dataclass(frozen=True)
class Launch:
    """A validated launch as the rest of the hub sees it."""

    launch_id: str
    platform: LtiPlatform
    claims: Mapping[str, Any]  # the validated id_token body

    @property
    def issuer(self) -> str:
        return self.claims["iss"]

    @property
    def sub(self) -> str:
        return self.claims["sub"]

    @property
    def message_type(self) -> str:
        return self.claims[CLAIM + "message_type"]

    @property
    def roles(self) -> list[str]:
        return [r for r in self.claims.get(CLAIM + "roles", []) if isinstance(r, str)]

    @property
    def is_staff(self) -> bool:
        return any(role_name(r) in STAFF_ROLES for r in self.roles)

    @property
    def context(self) -> dict[str, Any]:
        context = self.claims.get(CLAIM + "context")
        return context if isinstance(context, dict) and context.get("id") else {}

    @property
    def resource_link(self) -> dict[str, Any]:
        return self.claims.get(CLAIM + "resource_link") or {}

    @property
    def custom(self) -> dict[str, Any]:
        custom = self.claims.get(CLAIM + "custom")
        return custom if isinstance(custom, dict) else {}

    @property
    def locale(self) -> str | None:
        presentation = self.claims.get(CLAIM + "launch_presentation") or {}
        return presentation.get("locale") if isinstance(presentation, dict) else None

    @property
    def display_name(self) -> str | None:
        if self.claims.get("name"):
            return self.claims["name"]
        parts = [self.claims.get("given_name"), self.claims.get("family_name")]
        return " ".join(p for p in parts if p) or None


def role_name(role: str) -> str:
    """"http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor" -> "Instructor";
    short names ("Instructor") and unknown roles stay as they are."""
    if role.startswith(LIS_ROLES) and "#" in role:
        kind, name = role[len(LIS_ROLES):].split("#", 1)
        # Institution and system roles say nothing about this course (LTI Core A.2.1/2).
        if kind.startswith(("institution", "system")):
            return f"{kind.split('/')[0]}:{name}"
        return name
    return role


def _nip(claims: Mapping[str, Any]) -> str | None:
    """The NIP the LMS sent: the `nip` custom parameter, else the LIS person sourcedId
    (LTI Core 1.3 §5.4.5) when it is 18 digits.  An LMS that cannot expand
    `$Person.sourcedId` sends the text itself, which is no NIP and is ignored."""
    custom = claims.get(CLAIM + "custom") or {}
    value = str(custom.get("nip", "")).strip() if isinstance(custom, dict) else ""
    if value and not NIP.match(value):
        log.info("ignoring custom nip that is not 18 digits (iss=%s)", claims.get("iss"))
        value = ""
    if not value:
        lis = claims.get(CLAIM + "lis") or {}
        sourced = str(lis.get("person_sourcedid", "")).strip() if isinstance(lis, dict) else ""
        value = sourced if NIP.match(sourced) else ""
    return value or None


_IDENTITY_LINKER = "lti.identity_linker"


class IdentityLinker(Protocol):
    """The port through which a launch asks which civil servant (NIP) the LTI user is;
    transcripts installs its registry's (`transcripts.identity.link_lti_user`)."""

    def __call__(self, issuer: str, sub: str, *, nip: str | None, email: str | None,
                 sourcedid: str | None) -> str | None: ...


def set_identity_linker(app: Flask, linker: IdentityLinker) -> None:
    app.extensions[_IDENTITY_LINKER] = linker


def link_hub_identity(issuer: str, sub: str, *, nip: str | None, email: str | None,
                      sourcedid: str | None) -> str | None:
    """The hub's identity for this LTI user, when a linker is installed."""
    linker = current_app.extensions.get(_IDENTITY_LINKER)
    if linker is None:
        return None  # no registry: the (issuer, sub) user table stands alone
    try:
        return linker(issuer, sub, nip=nip, email=email, sourcedid=sourcedid)
    except Exception:  # a linking fault must not lock a learner out of the course
        log.exception("linking LTI user %s of %s to a hub identity failed", sub, issuer)
        return None


def remember_user(launch: Launch, now: datetime) -> LtiUser:
    claims = launch.claims
    lis = claims.get(CLAIM + "lis") or {}
    sourcedid = lis.get("person_sourcedid") if isinstance(lis, dict) else None
    nip = _nip(claims)
    identity = link_hub_identity(launch.issuer, launch.sub, nip=nip, email=claims.get("email"),
                                 sourcedid=sourcedid)
    user = LtiUser(issuer=launch.issuer, sub=launch.sub, updated=now,
                   name=claims.get("name"), given_name=claims.get("given_name"),
                   family_name=claims.get("family_name"), email=claims.get("email"),
                   sourcedid=sourcedid, nip=nip, hub_identity=identity)
    tool_stores().lti_roster.upsert_users([user])
    return user


def remember_course(launch: Launch, now: datetime) -> None:
    context = launch.context
    if not context:
        return
    roster = tool_stores().lti_roster
    nrps = launch.claims.get(NRPS) or {}
    roster.upsert_context(LtiContext(
        platform_id=launch.platform.stored_id, context_id=context["id"], updated=now,
        title=context.get("title"), label=context.get("label"),
        memberships_url=nrps.get("context_memberships_url") if isinstance(nrps, dict) else None))
    roster.upsert_members([LtiMember(platform_id=launch.platform.stored_id,
                                     context_id=context["id"], sub=launch.sub,
                                     roles=tuple(launch.roles), status="Active",
                                     launched=True, updated=now)])


def remember_link(launch: Launch, now: datetime) -> LtiResourceLink:
    link_claim = launch.resource_link
    ags = launch.claims.get(AGS)
    if not isinstance(ags, dict):
        ags = {}
    catalogue_id = launch.custom.get("catalogue_id")
    iri = xapi.link_activity_id(current_settings().public_url, launch.issuer, link_claim["id"])
    link = LtiResourceLink(
        platform_id=launch.platform.stored_id, resource_link_id=link_claim["id"],
        deployment_id=launch.claims[CLAIM + "deployment_id"],
        context_id=launch.context.get("id"), title=link_claim.get("title"),
        activity_key=xapi.activity_key(iri),
        catalogue_id=str(catalogue_id) if catalogue_id else None,
        lineitem_url=ags.get("lineitem"), lineitems_url=ags.get("lineitems"),
        ags_scopes=tuple(s for s in ags.get("scope", []) if isinstance(s, str)), updated=now)
    roster = tool_stores().lti_roster
    roster.upsert_resource_link(link)
    roster.record_link_launch(launch.platform.stored_id, link.resource_link_id, launch.sub, now)
    stored = roster.get_resource_link(launch.platform.stored_id, link.resource_link_id)
    if stored is None:  # upserted just above: only a broken store loses it
        raise RuntimeError(f"resource link {link.resource_link_id} was not stored")
    return stored


def linked_entry(link: LtiResourceLink | None) -> CatalogueEntry | None:
    if link is None or not link.catalogue_id:
        return None
    return tool_stores().lti_catalogue.get_entry(link.catalogue_id)


def record_launch(launch: Launch) -> LtiResourceLink:
    """Everything a resource link launch leaves behind; returns the resource link."""
    now = datetime.now(UTC)
    remember_user(launch, now)
    remember_course(launch, now)
    link = remember_link(launch, now)
    settings = current_settings()
    statement = xapi.launched_statement(
        public_url=settings.public_url, claims=launch.claims, when=now,
        object_activity=xapi.object_for(settings.public_url, linked_entry(link)))
    record_statements([statement], authority=xapi.lti_authority(settings.authority_home_page),
                      source="lti")
    log.info("LTI launch accepted: iss=%s sub=%s link=%s staff=%s", launch.issuer, launch.sub,
             link.resource_link_id, launch.is_staff)
    return link
