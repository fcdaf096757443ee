"""AGS 2.0 as a platform: line items, scores and results of the tools the hub launches.

A tool reaches only its own line items, in contexts it was launched in; anything else
is "not found", so a tool cannot even learn that another tool's line item exists.
Accepted scores become xAPI statements (lti.platform.xapi).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, overload

from hub.errors import BadRequest, Conflict, NotFound
from hub.settings import current_settings
from lrs.service import record_statements
from lti.platform import xapi
from lti.platform.launches import platform_url
from lti.platform.storage import stores as platform_stores
from lti.platform.storage.contract import (
    LineItemQuery,
    PartnerTool,
    PlatformLineItem,
    PlatformResult,
)
from lti.tool.storage import stores as tool_stores

log = logging.getLogger(__name__)

ACTIVITY_PROGRESS = ("Initialized", "Started", "InProgress", "Submitted", "Completed")
GRADING_PROGRESS = ("FullyGraded", "Pending", "PendingManual", "Failed", "NotReady")
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


def line_items_url(context_id: str) -> str:
    return platform_url(f"/lti/platform/ags/{context_id}/lineitems")


def line_item_url(item: PlatformLineItem) -> str:
    return f"{line_items_url(item.context_id)}/{item.id}"


def line_item_json(item: PlatformLineItem) -> dict[str, Any]:
    body: dict[str, Any] = {"id": line_item_url(item), "label": item.label,
                            "scoreMaximum": item.score_maximum}
    for key, value in (("resourceId", item.resource_id),
                       ("resourceLinkId", item.resource_link_id), ("tag", item.tag),
                       ("startDateTime", item.start_date_time),
                       ("endDateTime", item.end_date_time)):
        if value is not None:
            body[key] = value
    return body


def result_json(item: PlatformLineItem, result: PlatformResult) -> dict[str, Any]:
    body: dict[str, Any] = {"id": f"{line_item_url(item)}/results/{result.sub}",
                            "scoreOf": line_item_url(item), "userId": result.sub}
    if result.score_given is not None:
        body["resultScore"] = result.score_given
        body["resultMaximum"] = result.score_maximum
    if result.comment:
        body["comment"] = result.comment
    return body


# --- access --------------------------------------------------------------------------------
def check_context(tool: PartnerTool, context_id: str) -> None:
    """A tool sees only contexts it was launched in."""
    if not platform_stores().lti_platform_roster.list_members(tool.stored_id, context_id, limit=1):
        raise NotFound(f"no line items container {context_id!r} for this tool")


def owned_item(tool: PartnerTool, context_id: str, item_id: int) -> PlatformLineItem:
    item = platform_stores().lti_platform_gradebook.get_line_item(item_id)
    if item is None or item.tool_id != tool.id or item.context_id != context_id:
        raise NotFound(f"no line item {item_id} in {context_id!r} for this tool")
    return item


# --- inputs ------------------------------------------------------------------------------------
@overload
def _number(body: dict[str, Any], name: str, *, required: Literal[True],
            positive: bool) -> float: ...
@overload
def _number(body: dict[str, Any], name: str, *, required: bool,
            positive: bool) -> float | None: ...
def _number(body: dict[str, Any], name: str, *, required: bool, positive: bool) -> float | None:
    value = body.get(name)
    if value is None:
        if required:
            raise BadRequest(f"{name} is required", pointer=f"/{name}")
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise BadRequest(f"{name} must be a number", pointer=f"/{name}")
    if value < 0 or (positive and value == 0):
        raise BadRequest(f"{name} must be {'greater than' if positive else 'at least'} 0",
                         pointer=f"/{name}")
    return float(value)


@overload
def _string(body: dict[str, Any], name: str, *, required: Literal[True],
            limit: int = 1000) -> str: ...
@overload
def _string(body: dict[str, Any], name: str, *, required: bool = False,
            limit: int = 1000) -> str | None: ...
def _string(body: dict[str, Any], name: str, *, required: bool = False,
            limit: int = 1000) -> str | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise BadRequest(f"{name} must be a non-empty string of at most {limit} characters",
                         pointer=f"/{name}")
    return value


@overload
def _instant(body: dict[str, Any], name: str, *, required: Literal[True]) -> datetime: ...
@overload
def _instant(body: dict[str, Any], name: str, *, required: bool = False) -> datetime | None: ...
def _instant(body: dict[str, Any], name: str, *, required: bool = False) -> datetime | None:
    value = _string(body, name, required=required, limit=40)
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise BadRequest(f"{name} must be an ISO 8601 date and time with a time zone",
                         pointer=f"/{name}")
    return parsed


def _object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object", pointer="")
    return body


def parse_line_item(tool: PartnerTool, context_id: str, body: Any,
                    existing: PlatformLineItem | None = None) -> PlatformLineItem:
    body = _object(body)
    if existing is not None and "id" in body and body["id"] != line_item_url(existing):
        raise BadRequest("id does not match the line item's URL", pointer="/id")
    link_id = _string(body, "resourceLinkId", limit=64)
    if link_id is not None:
        link = platform_stores().lti_platform_roster.get_link(link_id)
        if link is None or link.tool_id != tool.id or link.context_id != context_id:
            raise BadRequest("resourceLinkId is not a resource link of this tool in this "
                             "context", pointer="/resourceLinkId")
    start, end = _instant(body, "startDateTime"), _instant(body, "endDateTime")
    if start and end and end < start:
        raise BadRequest("endDateTime is before startDateTime", pointer="/endDateTime")
    return PlatformLineItem(
        id=existing.id if existing else None, tool_id=tool.stored_id, context_id=context_id,
        label=_string(body, "label", required=True),
        score_maximum=_number(body, "scoreMaximum", required=True, positive=True),
        resource_id=_string(body, "resourceId"), resource_link_id=link_id,
        tag=_string(body, "tag"),
        start_date_time=body.get("startDateTime") if start else None,
        end_date_time=body.get("endDateTime") if end else None,
        created_at=existing.created_at if existing else datetime.now(UTC))


@dataclass(frozen=True)
class Score:
    user_id: str
    timestamp: datetime
    activity_progress: str
    grading_progress: str
    score_given: float | None = None
    score_maximum: float | None = None
    comment: str | None = None


def parse_score(body: Any) -> Score:
    """AGS 2.0 §3.4: userId, timestamp, activityProgress and gradingProgress are required;
    scoreGiven needs scoreMaximum."""
    body = _object(body)
    given = _number(body, "scoreGiven", required=False, positive=False)
    maximum = _number(body, "scoreMaximum", required=given is not None, positive=True)
    activity = body.get("activityProgress")
    if activity not in ACTIVITY_PROGRESS:
        raise BadRequest(f"activityProgress must be one of {', '.join(ACTIVITY_PROGRESS)}",
                         pointer="/activityProgress")
    grading = body.get("gradingProgress")
    if grading not in GRADING_PROGRESS:
        raise BadRequest(f"gradingProgress must be one of {', '.join(GRADING_PROGRESS)}",
                         pointer="/gradingProgress")
    comment = body.get("comment")
    if comment is not None and not isinstance(comment, str):
        raise BadRequest("comment must be a string", pointer="/comment")
    return Score(user_id=_string(body, "userId", required=True, limit=64),
                 timestamp=_instant(body, "timestamp", required=True),
                 activity_progress=activity, grading_progress=grading, score_given=given,
                 score_maximum=maximum, comment=comment or None)


def page_limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise BadRequest(f"limit must be a whole number from 1 to {MAX_LIMIT}",
                         parameter="limit")
    return int(raw)


def page_after(raw: str | None) -> int | None:
    if raw is None:
        return None
    if not raw.isdigit():
        raise BadRequest("after must be a line item number", parameter="after")
    return int(raw)


# --- operations ----------------------------------------------------------------------------------
def list_line_items(tool: PartnerTool, query: LineItemQuery) -> list[PlatformLineItem]:
    check_context(tool, query.context_id)
    return platform_stores().lti_platform_gradebook.query_line_items(query)


def create_line_item(tool: PartnerTool, context_id: str, body: Any) -> PlatformLineItem:
    check_context(tool, context_id)
    item = parse_line_item(tool, context_id, body)
    return platform_stores().lti_platform_gradebook.insert_line_item(item)


def update_line_item(tool: PartnerTool, context_id: str, item_id: int,
                     body: Any) -> PlatformLineItem:
    existing = owned_item(tool, context_id, item_id)
    item = parse_line_item(tool, context_id, body, existing)
    platform_stores().lti_platform_gradebook.update_line_item(item)
    return item


def delete_line_item(tool: PartnerTool, context_id: str, item_id: int) -> None:
    owned_item(tool, context_id, item_id)
    platform_stores().lti_platform_gradebook.delete_line_item(item_id)


def post_score(tool: PartnerTool, context_id: str, item_id: int, body: Any) -> list[str]:
    """Store the score (unless an equal or newer one is stored) and record it in the
    LRS; returns the ids of the statements recorded."""
    item = owned_item(tool, context_id, item_id)
    score = parse_score(body)
    storage = platform_stores()
    learner = storage.lti_platform_roster.find_learners(tool.stored_id, [score.user_id]).get(
        score.user_id)
    if learner is None:
        raise BadRequest("userId is not a user this tool was launched for", pointer="/userId")
    result = PlatformResult(
        line_item_id=item.stored_id, sub=score.user_id, score_given=score.score_given,
        score_maximum=score.score_maximum, comment=score.comment,
        activity_progress=score.activity_progress, grading_progress=score.grading_progress,
        timestamp=score.timestamp, updated=datetime.now(UTC))
    # A score equal to the saved one is the tool sending it again, perhaps because the
    # hub died after saving it and before recording it.  Statement ids derive from the
    # score, so recording again completes what was missing and duplicates nothing.
    horizon = datetime.now(UTC) + timedelta(seconds=current_settings().lti.timestamp_future_skew)
    if score.timestamp > horizon:
        raise BadRequest(f"timestamp {score.timestamp.isoformat()} is in the future (more "
                         f"than {current_settings().lti.timestamp_future_skew} s ahead of the "
                         "hub's clock)", pointer="/timestamp")
    if not storage.lti_platform_gradebook.save_result(
            result, implausible_after=horizon) and not _is_retry_of_stored(
            item.stored_id, result):
        # AGS 2.0 §3.4.9: a score not newer than the stored one must not replace it.
        raise Conflict("a score with the same or a later timestamp is already recorded "
                       "for this user and line item", pointer="/timestamp")
    return _record(tool, item, result, learner)


def _is_retry_of_stored(line_item_id: int, result: PlatformResult) -> bool:
    stored = platform_stores().lti_platform_gradebook.list_results(
        line_item_id, user_id=result.sub, limit=1)
    if not stored:
        return False
    same = ("score_given", "score_maximum", "comment", "activity_progress",
            "grading_progress", "timestamp")
    return all(getattr(stored[0], name) == getattr(result, name) for name in same)


def _record(tool: PartnerTool, item: PlatformLineItem, result: PlatformResult,
            learner) -> list[str]:
    entry = placement = None
    catalogue_id = None
    if item.resource_link_id:
        link = platform_stores().lti_platform_roster.get_link(item.resource_link_id)
        catalogue_id = link.catalogue_id if link else None
    elif item.resource_id:
        catalogue_id = item.resource_id
    if catalogue_id:
        placement = platform_stores().lti_platform_tools.get_placement(catalogue_id)
        if placement is not None and placement.tool_id == tool.id:
            entry = tool_stores().lti_catalogue.get_entry(catalogue_id)
        else:
            placement = None
    settings = current_settings()
    statements = xapi.score_statements(
        public_url=settings.public_url, tool=tool, learner=learner, item=item, result=result,
        timestamp=result.timestamp.isoformat(), entry=entry, placement=placement)
    if not statements:
        return []
    stored = record_statements(statements, authority=xapi.tool_authority(
        tool, settings.authority_home_page), source=f"lti-tool:{tool.client_id}")
    log.info("score from tool %s for line item %s recorded as %d statement(s)", tool.id,
             item.id, len(statements))
    return stored


def list_results(tool: PartnerTool, context_id: str, item_id: int, *, user_id: str | None,
                 after: str | None, limit: int) -> tuple[PlatformLineItem, list[PlatformResult]]:
    item = owned_item(tool, context_id, item_id)
    return item, platform_stores().lti_platform_gradebook.list_results(
        item.stored_id, user_id=user_id, after_sub=after, limit=limit)
