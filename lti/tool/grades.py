"""AGS 2.0 grade passback: results in statements become scores in the LMS gradebook.

A statement listener turns each newly stored statement that carries a result (a scaled
score, success or completion) for a learner who launched the matching resource link into
a durable job, one per (statement, link, learner) — the unique key that keeps a
statement from ever yielding two scores.  `push_grades` (the `lti grades push` worker)
first catches up on the LRS feed from its own cursor (listeners can be missed when a
process dies after a commit), then posts due jobs, retrying with exponential backoff
while the LMS is down.  Scores carry the statement's timestamp, so even a post repeated
after a crash is the same score to the LMS (AGS 2.0 §3.4.8: a platform ignores a
score not newer than the one it has).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from pylti1p3.assignments_grades import AssignmentsGradesService, TAssignmentsGradersData
from pylti1p3.exception import LtiServiceException
from pylti1p3.grade import Grade
from pylti1p3.lineitem import LineItem

from hub.loops import Lag, Lease, Loop
from hub.settings import current_settings
from hub.timestamps import parse_timestamp
from lrs.service import StoredStatement, find_statements, statements_after
from lti.tool import xapi
from lti.tool.adapters import HubServiceConnector, registration_for, require_enabled
from lti.tool.session import http_session
from lti.tool.storage import stores as tool_stores
from lti.tool.storage.contract import GradeJob, LtiResourceLink

log = logging.getLogger(__name__)

SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
DEFAULT_SCORE_MAXIMUM = 100.0
FEED_CURSOR = "lti.grades"
LEASE = timedelta(minutes=5)
MAX_BACKOFF = timedelta(hours=6)
T = TypeVar("T")


# --- from statements to jobs ---------------------------------------------------------
def on_statements_stored(statements: list[dict[str, Any]]) -> None:
    """lrs statement listener: enqueue grade jobs for the statements just stored.  Only
    those that could become a grade are read back (their voided flag may have changed)."""
    candidates = [d["id"] for d in _gradable(statements, lambda d: d)]
    if candidates:
        enqueue_for_statements(find_statements(candidates).values())


def _result_score(result: dict[str, Any], maximum: float
                  ) -> tuple[float | None, str, str] | None:
    """(scoreGiven, activityProgress, gradingProgress), or None when nothing to send."""
    score = result.get("score")
    if not isinstance(score, dict):
        score = {}
    scaled = score.get("scaled")
    if scaled is None and score.get("raw") is not None and score.get("max") is not None:
        low, high = score.get("min", 0), score["max"]
        scaled = (score["raw"] - low) / (high - low) if high > low else None
    success, completion = result.get("success"), result.get("completion")
    progress = "InProgress" if completion is False else "Completed"
    if scaled is not None:
        return round(max(0.0, min(1.0, float(scaled))) * maximum, 6), progress, "FullyGraded"
    if isinstance(success, bool):
        return (maximum if success else 0.0), progress, "FullyGraded"
    if isinstance(completion, bool):
        return None, progress, "NotReady"  # done, but nothing to grade
    return None


def _learners(actor: dict[str, Any]) -> list[tuple[str, str]]:
    """(issuer, sub) pairs an actor stands for: its LTI account, or its e-mail."""
    account = actor.get("account") if isinstance(actor, dict) else None
    if isinstance(account, dict) and account.get("homePage") and account.get("name"):
        return [(account["homePage"], account["name"])]
    mbox = actor.get("mbox") if isinstance(actor, dict) else None
    if isinstance(mbox, str) and mbox.startswith("mailto:"):
        users = tool_stores().lti_roster.find_users_by_email(mbox[len("mailto:"):])
        return [(u.issuer, u.sub) for u in users]
    return []


def _activity_ids(statement: dict[str, Any]) -> list[str]:
    ids = []
    obj = statement.get("object") or {}
    if obj.get("objectType", "Activity") == "Activity" and obj.get("id"):
        ids.append(obj["id"])
    for group in ((statement.get("context") or {}).get("contextActivities") or {}).values():
        for activity in group if isinstance(group, list) else [group]:
            if isinstance(activity, dict) and activity.get("id"):
                ids.append(activity["id"])
    return ids


def _gradable(items: Iterable[T], document_of: Callable[[T], dict[str, Any]]) -> list[T]:
    """Statements that could become a grade: a result, and an actor that is an e-mail or
    an account at a registered LMS.  Partners' statements (SIASN accounts) are dropped
    here with one query for the whole batch instead of several per statement."""
    with_result = [item for item in items if isinstance(document_of(item).get("result"), dict)]
    if not with_result:
        return []
    issuers = {platform.issuer for platform in tool_stores().lti_platforms.list_platforms()}

    def reachable(actor: Any) -> bool:
        account = actor.get("account") if isinstance(actor, dict) else None
        if isinstance(account, dict):
            return account.get("homePage") in issuers
        return isinstance(actor, dict) and "mbox" in actor

    return [item for item in with_result if reachable(document_of(item).get("actor"))]


def _may_be_graded(statements: Iterable[StoredStatement]) -> list[StoredStatement]:
    return _gradable((s for s in statements if not s.voided), lambda s: s.document)


def jobs_for(statement: StoredStatement, now: datetime) -> list[GradeJob]:
    document = statement.document
    result = document.get("result")
    if statement.voided or not isinstance(result, dict):
        return []
    activity_ids = _activity_ids(document)
    storage = tool_stores()
    entries = {e.id: e for e in storage.lti_catalogue.find_entries_by_activity(activity_ids)}
    keys = [xapi.activity_key(a) for a in activity_ids]
    jobs = []
    for issuer, sub in _learners(document.get("actor") or {}):
        for learner, link in storage.lti_roster.find_launched_links(issuer, [sub], keys,
                                                                    entries):
            if SCORE_SCOPE not in link.ags_scopes or not (link.lineitem_url
                                                          or link.lineitems_url):
                continue
            entry = entries.get(link.catalogue_id) if link.catalogue_id else None
            maximum = (entry.score_maximum if entry and entry.score_maximum
                       else DEFAULT_SCORE_MAXIMUM)
            scored = _result_score(result, maximum)
            if scored is None:
                continue
            score_given, activity_progress, grading_progress = scored
            jobs.append(GradeJob(
                platform_id=link.platform_id, resource_link_id=link.resource_link_id,
                sub=learner, statement_id=statement.id, score_given=score_given,
                score_maximum=maximum, activity_progress=activity_progress,
                grading_progress=grading_progress,
                timestamp=score_timestamp(document, statement.stored,
                                          current_settings().lti.timestamp_future_skew),
                created_at=now, next_attempt_at=now))
    return jobs


def score_timestamp(document: dict[str, Any], stored: datetime, skew_seconds: int) -> str:
    """The timestamp the LMS gets with a score: the statement's, unless it lies more than
    the skew after the hub stored the statement.  Then the stored time, because an LMS
    ignores every later score not newer than one it has (AGS 2.0 §3.4.8): a score dated
    9999 would freeze the gradebook.  The statement itself stays as sent (xAPI only says
    a timestamp SHOULD NOT be in the future)."""
    claimed = document.get("timestamp")
    if isinstance(claimed, str):
        try:
            if parse_timestamp(claimed) <= stored + timedelta(seconds=skew_seconds):
                return claimed
        except (ValueError, OverflowError):
            pass
        log.warning("statement %s is dated %s, beyond HUB_TIMESTAMP_FUTURE_SKEW after it was "
                    "stored; its score goes to the LMS dated %s", document.get("id"),
                    claimed, stored.isoformat())
    return stored.isoformat()


def enqueue_for_statements(statements: Iterable[StoredStatement]) -> int:
    now = datetime.now(UTC)
    candidates = _may_be_graded(statements)
    jobs = [job for statement in candidates for job in jobs_for(statement, now)]
    added = tool_stores().lti_grades.enqueue_jobs(jobs) if jobs else 0
    if added:
        log.info("queued %d LTI grade job(s)", added)
    return added


def catch_up(batch: int = 500) -> int:
    """Enqueue from every statement stored since the worker's cursor."""
    grades = tool_stores().lti_grades
    cursor, added = grades.get_cursor(FEED_CURSOR), 0
    while True:
        page = statements_after(cursor, batch)
        if not page:
            return added
        added += enqueue_for_statements(page)
        cursor = page[-1].seq
        grades.set_cursor(FEED_CURSOR, cursor)


# --- from jobs to the LMS --------------------------------------------------------------
@dataclass
class PushReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


class PermanentFailure(Exception):
    """Retrying cannot help (no line item, or the LMS refused the score as invalid)."""


def _retryable(exc: Exception) -> bool:
    if isinstance(exc, LtiServiceException):
        status = exc.response.status_code
        return status >= 500 or status in (401, 408, 429)
    return not isinstance(exc, PermanentFailure)


def _ags_for(link: LtiResourceLink) -> AssignmentsGradesService:
    storage = tool_stores()
    platform = storage.lti_platforms.get_platform(link.platform_id)
    if platform is None:
        raise PermanentFailure("the platform is no longer registered")
    require_enabled(platform)  # retried with backoff: the score waits for an enable
    connector = HubServiceConnector(registration_for(platform, storage.lti_keys), http_session())
    # pylti1p3 types the scopes as the four AGS literals; these are what the LMS granted
    data: TAssignmentsGradersData = {"scope": list(link.ags_scopes)}  # type: ignore[arg-type]
    if link.lineitem_url:
        data["lineitem"] = link.lineitem_url
    if link.lineitems_url:
        data["lineitems"] = link.lineitems_url
    return AssignmentsGradesService(connector, data)


def _line_item_url(link: LtiResourceLink, ags: AssignmentsGradesService,
                   maximum: float) -> str:
    if link.lineitem_url:
        return link.lineitem_url
    if not link.lineitems_url or LINEITEM_SCOPE not in link.ags_scopes:
        raise PermanentFailure("the LMS gave this link no line item and no right to make one")
    entry = (tool_stores().lti_catalogue.get_entry(link.catalogue_id)
             if link.catalogue_id else None)
    wanted = (LineItem().set_resource_link_id(link.resource_link_id)
              .set_label((entry.title if entry else None) or link.title or "Berpijar")
              .set_score_maximum(maximum).set_tag("berpijar"))
    if entry:
        wanted.set_resource_id(entry.id)
    found = ags.find_or_create_lineitem(wanted, find_by="resource_link_id")
    url = found.get_id()
    if not url:
        raise PermanentFailure("the LMS answered with a line item without an id")
    tool_stores().lti_roster.set_lineitem_url(link.platform_id, link.resource_link_id, url)
    return url


def _post(job: GradeJob) -> None:
    link = tool_stores().lti_roster.get_resource_link(job.platform_id,
                                                          job.resource_link_id)
    if link is None:
        raise PermanentFailure("the resource link is gone")
    ags = _ags_for(link)
    maximum = job.score_maximum or DEFAULT_SCORE_MAXIMUM  # jobs_for gives every job one
    line_item = LineItem({"id": _line_item_url(link, ags, maximum)})
    grade = (Grade().set_user_id(job.sub).set_timestamp(job.timestamp)
             .set_activity_progress(job.activity_progress)
             .set_grading_progress(job.grading_progress))
    if job.score_given is not None:
        grade.set_score_given(job.score_given).set_score_maximum(maximum)
    ags.put_grade(grade, line_item)


def push_grades(now: datetime | None = None, limit: int = 100) -> PushReport:
    """Post every due job once; failures wait 2^n times the retry delay (capped)."""
    settings = current_settings()
    grades = tool_stores().lti_grades
    catch_up()
    now = now or datetime.now(UTC)
    report = PushReport()
    for job in grades.claim_due_jobs(now, now + LEASE, limit):
        try:
            _post(job)
        except Exception as exc:
            retry = _retryable(exc) and job.attempts < settings.lti.grade_max_attempts
            delay = min(timedelta(seconds=settings.lti.grade_retry_seconds
                                  * 2 ** (job.attempts - 1)), MAX_BACKOFF)
            grades.retry_job(job.stored_id, f"{type(exc).__name__}: {exc}",
                             now + delay if retry else None)
            log.warning("LTI grade job %s (statement %s) %s: %s", job.id, job.statement_id,
                        "will retry" if retry else "failed for good", exc)
            if retry:
                report.retrying += 1
            else:
                report.failed += 1
            continue
        grades.complete_job(job.stored_id, datetime.now(UTC))
        report.sent += 1
    return report


def grades_loop() -> Loop:
    """Grade passback as a loop of the hub's worker (`flask --app wsgi worker`).  Jobs are
    claimed with leases of their own (`claim_due_jobs`), so any number of workers may
    run it; each step also purges expired launch values."""
    def step(unit: str, lease: Lease) -> int:
        report = push_grades()
        tool_stores().lti_sessions.purge_expired(datetime.now(UTC))
        return report.sent + report.retrying + report.failed

    return Loop(name="lti-grades", step=step, lag=lambda unit: pending_lag(), idle_seconds=5.0)


def pending_lag() -> Lag:
    pending = tool_stores().lti_grades.list_jobs("pending")
    if not pending:
        return Lag(0, None)
    oldest = min(job.created_at for job in pending)
    return Lag(len(pending), (datetime.now(UTC) - oldest).total_seconds())
