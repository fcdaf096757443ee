"""Helpers shared by the LTI stores: dialect-aware upserts and UTC instants."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, Table
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
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction holding the SQLite write lock from its first statement, so a
    read-then-write never deadlocks upgrading its lock; plain BEGIN on PostgreSQL."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn.execution_options(sqlite_begin="IMMEDIATE")
        with conn.begin():
            yield conn
