"""Forwarding destinations, their delivery positions and dead letters on SQL.

A destination's secret is sealed with the storage cipher (HUB_KEY_ENCRYPTION_KEYS,
docs/operations.md "Rotating the key-encryption key"): a database dump alone cannot
sign in to a partner.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Row, delete, insert, select, update

from connectors.storage.contract import (
    DeadLetter,
    DeliveryState,
    Destination,
    ForwardFilter,
)
from connectors.storage.sql.partner_rows import partner_values, remote_auth_of
from connectors.storage.sql.tables import connector_dead_letters as letters
from connectors.storage.sql.tables import connector_deliveries as deliveries
from connectors.storage.sql.tables import connector_destinations as destinations
from hub.storage.key_encryption import KeyCipher
from hub.storage.sql.common import aware, connection, transaction, utc
from hub.storage.sql.sealed_keys import reseal_private_keys
from lrs.service import FeedState


class SqlDestinationStore:
    def __init__(self, engine: Engine, cipher: KeyCipher) -> None:
        self._engine = engine
        self._cipher = cipher

    def add_destination(self, destination: Destination, start: FeedState) -> None:
        with transaction(self._engine) as conn:
            conn.execute(insert(destinations).values(id=destination.id,
                                                     **self._columns(destination)))
            conn.execute(insert(deliveries).values(
                destination_id=destination.id, **_state_columns(DeliveryState(feed=start))))

    def replace_destination(self, destination: Destination) -> bool:
        with transaction(self._engine) as conn:
            return conn.execute(update(destinations).where(
                destinations.c.id == destination.id).values(
                **self._columns(destination))).rowcount == 1

    def remove_destination(self, destination_id: str) -> bool:
        with transaction(self._engine) as conn:
            # Children first: SQLite enforces ON DELETE CASCADE only with a pragma.
            conn.execute(delete(letters).where(letters.c.destination_id == destination_id))
            conn.execute(delete(deliveries).where(deliveries.c.destination_id == destination_id))
            return conn.execute(delete(destinations).where(
                destinations.c.id == destination_id)).rowcount == 1

    def get_destination(self, destination_id: str) -> Destination | None:
        with connection(self._engine) as conn:
            row = conn.execute(select(destinations).where(
                destinations.c.id == destination_id)).first()
        return self._destination(row) if row else None

    def list_destinations(self, *, enabled_only: bool = False) -> list[Destination]:
        query = select(destinations).order_by(destinations.c.name)
        if enabled_only:
            query = query.where(destinations.c.enabled.is_(True))
        with connection(self._engine) as conn:
            rows = conn.execute(query).all()
        return [self._destination(row) for row in rows]

    def delivery_state(self, destination_id: str) -> DeliveryState | None:
        with connection(self._engine) as conn:
            row = conn.execute(select(deliveries).where(
                deliveries.c.destination_id == destination_id)).first()
        if row is None:
            return None
        gaps = {int(seq): datetime.fromisoformat(when) for seq, when in row.gaps.items()}
        return DeliveryState(feed=FeedState(cursor=row.cursor, gaps=gaps),
                             attempts=row.attempts, retry_at=aware(row.retry_at),
                             last_error=row.last_error, delivered=row.delivered)

    def save_delivery_state(self, destination_id: str, state: DeliveryState) -> None:
        with transaction(self._engine) as conn:
            conn.execute(update(deliveries).where(
                deliveries.c.destination_id == destination_id).values(**_state_columns(state)))

    def add_dead_letters(self, new: Sequence[DeadLetter]) -> None:
        if not new:
            return
        with transaction(self._engine) as conn:
            conn.execute(insert(letters), [
                {"destination_id": letter.destination_id, "statement_id": letter.statement_id,
                 "seq": letter.seq, "status": letter.status, "answer": letter.answer,
                 "failed_at": utc(letter.failed_at)} for letter in new])

    def dead_letters(self, destination_id: str | None = None, *, include_resent: bool = False,
                     limit: int = 100) -> list[DeadLetter]:
        query = select(letters).order_by(letters.c.id).limit(limit)
        if destination_id is not None:
            query = query.where(letters.c.destination_id == destination_id)
        if not include_resent:
            query = query.where(letters.c.resent_at.is_(None))
        with connection(self._engine) as conn:
            rows = conn.execute(query).all()
        return [DeadLetter(id=r.id, destination_id=r.destination_id,
                           statement_id=r.statement_id, seq=r.seq, status=r.status,
                           answer=r.answer, failed_at=aware(r.failed_at),
                           resent_at=aware(r.resent_at)) for r in rows]

    def mark_resent(self, letter_ids: Sequence[int], when: datetime) -> int:
        if not letter_ids:
            return 0
        with transaction(self._engine) as conn:
            return conn.execute(update(letters).where(
                letters.c.id.in_(list(letter_ids)), letters.c.resent_at.is_(None),
            ).values(resent_at=utc(when))).rowcount

    def reseal_secrets(self) -> int:
        return reseal_private_keys(self._engine, destinations, self._cipher, key="id",
                                   sealed="auth_secret")

    def _columns(self, destination: Destination) -> dict[str, Any]:
        rules = destination.filter
        return {**partner_values(destination, self._cipher),
                "filter": {"credentials": list(rules.credentials), "verbs": list(rules.verbs),
                           "activity_prefix": rules.activity_prefix,
                           "agencies": list(rules.agencies)},
                "batch_size": destination.batch_size, "enabled": destination.enabled}

    def _destination(self, row: Row[Any]) -> Destination:
        rules = row.filter
        return Destination(
            id=row.id, name=row.name, endpoint=row.endpoint, version=row.version,
            auth=remote_auth_of(row, self._cipher),
            filter=ForwardFilter(credentials=tuple(rules["credentials"]),
                                 verbs=tuple(rules["verbs"]),
                                 activity_prefix=rules["activity_prefix"],
                                 agencies=tuple(rules["agencies"])),
            batch_size=row.batch_size, enabled=row.enabled, created_at=aware(row.created_at),
            updated_at=aware(row.updated_at))


def _state_columns(state: DeliveryState) -> dict[str, Any]:
    return {"cursor": state.feed.cursor,
            "gaps": {str(seq): utc(when).isoformat() for seq, when in state.feed.gaps.items()},
            "attempts": state.attempts, "retry_at": utc(state.retry_at),
            "last_error": state.last_error, "delivered": state.delivered}
