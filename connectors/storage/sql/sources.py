"""Pulling sources, their positions and the statements they gave that were not stored,
on SQL.  A source's secret is sealed with the storage cipher, as a destination's is."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, Row, delete, insert, select, tuple_, update

from connectors.storage.contract import PullConflict, PullState, Source
from connectors.storage.sql.partner_rows import partner_values, remote_auth_of
from connectors.storage.sql.tables import connector_pull_conflicts as conflicts
from connectors.storage.sql.tables import connector_pulls as pulls
from connectors.storage.sql.tables import connector_sources as sources
from hub.storage.key_encryption import KeyCipher
from hub.storage.sql.common import aware, connection, transaction, utc
from hub.storage.sql.sealed_keys import reseal_private_keys


class SqlSourceStore:
    def __init__(self, engine: Engine, cipher: KeyCipher) -> None:
        self._engine = engine
        self._cipher = cipher

    def reseal_secrets(self) -> int:
        return reseal_private_keys(self._engine, sources, self._cipher, key="id",
                                   sealed="auth_secret")

    def add_source(self, source: Source, state: PullState) -> None:
        with transaction(self._engine) as conn:
            conn.execute(insert(sources).values(id=source.id, **self._columns(source)))
            conn.execute(insert(pulls).values(source_id=source.id, **_state_columns(state)))

    def replace_source(self, source: Source) -> bool:
        with transaction(self._engine) as conn:
            return conn.execute(update(sources).where(sources.c.id == source.id).values(
                **self._columns(source))).rowcount == 1

    def remove_source(self, source_id: str) -> bool:
        with transaction(self._engine) as conn:
            # Children first: SQLite enforces ON DELETE CASCADE only with a pragma.
            conn.execute(delete(conflicts).where(conflicts.c.source_id == source_id))
            conn.execute(delete(pulls).where(pulls.c.source_id == source_id))
            return conn.execute(delete(sources).where(sources.c.id == source_id)).rowcount == 1

    def get_source(self, source_id: str) -> Source | None:
        with connection(self._engine) as conn:
            row = conn.execute(select(sources).where(sources.c.id == source_id)).first()
        return self._source(row) if row else None

    def list_sources(self, *, enabled_only: bool = False) -> list[Source]:
        query = select(sources).order_by(sources.c.name)
        if enabled_only:
            query = query.where(sources.c.enabled.is_(True))
        with connection(self._engine) as conn:
            rows = conn.execute(query).all()
        return [self._source(row) for row in rows]

    def pull_state(self, source_id: str) -> PullState | None:
        with connection(self._engine) as conn:
            row = conn.execute(select(pulls).where(pulls.c.source_id == source_id)).first()
        if row is None:
            return None
        return PullState(cursor=aware(row.cursor), more=row.more, attempts=row.attempts,
                         retry_at=aware(row.retry_at), last_error=row.last_error,
                         pulled=row.pulled, polled_at=aware(row.polled_at))

    def save_pull_state(self, source_id: str, state: PullState) -> None:
        with transaction(self._engine) as conn:
            conn.execute(update(pulls).where(pulls.c.source_id == source_id).values(
                **_state_columns(state)))

    def add_pull_conflicts(self, new: Sequence[PullConflict]) -> int:
        rows = {(c.source_id, c.statement_id, c.kind, _digest(c.statement)): c for c in new}
        if not rows:
            return 0
        with transaction(self._engine) as conn:
            seen = {tuple(r) for r in conn.execute(
                select(conflicts.c.source_id, conflicts.c.statement_id, conflicts.c.kind,
                       conflicts.c.digest).where(
                    tuple_(conflicts.c.source_id, conflicts.c.statement_id, conflicts.c.kind,
                           conflicts.c.digest).in_(list(rows))))}
            fresh = [(key, c) for key, c in rows.items() if key not in seen]
            if fresh:
                conn.execute(insert(conflicts), [
                    {"source_id": c.source_id, "statement_id": c.statement_id, "kind": c.kind,
                     "message": c.message, "statement": c.statement, "digest": key[3],
                     "noticed_at": utc(c.noticed_at)} for key, c in fresh])
        return len(fresh)

    def pull_conflicts(self, source_id: str | None = None, *,
                       limit: int = 100) -> list[PullConflict]:
        query = select(conflicts).order_by(conflicts.c.id).limit(limit)
        if source_id is not None:
            query = query.where(conflicts.c.source_id == source_id)
        with connection(self._engine) as conn:
            rows = conn.execute(query).all()
        return [PullConflict(id=r.id, source_id=r.source_id, statement_id=r.statement_id,
                             kind=r.kind, message=r.message, statement=r.statement,
                             noticed_at=aware(r.noticed_at)) for r in rows]

    def _columns(self, source: Source) -> dict[str, Any]:
        return {**partner_values(source, self._cipher), "credential": source.credential,
                "poll_seconds": source.poll_seconds, "page_limit": source.page_limit,
                "enabled": source.enabled, "start": utc(source.start), "poll": source.poll}

    def _source(self, row: Row[Any]) -> Source:
        return Source(
            id=row.id, name=row.name, endpoint=row.endpoint, version=row.version,
            auth=remote_auth_of(row, self._cipher),
            credential=row.credential, poll_seconds=row.poll_seconds,
            page_limit=row.page_limit, enabled=row.enabled, start=aware(row.start),
            poll=row.poll, created_at=aware(row.created_at), updated_at=aware(row.updated_at))


def _state_columns(state: PullState) -> dict[str, Any]:
    return {"cursor": utc(state.cursor), "more": state.more, "attempts": state.attempts,
            "retry_at": utc(state.retry_at), "last_error": state.last_error,
            "pulled": state.pulled, "polled_at": utc(state.polled_at)}


def _digest(statement: dict[str, Any]) -> str:
    # The same statement seen again (each poll re-reads an overlap) is not a new conflict.
    canonical = json.dumps(statement, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()
