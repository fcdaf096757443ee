"""NRPS 2.0: read a course's whole membership (every page) into the hub's roster."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from pylti1p3.names_roles import NamesRolesProvisioningService

from lti.tool.adapters import HubServiceConnector, registration_for
from lti.tool.launch import link_hub_identity
from lti.tool.session import http_session
from lti.tool.storage import stores as tool_stores
from lti.tool.storage.contract import LtiMember, LtiPlatform, LtiUser

log = logging.getLogger(__name__)


class RosterUnavailable(Exception):
    """The course has no membership service, or the LMS did not answer."""


def sync_roster(platform: LtiPlatform, context_id: str) -> int:
    """Fetch every member of the course and remember them; returns how many."""
    storage = tool_stores()
    current = storage.lti_platforms.get_platform(platform.stored_id)
    if current is None or not current.enabled:
        raise RosterUnavailable(f"platform {platform.id} is disabled or no longer registered")
    context = storage.lti_roster.get_context(platform.stored_id, context_id)
    if context is None or not context.memberships_url:
        raise RosterUnavailable("the LMS offers no membership service for this course")
    connector = HubServiceConnector(registration_for(platform, storage.lti_keys), http_session())
    service = NamesRolesProvisioningService(
        connector, {"context_memberships_url": context.memberships_url})
    try:
        members = service.get_members()  # follows Link rel="next" through every page
    except Exception as exc:  # network, HTTP or token errors: the page still shows
        raise RosterUnavailable(str(exc)) from exc
    now = datetime.now(UTC)
    users, memberships = [], []
    for member in members:
        sub = member.get("user_id")
        if not isinstance(sub, str) or not sub:
            continue
        sourcedid = member.get("lis_person_sourcedid")
        identity = link_hub_identity(platform.issuer, sub, nip=None, email=member.get("email"),
                                     sourcedid=sourcedid)
        users.append(LtiUser(issuer=platform.issuer, sub=sub, updated=now,
                             name=member.get("name"), given_name=member.get("given_name"),
                             family_name=member.get("family_name"), email=member.get("email"),
                             sourcedid=sourcedid, hub_identity=identity))
        memberships.append(LtiMember(
            platform_id=platform.stored_id, context_id=context_id, sub=sub,
            roles=tuple(r for r in member.get("roles", []) if isinstance(r, str)),
            status=member.get("status") or "Active", launched=False, updated=now))
    storage.lti_roster.upsert_users(users)
    storage.lti_roster.upsert_members(memberships)
    log.info("NRPS: %d members of %s in %s", len(memberships), context_id, platform.issuer)
    return len(memberships)
