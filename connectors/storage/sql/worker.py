"""The worker's heartbeats and leases on SQL.

A lease is a row per unit: taken with one conditional UPDATE (free, expired, or already
ours), so two workers racing for a unit cannot both win on either engine.  `confirm`
locks the row (`FOR UPDATE` on PostgreSQL; a SQLite writer holds the database) until
the caller's unit of work ends, so a unit cannot change hands between a step's check
and its commit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Row, and_, or_, select, update

from connectors.storage.contract import UnitStatus, WorkerRecord
from connectors.storage.sql.tables import connector_leases as leases
from connectors.storage.sql.tables import connector_workers as workers
from hub.storage.sql.common import aware, connection, transaction, upsert, utc

ERROR_LIMIT = 2000  # characters of a step's last error kept


class SqlWorkerStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def beat(self, worker: WorkerRecord) -> None:
        with transaction(self._engine) as conn:
            statement = upsert(conn, workers).values(
                id=worker.id, host=worker.host, pid=worker.pid,
                started_at=utc(worker.started_at), heartbeat_at=utc(worker.heartbeat_at))
            conn.execute(statement.on_conflict_do_update(
                index_elements=[workers.c.id],
                set_={"heartbeat_at": utc(worker.heartbeat_at)}))

    def stop_worker(self, worker_id: str, when: datetime) -> None:
        with transaction(self._engine) as conn:
            conn.execute(update(workers).where(workers.c.id == worker_id)
                         .values(stopped_at=utc(when), heartbeat_at=utc(when)))

    def workers(self, *, alive_since: datetime | None = None) -> list[WorkerRecord]:
        query = select(workers).where(workers.c.stopped_at.is_(None))
        if alive_since is not None:
            query = query.where(workers.c.heartbeat_at > utc(alive_since))
        with connection(self._engine) as conn:
            rows = conn.execute(query.order_by(workers.c.started_at)).all()
        return [WorkerRecord(id=r.id, host=r.host, pid=r.pid, started_at=aware(r.started_at),
                             heartbeat_at=aware(r.heartbeat_at), stopped_at=aware(r.stopped_at))
                for r in rows]

    def acquire(self, name: str, loop: str, holder: str, now: datetime,
                expires_at: datetime) -> bool:
        with transaction(self._engine) as conn:
            conn.execute(upsert(conn, leases).values(name=name, loop=loop)
                         .on_conflict_do_nothing(index_elements=[leases.c.name]))
            taken = conn.execute(update(leases).where(leases.c.name == name, or_(
                leases.c.holder.is_(None), leases.c.holder == holder,
                leases.c.expires_at <= utc(now),
            )).values(holder=holder, expires_at=utc(expires_at)))
        return taken.rowcount == 1

    def release(self, name: str, holder: str, now: datetime) -> None:
        with transaction(self._engine) as conn:
            conn.execute(update(leases).where(leases.c.name == name, leases.c.holder == holder)
                         .values(holder=None, expires_at=None))

    def confirm(self, name: str, holder: str, now: datetime) -> bool:
        query = select(leases.c.name).where(leases.c.name == name, leases.c.holder == holder,
                                            leases.c.expires_at > utc(now))
        with transaction(self._engine) as conn:
            if conn.dialect.name == "postgresql":
                query = query.with_for_update()
            return conn.execute(query).first() is not None

    def record_step(self, name: str, holder: str, now: datetime, expires_at: datetime, *,
                    processed: int, behind: int, oldest_seconds: float | None,
                    error: str | None) -> bool:
        values: dict[str, Any] = {"expires_at": utc(expires_at), "last_step_at": utc(now),
                                  "processed": leases.c.processed + processed,
                                  "behind": behind, "oldest_seconds": oldest_seconds}
        if error is not None:
            values.update(last_error=error[:ERROR_LIMIT], last_error_at=utc(now))
        with transaction(self._engine) as conn:
            done = conn.execute(update(leases).where(
                leases.c.name == name, leases.c.holder == holder).values(**values))
        return done.rowcount == 1

    def held_by(self, holder: str, now: datetime) -> list[str]:
        with connection(self._engine) as conn:
            return list(conn.execute(select(leases.c.name).where(and_(
                leases.c.holder == holder, leases.c.expires_at > utc(now))))
                .scalars())

    def units(self) -> list[UnitStatus]:
        with connection(self._engine) as conn:
            rows = conn.execute(select(leases).order_by(leases.c.name)).all()
        return [_unit(row) for row in rows]


def _unit(row: Row[Any]) -> UnitStatus:
    return UnitStatus(name=row.name, loop=row.loop, holder=row.holder,
                      expires_at=aware(row.expires_at), last_step_at=aware(row.last_step_at),
                      processed=row.processed, behind=row.behind,
                      oldest_seconds=row.oldest_seconds, last_error=row.last_error,
                      last_error_at=aware(row.last_error_at))
