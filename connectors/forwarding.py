"""Forwarding: the hub's statement feed, filtered, to other LRSs, each destination from
a durable position of its own.

One worker loop, one unit per enabled destination (so a slow or unreachable
destination holds up only itself).  A step reads the feed after the destination's
cursor (with its gaps: lrs.feed), keeps the statements its filter matches, and POSTs up
to `batch_size` of them exactly as stored, attachments included, with their ids: a
destination that gets a batch again (the worker died after the POST, before the
commit) absorbs the repeat (xAPI 1.0.3 §2.2 / 2.0 "Statement Resource": the same id
with the same content is not a conflict).  Voiding statements are statements of the
feed and travel like any other.

- Delivered: the cursor moves past the batch, in one unit of work with the lease
  check, so a worker that lost its lease cannot move it.
- A refusal for good of a batch (400, 403, 409, 413, …): each statement is sent on its
  own; those still refused go to the dead-letter list with the destination's answer,
  and the cursor moves past them, so they never block the statements behind them.
- Anything else (connection refused or dropped, timeout, 5xx, 429, 401): the cursor
  stays; the next attempt waits `Retry-After` when the destination gave one, else an
  exponential backoff with full jitter.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.lrs_client import AuthFailed, Refused, RemoteLrs, Retry
from connectors.remotes import PartnerClients, PartnerRegistry, failure_delay
from connectors.service import agency_of
from connectors.storage import stores
from connectors.storage.contract import (
    DeadLetter,
    DeliveryState,
    Destination,
    ForwardFilter,
)
from hub.loops import Lag, Lease, Loop
from hub.storage import current_storage
from lrs import service as lrs_service
from lrs.service import FeedState, StoredStatement

log = logging.getLogger(__name__)

# Statements read from the feed per step under a filter, matching or not: a few batches'
# worth, so a selective filter still moves quickly (without a filter: one batch).
FEED_READ_MIN, FEED_READ_MAX = 200, 2000
ANSWER_LIMIT = 2000  # characters of a destination's answer kept with a dead letter
# One step sends up to this many batches, for at most STEP_SECONDS: well inside the
# worker's lease (30 s by default), and each batch's cursor is committed on its own.
PIPELINE_BATCHES, STEP_SECONDS = 20, 5.0


def _now() -> datetime:
    return datetime.now(UTC)


# --- registration -----------------------------------------------------------------------
DESTINATIONS = PartnerRegistry[Destination]("forwarding destination")


def add_destination(destination: Destination, *, from_start: bool = True) -> Destination:
    """Register `destination` (its id is assigned here).  It receives the whole feed, or
    only what is stored from now on when `from_start` is false."""
    _check_name(destination)
    added = DESTINATIONS.new(destination, _now())
    start = FeedState(cursor=0 if from_start else lrs_service.newest_seq(), gaps={})
    stores().destinations.add_destination(added, start)
    log.info("forwarding destination %s (%s) added", added.name, added.id)
    return added


def _check_name(destination: Destination) -> None:
    DESTINATIONS.check_name(destination, stores().destinations.list_destinations())


def get_destination(destination_id: str) -> Destination:
    return DESTINATIONS.found(destination_id,
                              stores().destinations.get_destination(destination_id))


def update_destination(destination: Destination) -> Destination:
    current = get_destination(destination.id)
    _check_name(destination)
    updated = DESTINATIONS.changed(destination, current, _now())
    stores().destinations.replace_destination(updated)
    return updated


def remove_destination(destination_id: str) -> None:
    if not stores().destinations.remove_destination(destination_id):
        raise DESTINATIONS.missing(destination_id)


def delivery_state(destination_id: str) -> DeliveryState:
    return DESTINATIONS.found(destination_id,
                              stores().destinations.delivery_state(destination_id))


def destination_lag(destination_id: str) -> Lag:
    """Statements of the feed after the cursor (matching or not: the filter is applied
    as they are read) and the age of the oldest of them."""
    state = stores().destinations.delivery_state(destination_id)
    if state is None:
        return Lag(0, None)
    waiting = lrs_service.statements_after(state.feed.cursor, 1)
    if not waiting:
        return Lag(0, None)
    behind = lrs_service.newest_seq() - state.feed.cursor
    return Lag(behind, (_now() - waiting[0].stored).total_seconds())


# --- the filter ---------------------------------------------------------------------------
class Matcher:
    """A destination's filter, with its credential keys resolved to authorities once."""

    def __init__(self, rules: ForwardFilter) -> None:
        self.rules = rules
        self.authorities: set[str] = set()
        for key in rules.credentials:
            credential = current_storage().credentials.find_credential(key)
            if credential is not None:
                self.authorities.add(_authority_key(credential.authority))

    @property
    def takes_all(self) -> bool:
        rules = self.rules
        return not (rules.credentials or rules.verbs or rules.agencies) \
            and rules.activity_prefix is None

    def matches(self, statement: dict[str, Any]) -> bool:
        rules = self.rules
        if rules.credentials and \
                _authority_key(statement.get("authority") or {}) not in self.authorities:
            return False
        if rules.verbs and (statement.get("verb") or {}).get("id") not in rules.verbs:
            return False
        if rules.activity_prefix is not None:
            target = statement.get("object") or {}
            if target.get("objectType", "Activity") != "Activity" or \
                    not str(target.get("id", "")).startswith(rules.activity_prefix):
                return False
        return not rules.agencies or agency_of(statement.get("actor") or {}) in rules.agencies


def _authority_key(authority: dict[str, Any]) -> str:
    # An OAuth authority is an anonymous Group (no agent key): compare it whole.
    return lrs_service.agent_key(authority) or json.dumps(authority, sort_keys=True)


# --- delivery ---------------------------------------------------------------------------
_CLIENTS = PartnerClients()


def client_for(destination: Destination) -> RemoteLrs:
    """The destination's client, kept while the destination is unchanged."""
    return _CLIENTS.get(destination.id, destination.updated_at, destination.endpoint,
                        destination.version, destination.auth)


@dataclass(frozen=True)
class _Batch:
    """One POST's worth of the feed: what is sent, what the cursor moves past, and the
    feed state after it."""
    wanted: list[StoredStatement]
    covered: list[StoredStatement]
    gaps: dict[int, datetime]
    after: FeedState
    attachments: dict[str, lrs_service.Attachment]
    more_behind: bool  # the read was full: the feed may go on right after


def _next_batch(destination: Destination, matcher: Matcher, feed: FeedState) -> _Batch:
    now = _now()
    # Without a filter every statement read is sent: a longer read would decode the rest
    # only to read it again next step (bench/forwarding.py: 4x the rows decoded).
    reading = destination.batch_size if matcher.takes_all else \
        min(FEED_READ_MAX, max(FEED_READ_MIN, 4 * destination.batch_size))
    filled, gaps, read = lrs_service.read_feed(lrs_service.statements_after, feed, now, reading)
    # The batch: the matching statements of the gaps, then of the feed after the cursor,
    # up to batch_size; the cursor moves only past what the batch covers.
    wanted = [s for s in filled if matcher.matches(s.document)]
    covered: list[StoredStatement] = []
    for statement in read:
        if len(wanted) >= destination.batch_size and matcher.matches(statement.document):
            break
        covered.append(statement)
        if matcher.matches(statement.document):
            wanted.append(statement)
    wanted = wanted[:max(destination.batch_size, len(filled))]
    hashes = {h for statement in wanted for h in statement.attachment_hashes}
    return _Batch(wanted=wanted, covered=covered, gaps=gaps,
                  after=lrs_service.advance(feed.cursor, gaps, covered, now),
                  attachments=lrs_service.get_attachments(hashes) if hashes else {},
                  more_behind=len(read) >= reading)


def _post(client: RemoteLrs, batch: Sequence[StoredStatement],
          attachments: Mapping[str, lrs_service.Attachment]) -> None:
    client.post_statements([s.document for s in batch],
                           [attachments[h] for h in sorted({h for s in batch
                                                            for h in s.attachment_hashes})
                            if h in attachments])


def _send(client: RemoteLrs, destination: Destination, batch: _Batch) -> list[DeadLetter]:
    """POST the batch; the dead letters of a refusal for good.  Runs in the sender
    thread: HTTP only, no storage."""
    try:
        _post(client, batch.wanted, batch.attachments)
        return []
    except Refused as refused:
        log.warning("destination %s refused a batch of %d (%s): sending one by one",
                    destination.name, len(batch.wanted), refused.status)
        return _one_by_one(client, destination, batch, refused)


def deliver(destination_id: str, lease: Lease | None = None, *,
            client: RemoteLrs | None = None, max_batches: int = PIPELINE_BATCHES) -> int:
    """A destination's delivery, up to `max_batches` batches (or STEP_SECONDS) in one
    step; returns the statements it settled (delivered or dead-lettered).

    Batches go out one at a time, in feed order, and the next is sent only once the
    destination has accepted the previous one; but the next batch is read while the
    previous POST is awaited, and the previous cursor is committed while the next POST
    is on its way, so the destination's answer time is the only wait.  A worker that
    dies between the POST and the commit sends that batch again (absorbed as above)."""
    destinations = stores().destinations
    destination = destinations.get_destination(destination_id)
    state = destinations.delivery_state(destination_id)
    if destination is None or state is None or not destination.enabled:
        return 0
    if state.retry_at is not None and state.retry_at > _now():
        return 0
    matcher = Matcher(destination.filter)
    client = client or client_for(destination)
    until = time.monotonic() + STEP_SECONDS
    settled = 0
    batch = _next_batch(destination, matcher, state.feed)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="forward-send") as sender:
        sending = sender.submit(_send, client, destination, batch) if batch.wanted else None
        for count in range(1, max_batches + 1):
            following = _next_batch(destination, matcher, batch.after) \
                if batch.more_behind and count < max_batches and time.monotonic() < until \
                else None
            try:
                letters = sending.result() if sending is not None else []
            except (Retry, AuthFailed) as failure:
                _wait(destination_id, state, failure, lease)
                return settled
            sending = sender.submit(_send, client, destination, following) \
                if following is not None and following.wanted else None
            if batch.covered or batch.gaps != dict(state.feed.gaps) or letters:
                state = _settle(destination_id, state, batch,
                                delivered=len(batch.wanted) - len(letters), letters=letters,
                                lease=lease)
            settled += len(batch.wanted)
            if following is None:
                break
            batch = following
    return settled


def _one_by_one(client: RemoteLrs, destination: Destination, batch: _Batch,
                refused: Refused) -> list[DeadLetter]:
    if len(batch.wanted) == 1:
        return [_letter(destination, batch.wanted[0], refused)]
    letters = []
    for statement in batch.wanted:
        try:
            _post(client, [statement], batch.attachments)
        except Refused as alone:
            letters.append(_letter(destination, statement, alone))
    return letters


def _letter(destination: Destination, statement: StoredStatement, refused: Refused) -> DeadLetter:
    log.warning("destination %s refused statement %s for good (%s): dead letter",
                destination.name, statement.id, refused.status)
    return DeadLetter(id=0, destination_id=destination.id, statement_id=statement.id,
                      seq=statement.seq, status=refused.status,
                      answer=refused.body_excerpt[:ANSWER_LIMIT], failed_at=_now())


def _settle(destination_id: str, state: DeliveryState, batch: _Batch, *, delivered: int,
            letters: Sequence[DeadLetter], lease: Lease | None) -> DeliveryState:
    settled = DeliveryState(feed=batch.after, attempts=0, retry_at=None, last_error=None,
                            delivered=state.delivered + delivered)
    with current_storage().begin(write=True):
        if lease is not None:
            lease.confirm()
        destinations = stores().destinations
        destinations.add_dead_letters(letters)
        destinations.save_delivery_state(destination_id, settled)
    return settled


def _wait(destination_id: str, state: DeliveryState, failure: Retry | AuthFailed,
          lease: Lease | None) -> None:
    attempts = state.attempts + 1
    delay = failure_delay(failure, attempts)
    log.warning("destination %s: %s; attempt %d, next in %.1f s", destination_id,
                failure.reason, attempts, delay)
    with current_storage().begin(write=True):
        if lease is not None:
            lease.confirm()
        stores().destinations.save_delivery_state(destination_id, replace(
            state, attempts=attempts, retry_at=_now() + timedelta(seconds=delay),
            last_error=failure.reason))


# --- dead letters -------------------------------------------------------------------------
def resend_dead_letters(destination_id: str, letter_ids: Sequence[int] | None = None, *,
                        client: RemoteLrs | None = None) -> tuple[int, int]:
    """Send dead letters again (all of a destination's, or `letter_ids`); returns
    (delivered, still refused).  A delivered one is marked re-sent; a refused one stays
    on the list."""
    destination = get_destination(destination_id)
    destinations = stores().destinations
    letters = [letter for letter in destinations.dead_letters(destination_id, limit=10_000)
               if letter_ids is None or letter.id in letter_ids]
    found = lrs_service.find_statements([letter.statement_id for letter in letters])
    client = client or client_for(destination)
    delivered, refused = [], 0
    for letter in letters:
        statement = found.get(letter.statement_id)
        if statement is None:
            continue
        try:
            _post(client, [statement],
                  lrs_service.get_attachments(set(statement.attachment_hashes)))
        except Refused:
            refused += 1
            continue
        delivered.append(letter.id)
    destinations.mark_resent(delivered, _now())
    return len(delivered), refused


def forwarding_loop() -> Loop:
    def units() -> list[str]:
        return [d.id for d in stores().destinations.list_destinations(enabled_only=True)]

    return Loop(name="forward", units=units, step=lambda unit, lease: deliver(unit, lease),
                lag=destination_lag, idle_seconds=1.0)
