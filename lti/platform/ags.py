"""AGS 2.0 as a platform: line items, scores and results of the tools the hub launches.

A tool reaches only its own line items, in contexts it was launched in; anything else
is "not found", so a tool cannot even learn that another tool's line item exists.
Accepted scores become xAPI statements (lti.platform.xapi).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from hub.errors import BadRequest, Conflict, NotFound
from hub.settings import current_settings
from lrs.service import record_statements
from lti.platform import xapi
from lti.platform.inputs import LineItemBody, ScoreBody
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


def _line_item(tool: PartnerTool, context_id: str, body: LineItemBody,
               existing: PlatformLineItem | None = None) -> PlatformLineItem:
    """The line item `body` describes (replacing `existing` on PUT); its resource link
    must be one of this tool's in this context."""
    if existing is not None and "id" in body.model_fields_set and \
            body.id != line_item_url(existing):
        raise BadRequest("id does not match the line item's URL", pointer="/id")
    if body.resource_link_id is not None:
        link = platform_stores().lti_platform_roster.get_link(body.resource_link_id)
        if link is None or link.tool_id != tool.id or link.context_id != context_id:
            raise BadRequest("resourceLinkId is not a resource link of this tool in this "
                             "context", pointer="/resourceLinkId")
    return PlatformLineItem(
        id=existing.id if existing else None, tool_id=tool.stored_id, context_id=context_id,
        label=body.label, score_maximum=body.score_maximum, resource_id=body.resource_id,
        resource_link_id=body.resource_link_id, tag=body.tag,
        start_date_time=body.start_date_time, end_date_time=body.end_date_time,
        created_at=existing.created_at if existing else datetime.now(UTC))


# --- operations ----------------------------------------------------------------------------------
def list_line_items(tool: PartnerTool, query: LineItemQuery) -> list[PlatformLineItem]:
    check_context(tool, query.context_id)
    return platform_stores().lti_platform_gradebook.query_line_items(query)


def create_line_item(tool: PartnerTool, context_id: str,
                     body: LineItemBody) -> PlatformLineItem:
    check_context(tool, context_id)
    item = _line_item(tool, context_id, body)
    return platform_stores().lti_platform_gradebook.insert_line_item(item)


def update_line_item(tool: PartnerTool, context_id: str, item_id: int,
                     body: LineItemBody) -> PlatformLineItem:
    existing = owned_item(tool, context_id, item_id)
    item = _line_item(tool, context_id, body, existing)
    platform_stores().lti_platform_gradebook.update_line_item(item)
    return item


def delete_line_item(tool: PartnerTool, context_id: str, item_id: int) -> None:
    owned_item(tool, context_id, item_id)
    platform_stores().lti_platform_gradebook.delete_line_item(item_id)


def post_score(tool: PartnerTool, context_id: str, item_id: int,
               score: ScoreBody) -> list[str]:
    """Store the score (unless an equal or newer one is stored) and record it in the
    LRS; returns the ids of the statements recorded."""
    item = owned_item(tool, context_id, item_id)
    storage = platform_stores()
    learner = storage.lti_platform_roster.find_learners(tool.stored_id, [score.user_id]).get(
        score.user_id)
    if learner is None:
        raise BadRequest("userId is not a user this tool was launched for", pointer="/userId")
    result = PlatformResult(
        line_item_id=item.stored_id, sub=score.user_id, score_given=score.score_given,
        score_maximum=score.score_maximum, comment=score.comment or None,
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
