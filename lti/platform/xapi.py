"""How the platform role appears in the LRS: a `launched` statement per launch, and
`scored` / `completed` / `passed` / `failed` statements per accepted AGS score.

The actor is the learner as the hub knows them — the LMS account they signed in with
(`{homePage: LMS issuer, name: LMS sub}`), exactly the actor of the tool role's own
statements — so the tool role's grade listener sends a relayed learner's score on to the
originating LMS, and transcripts link it to the learner's NIP.  Scores are attributed to
the partner tool (the authority), and carry the activity's lesson hours (JP).
"""

from __future__ import annotations

import uuid
from typing import Any

from lti.platform.storage.contract import (
    PartnerTool,
    PlatformLearner,
    PlatformLineItem,
    PlatformResult,
    ToolPlacement,
)
from lti.tool.storage.contract import CatalogueEntry

VERBS = {
    "launched": {"id": "http://adlnet.gov/expapi/verbs/launched",
                 "display": {"id-ID": "meluncurkan", "en-US": "launched"}},
    "scored": {"id": "http://adlnet.gov/expapi/verbs/scored",
               "display": {"id-ID": "mendapat nilai", "en-US": "scored"}},
    "completed": {"id": "http://adlnet.gov/expapi/verbs/completed",
                  "display": {"id-ID": "menyelesaikan", "en-US": "completed"}},
    "passed": {"id": "http://adlnet.gov/expapi/verbs/passed",
               "display": {"id-ID": "lulus", "en-US": "passed"}},
    "failed": {"id": "http://adlnet.gov/expapi/verbs/failed",
               "display": {"id-ID": "tidak lulus", "en-US": "failed"}},
}
JP_EXTENSION = "https://berpijar.id/xapi/extensions/jp"
EXTENSION = "https://berpijar.go.id/xapi/extensions/lti-platform/"
LESSON = "http://adlnet.gov/expapi/activities/lesson"
LINK_TYPE = "http://adlnet.gov/expapi/activities/link"
TOOL_TYPE = "http://id.tincanapi.com/activitytype/lms"
_NAMESPACE = uuid.UUID("3f0c1b7e-5a2d-4c88-9f61-2d7e0b9a4c15")


def platform_authority(authority_home_page: str) -> dict[str, Any]:
    return {"objectType": "Agent", "name": "Berpijar Hub — LTI platform",
            "account": {"homePage": authority_home_page, "name": "hub:lti-platform"}}


def tool_authority(tool: PartnerTool, authority_home_page: str) -> dict[str, Any]:
    return {"objectType": "Agent", "name": f"{tool.name} ({tool.organisation})",
            "account": {"homePage": authority_home_page, "name": f"lti-tool:{tool.client_id}"}}


def learner_actor(issuer: str, subject: str, name: str | None) -> dict[str, Any]:
    actor: dict[str, Any] = {"objectType": "Agent",
                             "account": {"homePage": issuer, "name": subject}}
    if name:
        actor["name"] = name
    return actor


def _activity(activity_id: str, kind: str, name: str | None) -> dict[str, Any]:
    definition: dict[str, Any] = {"type": kind}
    if name:
        definition["name"] = {"und": name}
    return {"objectType": "Activity", "id": activity_id, "definition": definition}


def entry_activity(entry: CatalogueEntry) -> dict[str, Any]:
    return _activity(entry.activity_id, LESSON, entry.title)


def line_item_activity(public_url: str, item: PlatformLineItem) -> dict[str, Any]:
    """A line item the tool made without a catalogue entry behind it."""
    return _activity(f"{public_url.rstrip('/')}/lti/platform/line-items/{item.id}", LESSON,
                     item.label)


def _context(public_url: str, tool: PartnerTool, link_id: str | None,
             placement: ToolPlacement | None) -> dict[str, Any]:
    base = public_url.rstrip("/")
    context: dict[str, Any] = {
        "contextActivities": {
            "grouping": [_activity(f"{base}/lti/platform/tools/{tool.client_id}", TOOL_TYPE,
                                   tool.name)]},
        "platform": tool.name,
        "extensions": {EXTENSION + "client_id": tool.client_id},
    }
    if link_id:
        context["contextActivities"]["parent"] = [
            _activity(f"{base}/lti/platform/links/{link_id}", LINK_TYPE, None)]
    if placement is not None and placement.lesson_hours is not None:
        context["extensions"][JP_EXTENSION] = placement.lesson_hours
    return context


def launched_statement(*, public_url: str, tool: PartnerTool, actor: dict[str, Any],
                       entry: CatalogueEntry, link_id: str | None, nonce: str, timestamp: str,
                       placement: ToolPlacement | None) -> dict[str, Any]:
    return {"id": str(uuid.uuid5(_NAMESPACE, f"launch\n{tool.client_id}\n{nonce}")),
            "actor": actor, "verb": VERBS["launched"], "object": entry_activity(entry),
            "context": _context(public_url, tool, link_id, placement),
            "timestamp": timestamp}


def score_verbs(result: PlatformResult, passing_score: float | None) -> list[str]:
    """AGS progress → xAPI verbs: `scored` for a final score, `completed` when the
    activity is, and `passed`/`failed` against the placement's passing score."""
    verbs = []
    score = result.score_given if result.grading_progress == "FullyGraded" else None
    if score is not None:
        verbs.append("scored")
    if result.activity_progress == "Completed":
        verbs.append("completed")
        if score is not None and passing_score is not None and result.score_maximum:
            verbs.append("passed" if score / result.score_maximum
                         >= passing_score else "failed")
    return verbs


def _result(result: PlatformResult, verbs: list[str]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if result.score_given is not None and result.score_maximum:
        given, maximum = result.score_given, result.score_maximum
        score: dict[str, Any] = {"scaled": round(max(-1.0, min(1.0, given / maximum)), 6)}
        if 0 <= given <= maximum:  # xAPI: raw lies between min and max
            score.update({"raw": given, "min": 0, "max": maximum})
        body["score"] = score
    body["completion"] = result.activity_progress == "Completed"
    if "passed" in verbs or "failed" in verbs:
        body["success"] = "passed" in verbs
    if result.comment:
        body["extensions"] = {EXTENSION + "comment": result.comment}
    return body


def score_statements(*, public_url: str, tool: PartnerTool, learner: PlatformLearner,
                     item: PlatformLineItem, result: PlatformResult, timestamp: str,
                     entry: CatalogueEntry | None, placement: ToolPlacement | None
                     ) -> list[dict[str, Any]]:
    verbs = score_verbs(result, placement.passing_score if placement else None)
    activity = entry_activity(entry) if entry else line_item_activity(public_url, item)
    actor = learner_actor(learner.issuer, learner.learner_sub, learner.name)
    context = _context(public_url, tool, item.resource_link_id, placement)
    context["extensions"][EXTENSION + "line_item"] = item.id
    # Exactly one statement carries the result: the tool role's grade listener makes an
    # LMS score of every statement with a result, and one AGS score must stay one score.
    carrier = verbs[0] if verbs else None
    statements = []
    for verb in verbs:
        statement = {"id": str(uuid.uuid5(_NAMESPACE, "\n".join(
                         ("score", tool.client_id, str(item.id), result.sub, timestamp, verb)))),
                     "actor": actor, "verb": VERBS[verb], "object": activity,
                     "context": context, "timestamp": timestamp}
        if verb == carrier:
            statement["result"] = _result(result, verbs)
        statements.append(statement)
    return statements
