"""Webhook subscriptions and their outbox on SQL (SQLite and PostgreSQL).

A subscription's secret is sealed with the storage cipher (HUB_KEY_ENCRYPTION_KEYS): a
database dump alone cannot sign a message.  Claiming due messages takes row locks with
SKIP LOCKED on PostgreSQL, so workers (or a `deliver` command beside the worker) never
claim the same row at once; on SQLite the write lock already serialises claims.  Every
write takes SQLite's write lock from its first statement (`write_transaction`): most
read before they write, and a deferred transaction cannot upgrade its lock safely.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Row, delete, func, insert, or_, select, update

from connectors.storage.sql.webhook_tables import webhook_outbox as outbox
from connectors.storage.sql.webhook_tables import webhook_subscriptions as subscriptions
from connectors.storage.webhook_contract import (
    AttemptOutcome,
    OutboxBacklog,
    OutboxEntry,
    OutboxState,
    StatementFilter,
    Subscription,
    WebhookMessage,
)
from hub.storage.key_encryption import KeyCipher
from hub.storage.sql.common import aware, connection, upsert, utc, write_transaction
from lrs.service import FeedState

_BATCH = 500


class SqlWebhookStore:
    def __init__(self, engine: Engine, cipher: KeyCipher) -> None:
        self._engine = engine
        self._cipher = cipher

    # --- subscriptions ---------------------------------------------------------------
    def add_subscription(self, subscription: Subscription, start: FeedState) -> None:
        now = datetime.now(UTC)
        with write_transaction(self._engine) as conn:
            conn.execute(insert(subscriptions).values(
                id=subscription.id, url=subscription.url,
                secret=self._cipher.seal(subscription.secret),
                events=sorted(subscription.events),
                statement_filter=_filter_json(subscription.statement_filter),
                enabled=subscription.enabled, description=subscription.description,
                created_at=utc(subscription.created_at or now),
                updated_at=utc(subscription.updated_at or now), **_feed_columns(start)))

    def get_subscription(self, subscription_id: str) -> Subscription | None:
        with connection(self._engine) as conn:
            row = conn.execute(select(subscriptions)
                               .where(subscriptions.c.id == subscription_id)).first()
        return self._subscription(row) if row else None

    def list_subscriptions(self, *, enabled_only: bool = False) -> list[Subscription]:
        query = select(subscriptions).order_by(subscriptions.c.created_at, subscriptions.c.id)
        if enabled_only:
            query = query.where(subscriptions.c.enabled.is_(True))
        with connection(self._engine) as conn:
            rows = conn.execute(query).all()
        return [self._subscription(row) for row in rows]

    def set_enabled(self, subscription_id: str, enabled: bool, when: datetime, *,
                    restart: FeedState | None = None) -> bool:
        values: dict[str, Any] = {"enabled": enabled, "updated_at": utc(when)}
        if restart is not None:
            values.update(_feed_columns(restart))
        with write_transaction(self._engine) as conn:
            return conn.execute(update(subscriptions)
                                .where(subscriptions.c.id == subscription_id)
                                .values(**values)).rowcount == 1

    def remove_subscription(self, subscription_id: str) -> bool:
        with write_transaction(self._engine) as conn:
            # Children first: SQLite enforces foreign keys only with a pragma.
            conn.execute(delete(outbox).where(outbox.c.subscription_id == subscription_id))
            return conn.execute(delete(subscriptions)
                                .where(subscriptions.c.id == subscription_id)).rowcount == 1

    # --- the feed ----------------------------------------------------------------------
    def feed_state(self, subscription_id: str) -> FeedState | None:
        query = (select(subscriptions.c.feed_cursor, subscriptions.c.feed_gaps)
                 .where(subscriptions.c.id == subscription_id))
        with connection(self._engine) as conn:
            row = conn.execute(query).first()
        return _feed_of(row) if row else None

    def lock_feed_state(self, subscription_id: str) -> FeedState | None:
        # FOR NO KEY UPDATE: it does not wait for outbox inserts (their foreign key check
        # takes FOR KEY SHARE), e.g. the transcripts listener's, nor they for it.
        query = (select(subscriptions.c.feed_cursor, subscriptions.c.feed_gaps)
                 .where(subscriptions.c.id == subscription_id)
                 .with_for_update(key_share=True))
        with write_transaction(self._engine) as conn:
            row = conn.execute(query).first()
        return _feed_of(row) if row else None

    def save_feed_state(self, subscription_id: str, state: FeedState) -> None:
        with write_transaction(self._engine) as conn:
            conn.execute(update(subscriptions).where(subscriptions.c.id == subscription_id)
                         .values(**_feed_columns(state)))

    # --- the outbox --------------------------------------------------------------------
    def enqueue(self, messages: Sequence[WebhookMessage]) -> int:
        rows = [{"subscription_id": m.subscription_id, "event_key": m.event_key,
                 "message_id": m.message_id, "type": m.type, "body": m.body,
                 "state": "pending", "attempts": 0, "next_attempt_at": utc(m.created_at),
                 "created_at": utc(m.created_at)} for m in messages]
        added = 0
        with write_transaction(self._engine) as conn:
            for start in range(0, len(rows), _BATCH):
                statement = upsert(conn, outbox).on_conflict_do_nothing(
                    index_elements=["subscription_id", "event_key"])
                added += conn.execute(statement, rows[start:start + _BATCH]).rowcount
        return added

    def claim_due(self, now: datetime, limit: int, leased_until: datetime, *,
                  subscription_id: str | None = None) -> list[OutboxEntry]:
        o, s = outbox.c, subscriptions.c
        due = (select(o.id).join(subscriptions, s.id == o.subscription_id)
               .where(o.state == "pending", o.next_attempt_at <= utc(now), s.enabled.is_(True),
                      or_(o.leased_until.is_(None), o.leased_until <= utc(now)))
               .order_by(o.next_attempt_at, o.id))
        if subscription_id is not None:
            due = due.where(o.subscription_id == subscription_id)
        with connection(self._engine) as conn:
            if conn.execute(due.limit(1)).first() is None:
                return []  # the usual case when idle: no write transaction for nothing
        with write_transaction(self._engine) as conn:
            ids = list(conn.execute(due.limit(limit)
                                    .with_for_update(of=outbox, skip_locked=True)).scalars())
            if not ids:
                return []
            conn.execute(update(outbox).where(o.id.in_(ids))
                         .values(leased_until=utc(leased_until)))
            rows = conn.execute(select(outbox).where(o.id.in_(ids))
                                .order_by(o.next_attempt_at, o.id)).all()
        return [_entry(row) for row in rows]

    def record_attempts(self, outcomes: Sequence[AttemptOutcome]) -> None:
        with write_transaction(self._engine) as conn:
            for outcome in outcomes:
                finished = outcome.at if outcome.state != "pending" else None
                conn.execute(update(outbox).where(outbox.c.id == outcome.entry_id).values(
                    state=outcome.state, attempts=outcome.attempts,
                    next_attempt_at=utc(outcome.next_attempt_at), leased_until=None,
                    response_status=outcome.response_status, error=outcome.error,
                    finished_at=utc(finished) if finished else None))

    def entries(self, state: OutboxState, *, subscription_id: str | None = None,
                after_id: int | None = None, limit: int = 100) -> list[OutboxEntry]:
        query = select(outbox).where(outbox.c.state == state).order_by(outbox.c.id).limit(limit)
        if subscription_id is not None:
            query = query.where(outbox.c.subscription_id == subscription_id)
        if after_id is not None:
            query = query.where(outbox.c.id > after_id)
        with connection(self._engine) as conn:
            rows = conn.execute(query).all()
        return [_entry(row) for row in rows]

    def requeue_dead(self, entry_ids: Iterable[int] | None, when: datetime, *,
                     subscription_id: str | None = None) -> int:
        conditions = [outbox.c.state == "dead"]
        if subscription_id is not None:
            conditions.append(outbox.c.subscription_id == subscription_id)
        values = {"state": "pending", "attempts": 0, "next_attempt_at": utc(when),
                  "leased_until": None, "finished_at": None}
        with write_transaction(self._engine) as conn:
            if entry_ids is None:
                return conn.execute(update(outbox).where(*conditions).values(**values)).rowcount
            ids = sorted(set(entry_ids))
            changed = 0
            for start in range(0, len(ids), _BATCH):
                changed += conn.execute(update(outbox).where(
                    *conditions, outbox.c.id.in_(ids[start:start + _BATCH]))
                    .values(**values)).rowcount
            return changed

    def purge_delivered(self, before: datetime, *, keep_types: Iterable[str] = (),
                        subscription_id: str | None = None, limit: int = 1000) -> int:
        o = outbox.c
        old = (select(o.id).where(o.state == "delivered", o.finished_at < utc(before),
                                  o.type.not_in(sorted(set(keep_types))))
               .order_by(o.id).limit(limit))
        if subscription_id is not None:
            old = old.where(o.subscription_id == subscription_id)
        with connection(self._engine) as conn:
            if conn.execute(old.limit(1)).first() is None:
                return 0  # the usual case: no write transaction for nothing
        with write_transaction(self._engine) as conn:
            ids = list(conn.execute(old).scalars())
            if ids:
                conn.execute(delete(outbox).where(o.id.in_(ids)))
        return len(ids)

    def backlog(self, subscription_id: str | None = None) -> OutboxBacklog:
        o = outbox.c
        query = select(
            func.count().filter(o.state == "pending"),
            func.min(o.created_at).filter(o.state == "pending"),
            func.count().filter(o.state == "dead"))
        if subscription_id is not None:
            query = query.where(o.subscription_id == subscription_id)
        with connection(self._engine) as conn:
            pending, oldest, dead = conn.execute(query).one()
        return OutboxBacklog(pending=pending, oldest_pending_at=aware(oldest), dead=dead)

    def reseal_secrets(self) -> int:
        changed = 0
        with write_transaction(self._engine) as conn:
            for key, stored in conn.execute(select(subscriptions.c.id,
                                                   subscriptions.c.secret)).all():
                resealed = self._cipher.reseal(stored)
                if resealed is not None:
                    conn.execute(update(subscriptions).where(subscriptions.c.id == key)
                                 .values(secret=resealed))
                    changed += 1
        return changed

    def _subscription(self, row: Row[Any]) -> Subscription:
        f = row.statement_filter or {}
        return Subscription(
            id=row.id, url=row.url, secret=self._cipher.open(row.secret),
            events=frozenset(row.events), enabled=row.enabled, description=row.description,
            statement_filter=StatementFilter(
                verb=f.get("verb"), activity_prefix=f.get("activity_prefix"),
                credential_key=f.get("credential_key"), authority_key=f.get("authority_key")),
            created_at=aware(row.created_at), updated_at=aware(row.updated_at))


def _filter_json(value: StatementFilter) -> dict[str, str]:
    fields = {"verb": value.verb, "activity_prefix": value.activity_prefix,
              "credential_key": value.credential_key, "authority_key": value.authority_key}
    return {k: v for k, v in fields.items() if v is not None}


def _feed_columns(state: FeedState) -> dict[str, Any]:
    return {"feed_cursor": state.cursor,
            "feed_gaps": {str(seq): when.astimezone(UTC).isoformat()
                          for seq, when in state.gaps.items()}}


def _feed_of(row: Row[Any, Any]) -> FeedState:
    cursor, stored_gaps = row
    gaps = {int(seq): datetime.fromisoformat(when) for seq, when in (stored_gaps or {}).items()}
    return FeedState(cursor=cursor, gaps=gaps)


def _entry(row: Row[Any]) -> OutboxEntry:
    return OutboxEntry(id=row.id, subscription_id=row.subscription_id,
                       message_id=row.message_id, type=row.type, body=row.body,
                       state=row.state, attempts=row.attempts,
                       next_attempt_at=aware(row.next_attempt_at),
                       created_at=aware(row.created_at), response_status=row.response_status,
                       error=row.error, finished_at=aware(row.finished_at))

