"""What the landing pages show: a learner's year (JP against the requirement, the
partner activities they may open, what was counted lately), an instructor's class."""

from __future__ import annotations

from typing import Any

from lti.tool.launch import NIP, Launch, linked_entry, role_name, target_launcher
from lti.tool.learner import (
    LearnerSummary,
    learner_summary,
    partner_catalogue,
    summary_available,
)
from lti.tool.storage import stores as tool_stores
from lti.tool.storage.contract import GradeJob, LtiResourceLink


def _links(launch: Launch) -> list[LtiResourceLink]:
    roster = tool_stores().lti_roster
    if launch.context:
        return roster.list_resource_links(launch.platform.stored_id, launch.context["id"])
    link = roster.get_resource_link(launch.platform.stored_id, launch.resource_link.get("id", ""))
    return [link] if link else []


def _result(job: GradeJob | None) -> dict[str, Any] | None:
    if job is None:
        return None
    return {"score": job.score_given, "maximum": job.score_maximum,
            "completed": job.activity_progress == "Completed", "status": job.status}


def _target(launch: Launch) -> dict[str, Any] | None:
    """The partner activity this resource link was deep-linked to, shown until the
    platform role launches it (lti.tool.launch.set_target_launcher)."""
    roster = tool_stores().lti_roster
    link = roster.get_resource_link(launch.platform.stored_id, launch.resource_link.get("id", ""))
    entry = linked_entry(link)
    if entry is None:
        return None
    return {"entry": entry, "launchable": target_launcher() is not None}


def learner_view(launch: Launch) -> dict[str, Any]:
    links = _links(launch)
    grades = tool_stores().lti_grades.latest_results(
        launch.platform.stored_id, [link.resource_link_id for link in links], sub=launch.sub)
    by_link = {job.resource_link_id: job for job in grades}
    rows = [{"title": link.title or link.resource_link_id,
             "result": _result(by_link.get(link.resource_link_id))} for link in links]
    catalogue = partner_catalogue()
    state, summary = _year(launch)
    return {"name": launch.display_name, "context": launch.context, "rows": rows,
            "target": _target(launch), "launch_id": launch.launch_id,
            "nip_state": state, "summary": summary, "percent": _percent(summary),
            "offers": catalogue.offered() if catalogue is not None else []}


def _year(launch: Launch) -> tuple[str, LearnerSummary | None]:
    """(state, summary): linked | no_nip | invalid_nip | unknown_person | unavailable."""
    if not summary_available():
        return "unavailable", None
    user = tool_stores().lti_roster.find_user(launch.issuer, launch.sub)
    nip = user.hub_identity if user is not None else None
    if not nip:
        sent = str(launch.custom.get("nip", "")).strip()
        return ("invalid_nip" if sent and not NIP.match(sent) else "no_nip"), None
    summary = learner_summary(nip, viewer=f"lti:{launch.issuer} {launch.sub}")
    return ("linked", summary) if summary is not None else ("unknown_person", None)


def _percent(summary: LearnerSummary | None) -> int:
    if summary is None or summary.required_jp_centi <= 0:
        return 0
    return min(100, summary.jp_centi * 100 // summary.required_jp_centi)


def course_view(launch: Launch) -> dict[str, Any]:
    storage = tool_stores()
    if not launch.context:
        return {"context": {}, "links": [], "members": [], "target": _target(launch),
                "launch_id": launch.launch_id}
    links = _links(launch)
    members = storage.lti_roster.list_members(launch.platform.stored_id, launch.context["id"])
    users = storage.lti_roster.find_users(launch.issuer, [m.sub for m in members])
    grades = storage.lti_grades.latest_results(launch.platform.stored_id,
                                               [link.resource_link_id for link in links])
    results = {(job.sub, job.resource_link_id): job for job in grades}
    rows: list[dict[str, Any]] = []
    for member in members:
        user = users.get(member.sub)
        name = None
        if user is not None:
            name = user.name or " ".join(p for p in (user.given_name, user.family_name) if p)
        rows.append({
            "sub": member.sub, "name": name or member.sub,
            "email": user.email if user else None,
            "roles": ", ".join(role_name(r) for r in member.roles),
            "status": member.status, "launched": member.launched,
            "results": [_result(results.get((member.sub, link.resource_link_id)))
                        for link in links]})
    rows.sort(key=lambda r: (r["name"].lower(), r["sub"]))
    return {"context": launch.context,
            "links": [link.title or link.resource_link_id for link in links],
            "members": rows, "target": _target(launch), "launch_id": launch.launch_id}
