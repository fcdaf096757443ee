"""The connectors slice's storage contract: the worker's leases and status, forwarding
destinations with their delivery positions, and dead letters; pulling sources with
their positions and the statements they gave that were not stored.

Every method joins the caller's unit of work (`Storage.begin`) when one is open.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from lrs.service import FeedState


# --- the worker ----------------------------------------------------------------------
@dataclass(frozen=True)
class WorkerRecord:
    id: str  # host:pid:random, new at every start
    host: str
    pid: int
    started_at: datetime
    heartbeat_at: datetime
    stopped_at: datetime | None = None


@dataclass(frozen=True)
class UnitStatus:
    """A leased unit of a background loop and what it last did."""

    name: str  # `<loop>` or `<loop>:<unit>`
    loop: str
    holder: str | None
    expires_at: datetime | None
    last_step_at: datetime | None = None
    processed: int = 0  # items processed since the unit was first leased
    behind: int = 0
    oldest_seconds: float | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None


class WorkerStore(Protocol):
    def beat(self, worker: WorkerRecord) -> None:
        """Insert the worker or move its heartbeat."""

    def stop_worker(self, worker_id: str, when: datetime) -> None: ...

    def workers(self, *, alive_since: datetime | None = None) -> list[WorkerRecord]:
        """Workers not stopped (with a heartbeat after `alive_since`, if given)."""

    def acquire(self, name: str, loop: str, holder: str, now: datetime,
                expires_at: datetime) -> bool:
        """Take the unit if nobody holds it, its lease expired, or `holder` holds it."""

    def release(self, name: str, holder: str, now: datetime) -> None: ...

    def confirm(self, name: str, holder: str, now: datetime) -> bool:
        """Whether `holder` holds an unexpired lease on the unit; inside a write unit of
        work the row stays locked until it ends, so the lease cannot change hands."""

    def record_step(self, name: str, holder: str, now: datetime, expires_at: datetime, *,
                    processed: int, behind: int, oldest_seconds: float | None,
                    error: str | None) -> bool:
        """Renew the lease and note the step; False when `holder` no longer holds it."""

    def held_by(self, holder: str, now: datetime) -> list[str]: ...

    def units(self) -> list[UnitStatus]: ...


# --- forwarding ------------------------------------------------------------------------
AuthKind = Literal["basic", "oauth2"]


@dataclass(frozen=True)
class RemoteAuth:
    """How the hub signs in to a partner: Basic (username, secret) or OAuth 2 client
    credentials (username = client id, secret = client secret, token_url, scope)."""

    kind: AuthKind
    username: str
    secret: str  # plain in the record; the store keeps it encrypted
    token_url: str | None = None
    scope: str | None = None


@dataclass(frozen=True)
class ForwardFilter:
    """Which statements travel; an empty field matches everything."""

    credentials: tuple[str, ...] = ()  # partner credential keys (by their authority)
    verbs: tuple[str, ...] = ()
    activity_prefix: str | None = None
    agencies: tuple[str, ...] = ()  # the agency of the actor's NIP in the registry


@dataclass(frozen=True)
class Destination:
    id: str
    name: str
    endpoint: str  # the destination's xAPI base, e.g. https://lrs.example/xapi
    version: str  # the X-Experience-API-Version we send, "1.0.3" or "2.0.0"
    auth: RemoteAuth
    filter: ForwardFilter = field(default_factory=ForwardFilter)
    batch_size: int = 500
    enabled: bool = True
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class DeliveryState:
    """Where a destination's delivery stands in the hub's feed, and why it waits."""

    feed: FeedState
    attempts: int = 0  # failed attempts in a row of the batch at the cursor
    retry_at: datetime | None = None
    last_error: str | None = None
    delivered: int = 0


@dataclass(frozen=True)
class DeadLetter:
    id: int
    destination_id: str
    statement_id: str
    seq: int
    status: int | None
    answer: str  # the destination's answer (excerpt)
    failed_at: datetime
    resent_at: datetime | None = None


class DestinationStore(Protocol):
    def add_destination(self, destination: Destination, start: FeedState) -> None: ...

    def replace_destination(self, destination: Destination) -> bool: ...

    def remove_destination(self, destination_id: str) -> bool: ...

    def get_destination(self, destination_id: str) -> Destination | None: ...

    def list_destinations(self, *, enabled_only: bool = False) -> list[Destination]: ...

    def delivery_state(self, destination_id: str) -> DeliveryState | None: ...

    def save_delivery_state(self, destination_id: str, state: DeliveryState) -> None: ...

    def add_dead_letters(self, letters: Sequence[DeadLetter]) -> None:
        """Insert `letters` (their `id` is ignored; the store numbers them)."""

    def dead_letters(self, destination_id: str | None = None, *, include_resent: bool = False,
                     limit: int = 100) -> list[DeadLetter]: ...

    def mark_resent(self, letter_ids: Sequence[int], when: datetime) -> int: ...



# --- pulling ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Source:
    """A partner LRS the hub polls for statements (GET statements?since=, following
    `more`); what it gives is stored under the hub credential `credential`."""

    id: str
    name: str
    endpoint: str  # the source's xAPI base, e.g. https://lrs.vendor.example/xapi
    version: str  # the X-Experience-API-Version we send, "1.0.3" or "2.0.0"
    auth: RemoteAuth
    credential: str  # the hub credential key whose authority pulled statements get
    poll_seconds: int = 300  # from the end of one poll to the start of the next
    page_limit: int = 100
    enabled: bool = True
    start: datetime | None = None  # only statements stored after it; None: from the beginning
    # "since": each poll asks since the cursor (less the overlap); "everything": each poll
    # reads the whole source, for an LRS whose `since` does not filter by `stored`.
    poll: str = "since"
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class PullState:
    """Where a source's pulling stands, and why it waits."""

    cursor: datetime | None = None  # the greatest `stored` taken from the source
    more: str | None = None  # the next page of the poll under way (absolute URL)
    attempts: int = 0  # failed requests in a row
    retry_at: datetime | None = None
    last_error: str | None = None
    pulled: int = 0  # statements newly stored from this source
    polled_at: datetime | None = None  # when the last poll reached the end


PullConflictKind = Literal["conflict", "refused"]


@dataclass(frozen=True)
class PullConflict:
    """A statement from a source the hub did not store, kept here so it is never lost:
    its id is stored with other content (`conflict`; the stored one is left as it was),
    or the hub refuses it (`refused`, with the validation message)."""

    id: int
    source_id: str
    statement_id: str
    kind: PullConflictKind
    message: str
    statement: dict[str, Any]  # as the source sent it
    noticed_at: datetime


class SourceStore(Protocol):
    def add_source(self, source: Source, state: PullState) -> None: ...

    def replace_source(self, source: Source) -> bool: ...

    def remove_source(self, source_id: str) -> bool: ...

    def get_source(self, source_id: str) -> Source | None: ...

    def list_sources(self, *, enabled_only: bool = False) -> list[Source]: ...

    def pull_state(self, source_id: str) -> PullState | None: ...

    def save_pull_state(self, source_id: str, state: PullState) -> None: ...

    def add_pull_conflicts(self, conflicts: Sequence[PullConflict]) -> int:
        """Insert `conflicts` (their `id` is ignored) but those already recorded with the
        same source, statement id, kind and incoming statement; returns how many were new."""

    def pull_conflicts(self, source_id: str | None = None, *,
                       limit: int = 100) -> list[PullConflict]: ...
