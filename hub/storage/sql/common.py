"""Helpers every SQL store shares: write transactions, dialect-aware upserts, UTC instants."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, Table, func, select
from sqlalchemy.dialects import postgresql, sqlite


def upsert(conn: Connection, table: Table):
    """INSERT ... ON CONFLICT for the connection's dialect (both speak it)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def utc(value: datetime | None) -> datetime | None:
    """SQLite drops the offset when it stores a datetime, so store every instant as UTC."""
    return value.astimezone(UTC) if value is not None else None


def aware(value: datetime | None) -> datetime | None:
    """UTC out: SQLite hands back naive UTC, PostgreSQL the session's time zone."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@contextmanager
def write_transaction(engine: Engine, *, lock: str | None = None) -> Iterator[Connection]:
    """A transaction holding the SQLite write lock from its first statement (so a
    read-then-write never deadlocks upgrading its lock), and on PostgreSQL the advisory
    lock named by `lock` (a hex digest) until it ends."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn.execution_options(sqlite_begin="IMMEDIATE")
        with conn.begin():
            if lock is not None and conn.dialect.name == "postgresql":
                conn.execute(select(func.pg_advisory_xact_lock(_lock_id(lock))))
            yield conn


def _lock_id(digest: str) -> int:
    """The signed 64-bit integer PostgreSQL advisory locks are named by."""
    return int.from_bytes(bytes.fromhex(digest)[:8], "big", signed=True)
