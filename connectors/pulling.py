"""Pulling: statements of partner LRSs that cannot push, polled on a schedule per source
and stored as the statements of a hub credential.

One worker loop, one unit per enabled source.  A step does one request: when the source
is due (its `poll_seconds` after the last poll reached the end, or its `retry_at` after
failures) it asks `GET statements?since=…&ascending=true&attachments=true&limit=…`, or,
in a poll under way, the page its last answer's `more` named (kept in the durable state,
so a restarted worker goes on where the other stopped).  The page is stored and the
position moves in one unit of work with the lease check.  A poll is complete when a
page has no `more`; the next one starts `poll_seconds` later.

Storing (lrs.service.store_as, as the source's hub credential would POST them):
statements keep their ids and get the credential's authority; they are validated like
any partner's; attachments come from the multipart answer.  An id already stored with
the same content is a no-op (each poll re-reads an overlap, see `since_for`); with
other content, or when the hub refuses the statement, it is recorded in the source's
conflicts with the incoming statement — never overwritten, never dropped, and never
blocking the rest of the page.

Failures (connection, timeout, 5xx, 429, 401, an answer that is not a StatementResult)
leave the cursor and `more` where they were; the next request waits `Retry-After` when
the source gave one, else an exponential backoff with full jitter.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.lrs_client import AuthFailed, Refused, RemoteLrs, Retry, StatementsPage
from connectors.remotes import PartnerClients, PartnerRegistry, failure_delay, failure_reason
from connectors.storage import stores
from connectors.storage.contract import PullConflict, PullConflictKind, PullState, Source
from hub.errors import BadRequest, HubError
from hub.loops import Lag, Lease, Loop
from hub.storage import current_storage
from hub.timestamps import format_timestamp, parse_timestamp
from lrs import service as lrs_service

log = logging.getLogger(__name__)

# xAPI 1.0.3 Communication 2.1.3, GET statements: `since` — "Only Statements stored since
# the specified Timestamp (exclusive) are returned"; `ascending` — "return results in
# ascending order of stored time".  And 2.1.3.s2.b5: X-Experience-API-Consistent-Through
# is "the timestamp for which all Statements that have or will have a "stored" property
# before that time are known with reasonable certainty to be available for retrieval" —
# so a statement may become visible after others stored later than it (a writer that
# took its `stored` and committed late).  Asking `since` = the greatest `stored` taken
# would skip it for good.  The cursor therefore stops at the page's Consistent-Through
# when the page went beyond it, and each poll asks from OVERLAP before the cursor (for a
# source whose header is missing or too hopeful); the statements it has already taken
# come again as no-ops (same id, same content).
OVERLAP = timedelta(seconds=60)
MESSAGE_LIMIT = 2000  # characters of a refusal kept with the statement


def _now() -> datetime:
    return datetime.now(UTC)


# --- registration -----------------------------------------------------------------------
SOURCES = PartnerRegistry[Source]("pulling source")


def check_credential(key: str) -> None:
    """A 400 naming /credential unless `key` is a hub credential that may store
    statements now (it exists, is not revoked, holds statements/write)."""
    try:
        lrs_service.writing_credential(key)
    except lrs_service.CredentialRefused as refused:
        raise BadRequest(str(refused), pointer="/credential") from None


def _check_name(source: Source) -> None:
    SOURCES.check_name(source, stores().sources.list_sources())


def add_source(source: Source) -> Source:
    """Register `source` (its id is assigned here); its first poll is due at once."""
    check_credential(source.credential)
    _check_name(source)
    added = SOURCES.new(source, _now())
    stores().sources.add_source(added, PullState())
    log.info("pulling source %s (%s) added", added.name, added.id)
    return added


def get_source(source_id: str) -> Source:
    return SOURCES.found(source_id, stores().sources.get_source(source_id))


def update_source(source: Source) -> Source:
    current = get_source(source.id)
    check_credential(source.credential)
    _check_name(source)
    updated = SOURCES.changed(source, current, _now())
    with current_storage().begin(write=True):
        stores().sources.replace_source(updated)
        state = stores().sources.pull_state(source.id)
        if state is not None and state.more is not None and source.endpoint != current.endpoint:
            # The pending page is the old endpoint's: the poll starts again from the cursor.
            stores().sources.save_pull_state(source.id, replace(state, more=None))
    return updated


def remove_source(source_id: str) -> None:
    if not stores().sources.remove_source(source_id):
        raise SOURCES.missing(source_id)


def pull_state(source_id: str) -> PullState:
    return SOURCES.found(source_id, stores().sources.pull_state(source_id))


def conflicts(source_id: str | None = None, limit: int = 100) -> list[PullConflict]:
    if source_id is not None:
        get_source(source_id)
    return stores().sources.pull_conflicts(source_id, limit=limit)


# --- the schedule ---------------------------------------------------------------------------
def due(source: Source, state: PullState, now: datetime) -> bool:
    if state.retry_at is not None:
        return state.retry_at <= now
    if state.more is not None:  # a poll under way goes on at once
        return True
    return state.polled_at is None or now >= state.polled_at + timedelta(
        seconds=source.poll_seconds)


def since_for(source: Source, state: PullState) -> datetime | None:
    """Where a new poll starts: OVERLAP before the cursor (see OVERLAP), never before the
    source's `start`; None asks for everything.  A source polled for "everything" is
    read from its `start` each time: what the hub holds already comes back as no-ops."""
    if state.cursor is None or source.poll == "everything":
        return source.start
    since = state.cursor - OVERLAP
    return max(since, source.start) if source.start is not None else since


def source_lag(source_id: str) -> Lag:
    """Polls overdue (whole intervals since the last complete poll, 1 before the first)
    and the age of the last complete poll in seconds."""
    source = stores().sources.get_source(source_id)
    state = stores().sources.pull_state(source_id)
    if source is None or state is None:
        return Lag(0, None)
    if state.polled_at is None:
        return Lag(1, None)
    age = (_now() - state.polled_at).total_seconds()
    return Lag(int(age // source.poll_seconds), age)


# --- a step ---------------------------------------------------------------------------------
_CLIENTS = PartnerClients()


def client_for(source: Source) -> RemoteLrs:
    return _CLIENTS.get(source.id, source.updated_at, source.endpoint, source.version,
                        source.auth)


def pull(source_id: str, lease: Lease | None = None, *, client: RemoteLrs | None = None) -> int:
    """One step of a source's pulling: at most one request; returns the statements of the
    page it took (stored, repeated or recorded as conflicts), 0 when it did nothing."""
    sources = stores().sources
    source = sources.get_source(source_id)
    state = sources.pull_state(source_id)
    if source is None or state is None or not source.enabled or not due(source, state, _now()):
        return 0
    client = client or client_for(source)
    try:
        if state.more is not None:
            page = client.get_more(state.more)
        else:
            since = since_for(source, state)
            page = client.get_statements(
                since=format_timestamp(since) if since is not None else None, ascending=True,
                limit=source.page_limit, attachments=True)
    except Refused as refused:
        # Refused for good: a `more` link the source no longer knows starts the poll
        # again from the cursor; anything else waits like any failure.
        _wait(source, state, refused, lease, drop_more=True)
        return 0
    except (Retry, AuthFailed) as failure:
        _wait(source, state, failure, lease)
        return 0
    try:
        return _take(source, state, page, lease)
    except lrs_service.CredentialRefused as refused:  # revoked since it was registered
        _wait(source, state, refused, lease)
        return 0


def _take(source: Source, state: PullState, page: StatementsPage, lease: Lease | None) -> int:
    now = _now()
    statements = page.statements
    with_ids = [s for s in statements if isinstance(s.get("id"), str) and s["id"]]
    problems = [_problem(source, s, "refused", "the statement has no id; a pulled statement "
                         "must keep the id its source gave it", now)
                for s in statements if not (isinstance(s.get("id"), str) and s["id"])]
    spoiled = [(s, reason) for s in with_ids if (reason := _spoiled(s, page)) is not None]
    problems += [_problem(source, s, "refused", reason, now) for s, reason in spoiled]
    refused_here = {id(bad) for bad, _ in spoiled}
    with_ids = [s for s in with_ids if id(s) not in refused_here]
    with current_storage().begin(write=True):
        if lease is not None:
            lease.confirm()
        report = lrs_service.store_as(source.credential, [_as_sent(s) for s in with_ids],
                                      source.version, attachments=page.attachments,
                                      notify=False)
        by_id = {s["id"].lower(): s for s in with_ids}
        problems += [_problem(source, by_id[i], "conflict", f"statement {i} is already stored "
                              "with other content; the stored one is kept", now)
                     for i in report.conflicts if i in by_id]
        problems += [_problem(source, with_ids[position], "refused", _refusal(error), now)
                     for position, error in report.refused]
        order = {id(s): position for position, s in enumerate(statements)}
        problems.sort(key=lambda problem: order[id(problem.statement)])  # as the page had them
        stores().sources.add_pull_conflicts(problems)
        stores().sources.save_pull_state(source.id, PullState(
            cursor=_cursor_after(page, state.cursor), more=page.more, attempts=0,
            retry_at=None, last_error=None, pulled=state.pulled + len(report.stored),
            polled_at=now if page.more is None else state.polled_at))
    lrs_service.announce_stored(report.stored)
    if problems:
        log.warning("source %s: %d statement(s) not stored (conflicts or refusals)",
                    source.name, len(problems))
    return len(statements)


def _spoiled(statement: dict[str, Any], page: StatementsPage) -> str | None:
    """Why the statement cannot be taken when the source sent one of its attachments with
    content its hash does not name (Learning Locker 5.0.1 keeps binary attachments as
    UTF-8 text: docs/connectors.md); None when it can."""
    attachments = statement.get("attachments")
    for attachment in attachments if isinstance(attachments, list) else []:
        sha2 = attachment.get("sha2") if isinstance(attachment, dict) else None
        if isinstance(sha2, str) and sha2.lower() in page.spoiled:
            return (f"attachment {sha2.lower()}: the source sent content that does not match "
                    f"its sha2 ({page.spoiled[sha2.lower()]})")
    return None


def _as_sent(statement: dict[str, Any]) -> dict[str, Any]:
    """The statement as its provider sent it: `stored` and `authority` are the source
    LRS's (xAPI 1.0.3 Data 2.4.8, 2.4.9); the hub sets its own."""
    return {k: v for k, v in statement.items() if k not in ("stored", "authority")}


def _cursor_after(page: StatementsPage, cursor: datetime | None) -> datetime | None:
    """The greatest `stored` of the page, but not past the source's
    X-Experience-API-Consistent-Through (a statement stored before it may still become
    visible), and never back from where the cursor was.  A source that sends no header,
    or one we cannot read, leaves OVERLAP alone to cover late statements."""
    latest = _latest_stored(page.statements, cursor)
    consistent = _timestamp(page.consistent_through)
    if latest is None or consistent is None or consistent >= latest:
        return latest
    return consistent if cursor is None or consistent > cursor else cursor


def _timestamp(value: str | None) -> datetime | None:
    try:
        return parse_timestamp(value) if value else None
    except (TypeError, ValueError, OverflowError):
        return None


def _latest_stored(statements: Sequence[dict[str, Any]], cursor: datetime | None
                   ) -> datetime | None:
    latest = cursor
    for statement in statements:
        try:
            stored = parse_timestamp(statement["stored"])
        except (KeyError, TypeError, ValueError, OverflowError, AttributeError):
            continue  # no usable `stored`: the statement is taken, the cursor stays
        if latest is None or stored > latest:
            latest = stored
    return latest


def _refusal(error: HubError) -> str:
    where = error.pointer or error.parameter
    text = f"{where}: {error.message}" if where else error.message
    return (text + (f" ({error.rule})" if error.rule else ""))[:MESSAGE_LIMIT]


def _problem(source: Source, statement: dict[str, Any], kind: PullConflictKind, message: str,
             now: datetime) -> PullConflict:
    statement_id = statement.get("id")
    return PullConflict(id=0, source_id=source.id,
                        statement_id=str(statement_id)[:64] if statement_id else "",
                        kind=kind, message=message, statement=statement, noticed_at=now)


def _wait(source: Source, state: PullState,
          failure: Retry | AuthFailed | Refused | lrs_service.CredentialRefused,
          lease: Lease | None, *, drop_more: bool = False) -> None:
    attempts = state.attempts + 1
    delay, reason = failure_delay(failure, attempts), failure_reason(failure)
    log.warning("source %s: %s; attempt %d, next in %.1f s", source.name, reason, attempts,
                delay)
    with current_storage().begin(write=True):
        if lease is not None:
            lease.confirm()
        stores().sources.save_pull_state(source.id, replace(
            state, attempts=attempts, retry_at=_now() + timedelta(seconds=delay),
            last_error=reason, more=None if drop_more else state.more))


def pulling_loop() -> Loop:
    def units() -> list[str]:
        return [s.id for s in stores().sources.list_sources(enabled_only=True)]

    return Loop(name="pull", units=units, step=lambda unit, lease: pull(unit, lease),
                lag=source_lag, idle_seconds=1.0)
