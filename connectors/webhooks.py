"""Signed webhooks (Standard Webhooks 1.0.0, https://www.standardwebhooks.com).

A subscription names a URL, the events it wants and, for `statement.stored`, a filter
(verb IRI, activity IRI prefix, partner credential).  The hub generates its secret
(`whsec_` + base64 of 32 random bytes), shows it once, and keeps it sealed with the
storage cipher.  The URL is https; plain http only to a loopback address (a receiver
on the same machine: development, tests, a local relay), so neither the secret's
signatures nor the payloads cross a network unencrypted.

Events go into an outbox first, in the transaction of the change they report, so a
process that dies after the commit loses nothing:

* `statement.stored`: each subscription follows the statement feed from a durable
  cursor of its own (with its gaps, lrs.feed); its filter's matches are queued with the
  cursor's move, in one unit of work.  A subscription starts at the newest statement.
* `transcript.changed` and `transcript.jp_reached`: the transcripts feature tells its
  listeners (transcripts.service.add_transcript_listener) inside the transaction that
  saves a person's yearly totals; `jp_reached` when the change took the JP of the year
  from below the person's requirement (transcripts.policy: PNS 20 JP, PPPK as set) to
  it.  Its event key is the NIP and year, so it is queued once per person and year.

Delivery (`deliver_webhooks`, and the worker's `webhooks` loop with a unit per
subscription) POSTs `{"type", "timestamp", "data"}` with `webhook-id` (the same on every
attempt: receivers deduplicate on it), `webhook-timestamp` (of the attempt) and
`webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`.  A 2xx is
delivered; 408, 429, 5xx, timeouts and connection errors are tried again after
`Retry-After` (429, 503) or an exponential backoff with full jitter, up to
`max_attempts`; any other answer (3xx, 4xx) is final: the message becomes a dead letter
with the receiver's status and an excerpt of its answer (410 Gone also turns the
subscription off, as the spec asks).  Dead letters are listed and sent again by command
or the admin API.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import json
import logging
import secrets
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import requests
from standardwebhooks.webhooks import Webhook

from connectors.lrs_client import backoff, retry_after_seconds
from connectors.storage import stores
from connectors.storage.webhook_contract import (
    JP_REACHED,
    STATEMENT_STORED,
    TRANSCRIPT_CHANGED,
    WEBHOOK_EVENTS,
    AttemptOutcome,
    OutboxEntry,
    StatementFilter,
    Subscription,
    WebhookMessage,
    WebhookStore,
)
from hub.loops import Lag, Lease, Loop
from hub.settings import current_settings
from hub.storage import current_storage
from hub.storage.contract import Storage
from lrs import service as lrs_service
from lrs.service import FeedState, StoredStatement
from transcripts import service as transcripts_service

log = logging.getLogger(__name__)

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32  # the spec asks for 24 to 64
FEED_READ = 500  # statements read from the feed per step, matching or not
CLAIM_CHUNK = 10  # messages leased at a time
STEP_SECONDS = 10.0  # a step claims no more once it has run this long
RETENTION = timedelta(days=7)  # delivered messages kept (jp_reached ones for good)
EXCERPT = 500  # characters of a receiver's answer kept with a dead letter
USER_AGENT = "berpijar-hub-webhooks/1"


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class RetryPolicy:
    base_seconds: float = 5.0
    cap_seconds: float = 86_400.0  # no wait longer than a day, Retry-After included
    max_attempts: int = 16  # full jitter: about a day of trying on average, two at most
    timeout_seconds: float = 30.0  # HUB_CONNECTORS_TIMEOUT_SECONDS; the spec says 15 to 30 s


class SubscriptionError(ValueError):
    """A subscription that cannot be: `field` names what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


# --- subscriptions --------------------------------------------------------------------
@dataclass(frozen=True)
class NewSubscription:
    url: str
    events: frozenset[str]
    verb: str | None = None
    activity_prefix: str | None = None
    credential_key: str | None = None
    description: str | None = None
    enabled: bool = True


def check_url(url: str) -> str:
    """https, or http to a loopback address; no credentials, no fragment."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an absolute https:// URL")
    if parts.username is not None or parts.password is not None:
        raise ValueError("must not carry credentials")
    if parts.fragment:
        raise ValueError("must not have a #fragment")
    if parts.scheme == "http" and not _loopback(parts.hostname):
        raise ValueError("must be https (plain http only to a loopback address, such as "
                         "127.0.0.1)")
    return url


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def create_subscription(storage: Storage, new: NewSubscription,
                        now: datetime | None = None) -> Subscription:
    """Register a subscription; the returned record carries the secret (shown once)."""
    try:
        url = check_url(new.url)
    except ValueError as exc:
        raise SubscriptionError("url", f"url {exc}") from None
    unknown = sorted(new.events - set(WEBHOOK_EVENTS))
    if not new.events or unknown:
        raise SubscriptionError("events", f"events must be some of {', '.join(WEBHOOK_EVENTS)}")
    filtered = new.verb or new.activity_prefix or new.credential_key
    if filtered and STATEMENT_STORED not in new.events:
        raise SubscriptionError("filter", f"a filter applies to {STATEMENT_STORED} only")
    authority_key = None
    if new.credential_key:
        credential = storage.credentials.find_credential(new.credential_key)
        if credential is None:
            raise SubscriptionError("filter/credential",
                                    f"no credential with key {new.credential_key!r}")
        authority_key = lrs_service.agent_key(credential.authority)
    moment = now or _now()
    subscription = Subscription(
        id="wh_" + secrets.token_hex(12), url=url, secret=new_secret(),
        events=frozenset(new.events),
        statement_filter=StatementFilter(verb=new.verb or None,
                                         activity_prefix=new.activity_prefix or None,
                                         credential_key=new.credential_key or None,
                                         authority_key=authority_key),
        enabled=new.enabled, description=new.description, created_at=moment,
        updated_at=moment)
    stores(storage).webhooks.add_subscription(subscription, _from_now())
    log.info("webhook subscription %s added for %s (%s)", subscription.id, url,
             ", ".join(sorted(subscription.events)))
    return subscription


def _from_now() -> FeedState:
    return FeedState(cursor=lrs_service.newest_seq(), gaps={})


def set_enabled(storage: Storage, subscription_id: str, enabled: bool) -> Subscription | None:
    """Off: no events are recorded for it and none delivered; on again: it starts from
    the newest statement (messages already queued are delivered then)."""
    store = stores(storage).webhooks
    current = store.get_subscription(subscription_id)
    if current is None:
        return None
    if current.enabled != enabled:
        store.set_enabled(subscription_id, enabled, _now(),
                          restart=_from_now() if enabled else None)
    return store.get_subscription(subscription_id)


def remove_subscription(storage: Storage, subscription_id: str) -> bool:
    return stores(storage).webhooks.remove_subscription(subscription_id)


# --- events -----------------------------------------------------------------------------
def message_id(subscription_id: str, event_key: str) -> str:
    """The webhook-id: derived from the event, so it is the same however often it is sent."""
    digest = hashlib.sha256(f"{subscription_id}\n{event_key}".encode()).hexdigest()
    return "msg_" + digest[:32]


def _instant(when: datetime) -> str:
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def payload(event_type: str, when: datetime, data: dict[str, Any]) -> str:
    """The body as sent and signed: minified JSON (spec "Payload structure")."""
    return json.dumps({"type": event_type, "timestamp": _instant(when), "data": data},
                      separators=(",", ":"), ensure_ascii=False)


def _message(subscription: Subscription, event_type: str, event_key: str, when: datetime,
             data: dict[str, Any], now: datetime) -> WebhookMessage:
    return WebhookMessage(subscription_id=subscription.id, event_key=event_key,
                          message_id=message_id(subscription.id, event_key), type=event_type,
                          body=payload(event_type, when, data), created_at=now)


def statement_matches(rule: StatementFilter, statement: StoredStatement) -> bool:
    document = statement.document
    if rule.verb and (document.get("verb") or {}).get("id") != rule.verb:
        return False
    if rule.activity_prefix:
        target = document.get("object") or {}
        if target.get("objectType", "Activity") != "Activity" or not str(
                target.get("id", "")).startswith(rule.activity_prefix):
            return False
    if rule.authority_key:
        authority = document.get("authority")
        if not isinstance(authority, dict) \
                or lrs_service.agent_key(authority) != rule.authority_key:
            return False
    return True


def statement_message(subscription: Subscription, statement: StoredStatement,
                      now: datetime) -> WebhookMessage:
    data = {"id": statement.id, "stored": _instant(statement.stored),
            "voided": statement.voided, "statement": statement.document}
    return _message(subscription, STATEMENT_STORED, f"statement:{statement.id}",
                    statement.stored, data, now)


def _jp(centi: int | None) -> float | int | None:
    if centi is None:
        return None
    return centi // 100 if centi % 100 == 0 else centi / 100


def _totals(totals: transcripts_service.YearTotals) -> dict[str, Any]:
    return {"jp": _jp(totals.jp_centi),
            "jp_by_type": {kind: _jp(value) for kind, value in totals.jp_by_type_centi.items()},
            "activities": totals.activity_count}


def transcript_messages(subscriptions: Iterable[Subscription],
                        changes: Sequence[transcripts_service.TranscriptChange],
                        now: datetime) -> list[WebhookMessage]:
    messages = []
    for subscription in subscriptions:
        for change in changes:
            person = {"nip": change.nip, "year": change.year,
                      "employee_type": change.employee_type,
                      "required_jp": _jp(change.required_jp_centi)}
            if TRANSCRIPT_CHANGED in subscription.events:
                data = {**person, "before": _totals(change.before), "after": _totals(change.after)}
                messages.append(_message(subscription, TRANSCRIPT_CHANGED,
                                         f"changed:{uuid.uuid4().hex}", change.at, data, now))
            if JP_REACHED in subscription.events and change.reached_requirement:
                data = {**person, "jp": _jp(change.after.jp_centi)}
                messages.append(_message(subscription, JP_REACHED,
                                         f"jp_reached:{change.nip}:{change.year}", change.at,
                                         data, now))
    return messages


def on_transcript_changes(changes: Sequence[transcripts_service.TranscriptChange]) -> None:
    """The transcripts listener: runs inside the transaction saving the summaries, so the
    outbox rows commit with them (an error here rolls the batch back, to be done again)."""
    store = stores().webhooks
    wanted = {TRANSCRIPT_CHANGED, JP_REACHED}
    subscriptions = [s for s in store.list_subscriptions(enabled_only=True) if s.events & wanted]
    if subscriptions:
        store.enqueue(transcript_messages(subscriptions, changes, _now()))


# --- the statement feed -----------------------------------------------------------------
def collect_statements(subscription_id: str, *, lease: Lease | None = None,
                       batch_size: int = FEED_READ,
                       now: Callable[[], datetime] = _now) -> int:
    """Queue the statements after the subscription's cursor that its filter matches;
    returns how many were read.  The feed is read before the write lock is taken (as
    the transcripts follower does) and again under it only when the cursor moved."""
    store = stores().webhooks
    subscription = store.get_subscription(subscription_id)
    if subscription is None or not subscription.enabled \
            or STATEMENT_STORED not in subscription.events:
        return 0
    peeked = store.feed_state(subscription_id)
    if peeked is None:
        return 0
    moment = now()
    feed = lrs_service.statements_after
    filled, gaps, batch = lrs_service.read_feed(feed, peeked, moment, batch_size)
    if not filled and not batch and gaps == dict(peeked.gaps):
        return 0  # nothing new: no write transaction (SQLite's one lock stays with ingest)
    with current_storage().begin(write=True):
        if lease is not None:
            lease.confirm()
        state = store.lock_feed_state(subscription_id)
        if state is None:
            return 0
        if state != peeked:
            filled, gaps, batch = lrs_service.read_feed(feed, state, moment, batch_size)
        rule = subscription.statement_filter
        store.enqueue([statement_message(subscription, s, moment)
                       for s in [*filled, *batch] if statement_matches(rule, s)])
        store.save_feed_state(subscription_id,
                              lrs_service.advance(state.cursor, gaps, batch, moment))
    return len(filled) + len(batch)


# --- delivery ---------------------------------------------------------------------------
def signed_headers(secret: str, msg_id: str, body: str, when: datetime) -> dict[str, str]:
    return {"webhook-id": msg_id, "webhook-timestamp": str(int(when.timestamp())),
            "webhook-signature": Webhook(secret).sign(msg_id, when, body),
            "Content-Type": "application/json", "User-Agent": USER_AGENT}


@dataclass
class _Step:
    policy: RetryPolicy
    now: Callable[[], datetime]
    http: requests.Session
    subscriptions: dict[str, Subscription | None] = field(default_factory=dict)
    held_back: dict[str, datetime] = field(default_factory=dict)  # subscription → until
    attempted: int = 0


def deliver_webhooks(limit: int = 100, *, subscription_id: str | None = None,
                     lease: Lease | None = None, policy: RetryPolicy | None = None,
                     now: Callable[[], datetime] = _now,
                     step_seconds: float = STEP_SECONDS) -> int:
    """One delivery step: queue new statement events, then send up to `limit` due
    messages (of one subscription, or of all).  Returns how many messages were tried and
    statements read, 0 when there was nothing to do."""
    storage = current_storage()
    store = stores(storage).webhooks
    targets = ([subscription_id] if subscription_id is not None
               else [s.id for s in store.list_subscriptions(enabled_only=True)])
    done = sum(collect_statements(target, lease=lease, now=now) for target in targets)
    policy = policy or RetryPolicy(
        timeout_seconds=current_settings().worker.partner_timeout_seconds)
    step = _Step(policy=policy, now=now, http=requests.Session())
    began = time.monotonic()
    try:
        while step.attempted < limit and time.monotonic() - began < step_seconds:
            chunk = _claim(store, step, min(CLAIM_CHUNK, limit - step.attempted),
                           subscription_id)
            if not chunk:
                break
            outcomes = []
            for entry in chunk:
                if time.monotonic() - began >= step_seconds:  # the rest waits for the next step
                    outcomes.append(_unchanged(entry, entry.next_attempt_at, step.now()))
                else:
                    outcomes.append(_deliver(step, store, entry))
            store.record_attempts(outcomes)
    finally:
        step.http.close()
    store.purge_delivered(now() - RETENTION, keep_types=(JP_REACHED,),
                          subscription_id=subscription_id)
    return done + step.attempted


def _claim(store: WebhookStore, step: _Step, count: int,
           subscription_id: str | None) -> list[OutboxEntry]:
    # Row leases, not the unit's: a claim is safe beside any other claimer (a second
    # worker, `webhooks deliver`), and a worker that dies leaves rows that come due again.
    moment = step.now()
    leased_until = moment + timedelta(seconds=count * step.policy.timeout_seconds + 30)
    return store.claim_due(moment, count, leased_until, subscription_id=subscription_id)


def _deliver(step: _Step, store: WebhookStore, entry: OutboxEntry) -> AttemptOutcome:
    if entry.subscription_id not in step.subscriptions:
        step.subscriptions[entry.subscription_id] = store.get_subscription(entry.subscription_id)
    subscription = step.subscriptions[entry.subscription_id]
    moment = step.now()
    if subscription is None or not subscription.enabled:
        return _unchanged(entry, entry.next_attempt_at, moment)
    held = step.held_back.get(subscription.id)
    if held is not None:  # its receiver just failed: the rest of its messages wait too
        return _unchanged(entry, held, moment)
    step.attempted += 1
    outcome = attempt(step.http, subscription, entry, step.policy, moment)
    if outcome.state == "pending":
        step.held_back[subscription.id] = outcome.next_attempt_at
    if outcome.response_status == 410:
        store.set_enabled(subscription.id, False, moment)
        step.subscriptions[subscription.id] = None
        log.warning("webhook subscription %s answered 410 Gone: turned off", subscription.id)
    return outcome


def _unchanged(entry: OutboxEntry, due: datetime, moment: datetime) -> AttemptOutcome:
    return AttemptOutcome(entry_id=entry.id, state="pending", attempts=entry.attempts,
                          next_attempt_at=due, response_status=entry.response_status,
                          error=entry.error, at=moment)


def attempt(http: requests.Session, subscription: Subscription, entry: OutboxEntry,
            policy: RetryPolicy, now: datetime) -> AttemptOutcome:
    """POST one message and judge the answer (spec "Delivery success and failure")."""
    headers = signed_headers(subscription.secret, entry.message_id, entry.body, now)
    try:
        with http.post(subscription.url, data=entry.body.encode("utf-8"), headers=headers,
                       timeout=policy.timeout_seconds, allow_redirects=False,
                       stream=True) as response:
            status = response.status_code
            answer = _excerpt(response)
            retry_after = retry_after_seconds(response.headers.get("Retry-After"), now)
    except requests.Timeout:
        return _failed(entry, policy, now, None, f"no answer within {policy.timeout_seconds:g} s")
    except requests.RequestException as exc:
        return _failed(entry, policy, now, None, f"{type(exc).__name__}: {exc}"[:EXCERPT])
    if 200 <= status < 300:
        return AttemptOutcome(entry_id=entry.id, state="delivered", attempts=entry.attempts + 1,
                              next_attempt_at=now, response_status=status, error=None, at=now)
    if status in (429, 503):
        return _failed(entry, policy, now, status, answer, retry_after)
    if status == 408 or status >= 500:
        return _failed(entry, policy, now, status, answer)
    # 3xx (redirects are not followed: the URL should be updated), 4xx: final.
    return AttemptOutcome(entry_id=entry.id, state="dead", attempts=entry.attempts + 1,
                          next_attempt_at=now, response_status=status,
                          error=f"HTTP {status}: {answer}" if answer else f"HTTP {status}",
                          at=now)


def _failed(entry: OutboxEntry, policy: RetryPolicy, now: datetime, status: int | None,
            reason: str, retry_after: float | None = None) -> AttemptOutcome:
    attempts = entry.attempts + 1
    described = f"HTTP {status}: {reason}" if status is not None else reason
    if attempts >= policy.max_attempts:
        return AttemptOutcome(entry_id=entry.id, state="dead", attempts=attempts,
                              next_attempt_at=now, response_status=status,
                              error=f"gave up after {attempts} attempts; last: {described}",
                              at=now)
    wait = (retry_after if retry_after is not None
            else backoff(attempts - 1, policy.base_seconds, policy.cap_seconds))
    return AttemptOutcome(entry_id=entry.id, state="pending", attempts=attempts,
                          next_attempt_at=now + timedelta(seconds=min(wait, policy.cap_seconds)),
                          response_status=status, error=described, at=now)


def _excerpt(response: requests.Response) -> str:
    # Only the start of the answer is read: a receiver cannot make us hold a large one.
    raw = next(response.iter_content(EXCERPT * 4), b"")
    return raw.decode("utf-8", errors="replace")[:EXCERPT].strip()


# --- dead letters -----------------------------------------------------------------------
def dead_letters(storage: Storage, subscription_id: str | None = None, *,
                 after_id: int | None = None, limit: int = 100) -> list[OutboxEntry]:
    return stores(storage).webhooks.entries("dead", subscription_id=subscription_id,
                                            after_id=after_id, limit=limit)


def resend(storage: Storage, entry_ids: Iterable[int] | None, *,
           subscription_id: str | None = None) -> int:
    """Dead letters (these, or every one of a subscription or of all) sent again on the
    next step, with a fresh count of attempts; how many."""
    return stores(storage).webhooks.requeue_dead(entry_ids, _now(),
                                                 subscription_id=subscription_id)


# --- the worker's loop ------------------------------------------------------------------
def webhooks_loop() -> Loop:
    """One unit per enabled subscription: a slow receiver holds up only its own."""

    def units() -> list[str]:
        return [s.id for s in stores().webhooks.list_subscriptions(enabled_only=True)]

    return Loop(name="webhooks", units=units,
                step=lambda unit, lease: deliver_webhooks(subscription_id=unit, lease=lease),
                lag=subscription_lag, idle_seconds=1.0)


def subscription_lag(subscription_id: str) -> Lag:
    """Messages waiting plus statements not yet read, and the age of the oldest message."""
    store = stores().webhooks
    backlog = store.backlog(subscription_id)
    behind = backlog.pending
    subscription = store.get_subscription(subscription_id)
    state = store.feed_state(subscription_id)
    if subscription is not None and STATEMENT_STORED in subscription.events and state:
        behind += max(0, lrs_service.newest_seq() - state.cursor)
    oldest = backlog.oldest_pending_at
    return Lag(behind, (_now() - oldest).total_seconds() if oldest else None)
