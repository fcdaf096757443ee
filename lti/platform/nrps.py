"""NRPS 2.0 as a platform: the members of a hub context, as one tool may see them.

Members are those the tool was launched for in the context and, for a context relayed
from an LMS course, the course's whole roster as the tool role knows it (launches and
the LMS's own NRPS).  Each member appears under the tool's own `sub` for them, with only
the personal data the registration permits.  Pages follow `after` (a member's sub).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hub.errors import NotFound
from lti.platform.identity import tool_sub
from lti.platform.storage import stores as platform_stores
from lti.platform.storage.contract import (
    PartnerTool,
    PlatformContext,
    PlatformLearner,
    PlatformMember,
)
from lti.tool.storage import stores as tool_stores

STATUS_ACTIVE = "Active"


def _sync_lms_roster(tool: PartnerTool, context: PlatformContext) -> None:
    """Bring the LMS course's members in as members of this tool's context."""
    if context.lms_platform_id is None or context.lms_context_id is None:
        return  # not relayed from an LMS course
    platform = tool_stores().lti_platforms.get_platform(context.lms_platform_id)
    if platform is None:
        return
    roster = tool_stores().lti_roster.list_members(context.lms_platform_id, context.lms_context_id)
    users = tool_stores().lti_roster.find_users(platform.issuer, [m.sub for m in roster])
    now = datetime.now(UTC)
    learners, members = [], []
    for member in roster:
        if member.status == "Deleted":
            continue
        user = users.get(member.sub)
        sub = tool_sub(tool, f"lti:{platform.issuer} {member.sub}")
        learners.append(PlatformLearner(
            tool_id=tool.stored_id, sub=sub, issuer=platform.issuer, learner_sub=member.sub,
            name=user.name if user else None, given_name=user.given_name if user else None,
            family_name=user.family_name if user else None,
            email=user.email if user else None,
            nip=(user.hub_identity or user.nip) if user else None, updated=now))
        members.append(PlatformMember(tool_id=tool.stored_id, context_id=context.id, sub=sub,
                                      roles=member.roles, updated=now))
    if learners:
        platform_stores().lti_platform_roster.upsert_learners(learners)
        platform_stores().lti_platform_roster.upsert_members(members)


def member_json(tool: PartnerTool, member: PlatformMember,
                learner: PlatformLearner | None) -> dict[str, Any]:
    body: dict[str, Any] = {"user_id": member.sub, "roles": list(member.roles),
                            "status": STATUS_ACTIVE}
    if learner is not None:
        if "name" in tool.personal_data:
            for name in ("name", "given_name", "family_name"):
                if getattr(learner, name):
                    body[name] = getattr(learner, name)
        if "email" in tool.personal_data and learner.email:
            body["email"] = learner.email
        if "nip" in tool.personal_data and learner.nip:
            body["lis_person_sourcedid"] = learner.nip
    return body


def memberships(tool: PartnerTool, context_id: str, *, after: str | None, limit: int,
                role: str | None = None) -> tuple[PlatformContext, list[dict[str, Any]],
                                                  str | None]:
    """(context, members of this page, the sub to continue after, or None at the end)."""
    storage = platform_stores()
    context = storage.lti_platform_roster.get_context(context_id)
    if context is None or not storage.lti_platform_roster.list_members(
            tool.stored_id, context_id, limit=1):
        raise NotFound(f"no membership of {context_id!r} for this tool")
    if context.kind == "lms" and after is None:
        _sync_lms_roster(tool, context)
    page = storage.lti_platform_roster.list_members(tool.stored_id, context_id, after_sub=after,
                                                    limit=limit + 1)
    more = len(page) > limit
    page = page[:limit]
    learners = storage.lti_platform_roster.find_learners(tool.stored_id, [m.sub for m in page])
    members = [member_json(tool, m, learners.get(m.sub)) for m in page
               if role is None or any(r == role or r.endswith("#" + role) for r in m.roles)]
    return context, members, (page[-1].sub if more else None)
