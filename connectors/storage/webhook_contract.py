"""The webhooks part of the connectors slice's contract: subscriptions (with their place
in the statement feed) and the outbox of signed messages waiting to be delivered.

Every method joins the caller's unit of work (`Storage.begin`) when one is open: an
outbox row is written in the transaction of the change it reports.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

from lrs.service import FeedState

STATEMENT_STORED = "statement.stored"
TRANSCRIPT_CHANGED = "transcript.changed"
JP_REACHED = "transcript.jp_reached"
WEBHOOK_EVENTS = (STATEMENT_STORED, TRANSCRIPT_CHANGED, JP_REACHED)

OutboxState = Literal["pending", "delivered", "dead"]


@dataclass(frozen=True)
class StatementFilter:
    """Which stored statements a subscription hears of; an empty field matches all."""

    verb: str | None = None  # verb IRI, exactly
    activity_prefix: str | None = None  # the object's activity id starts with it
    credential_key: str | None = None  # the partner credential that stored it ...
    authority_key: str | None = None  # ... as the agent key of its authority


@dataclass(frozen=True)
class Subscription:
    id: str
    url: str
    secret: str  # whsec_<base64>: plain in the record; the store keeps it encrypted
    events: frozenset[str]  # of WEBHOOK_EVENTS
    statement_filter: StatementFilter = field(default_factory=StatementFilter)
    enabled: bool = True
    description: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class WebhookMessage:
    """An event for one subscription, as it enters the outbox."""

    subscription_id: str
    event_key: str  # unique per subscription: the same event is never queued twice
    message_id: str  # the webhook-id header, the same on every attempt
    type: str  # one of WEBHOOK_EVENTS
    body: str  # the JSON sent and signed, exactly
    created_at: datetime


@dataclass(frozen=True)
class OutboxEntry:
    id: int
    subscription_id: str
    message_id: str
    type: str
    body: str
    state: OutboxState
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    response_status: int | None = None  # of the last attempt
    error: str | None = None  # the last attempt's failure, or the receiver's answer
    finished_at: datetime | None = None  # delivered or dead


@dataclass(frozen=True)
class AttemptOutcome:
    entry_id: int
    state: OutboxState
    attempts: int
    next_attempt_at: datetime
    response_status: int | None
    error: str | None
    at: datetime


@dataclass(frozen=True)
class OutboxBacklog:
    pending: int
    oldest_pending_at: datetime | None
    dead: int


class WebhookStore(Protocol):
    def add_subscription(self, subscription: Subscription, start: FeedState) -> None: ...

    def get_subscription(self, subscription_id: str) -> Subscription | None: ...

    def list_subscriptions(self, *, enabled_only: bool = False) -> list[Subscription]: ...

    def set_enabled(self, subscription_id: str, enabled: bool, when: datetime, *,
                    restart: FeedState | None = None) -> bool:
        """Turn on or off; `restart` moves its place in the feed (False: no such id)."""

    def remove_subscription(self, subscription_id: str) -> bool:
        """Remove it and its outbox."""

    def feed_state(self, subscription_id: str) -> FeedState | None: ...

    def lock_feed_state(self, subscription_id: str) -> FeedState | None:
        """Inside a writing unit of work: the state, locked until the unit ends so no
        other collector reads past it meanwhile."""

    def save_feed_state(self, subscription_id: str, state: FeedState) -> None: ...

    def enqueue(self, messages: Sequence[WebhookMessage]) -> int:
        """Add messages whose (subscription, event key) is not queued yet; how many."""

    def claim_due(self, now: datetime, limit: int, leased_until: datetime, *,
                  subscription_id: str | None = None) -> list[OutboxEntry]:
        """Pending entries of enabled subscriptions due by `now` and not leased, oldest
        first, leased until `leased_until` (skipping rows another transaction holds)."""

    def record_attempts(self, outcomes: Sequence[AttemptOutcome]) -> None:
        """Store each attempt's outcome and release its lease."""

    def entries(self, state: OutboxState, *, subscription_id: str | None = None,
                after_id: int | None = None, limit: int = 100) -> list[OutboxEntry]: ...

    def requeue_dead(self, entry_ids: Iterable[int] | None, when: datetime, *,
                     subscription_id: str | None = None) -> int:
        """Dead entries (these ids, or all of them / of a subscription) pending again,
        due at `when`, with their attempts counted from zero."""

    def purge_delivered(self, before: datetime, *, keep_types: Iterable[str] = (),
                        subscription_id: str | None = None, limit: int = 1000) -> int:
        """Delete entries delivered before `before`, except those of `keep_types`."""

    def backlog(self, subscription_id: str | None = None) -> OutboxBacklog: ...

    def reseal_secrets(self) -> int:
        """Every secret sealed under the first key-encryption key; how many changed."""
