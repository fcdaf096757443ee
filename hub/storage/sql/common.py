"""Helpers every SQL store shares: write transactions, dialect-aware upserts, UTC instants."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import overload

from sqlalchemy import Connection, Engine, Table, func, select
from sqlalchemy.dialects import postgresql, sqlite

try:
    import fcntl
except ImportError:  # not POSIX: SQLite's own busy handler alone
    fcntl = None  # type: ignore[assignment]  # checked before each use


def upsert(conn: Connection, table: Table) -> postgresql.Insert | sqlite.Insert:
    """INSERT ... ON CONFLICT for the connection's dialect (both speak it)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


@overload
def utc(value: datetime) -> datetime: ...
@overload
def utc(value: None) -> None: ...
def utc(value: datetime | None) -> datetime | None:
    """SQLite drops the offset when it stores a datetime, so store every instant as UTC."""
    return value.astimezone(UTC) if value is not None else None


@overload
def aware(value: datetime) -> datetime: ...
@overload
def aware(value: None) -> None: ...
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
    if engine.dialect.name == "sqlite":
        with _writer_gate(engine).held(), engine.connect() as conn:
            conn.execution_options(sqlite_begin="IMMEDIATE")
            with conn.begin():
                yield conn
        return
    with engine.connect() as conn, conn.begin():
        if lock is not None:
            conn.execute(select(func.pg_advisory_xact_lock(_lock_id(lock))))
        yield conn


class _WriterGate:
    """SQLite writers queue here, on an flock of `<database>-writer.lock`, before BEGIN
    IMMEDIATE.  SQLite's own busy handler polls with sleeps of up to 100 ms, so with
    several workers the write lock often sat free while every waiter slept; the kernel
    wakes an flock waiter the moment the lock is released.  Threads of one process
    queue on a lock of their own first (an flock is held per process)."""

    def __init__(self, path: str) -> None:
        self._path = path + "-writer.lock"
        self._threads = threading.RLock()
        self._depth = 0
        self._fd: int | None = None
        self._pid = 0

    @contextmanager
    def held(self) -> Iterator[None]:
        with self._threads:
            if self._depth == 0:
                fcntl.flock(self._descriptor(), fcntl.LOCK_EX)
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    fcntl.flock(self._descriptor(), fcntl.LOCK_UN)

    def _descriptor(self) -> int:
        if self._fd is None or self._pid != os.getpid():  # never share one across fork
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._fd


class _NoGate:
    @contextmanager
    def held(self) -> Iterator[None]:
        yield


_GATES: dict[str, _WriterGate] = {}
_GATES_LOCK = threading.Lock()


def _writer_gate(engine: Engine) -> _WriterGate | _NoGate:
    path = engine.url.database
    if fcntl is None or not path or path == ":memory:":
        return _NoGate()
    path = os.path.abspath(path)
    with _GATES_LOCK:
        return _GATES.setdefault(path, _WriterGate(path))


def _lock_id(digest: str) -> int:
    """The signed 64-bit integer PostgreSQL advisory locks are named by."""
    return int.from_bytes(bytes.fromhex(digest)[:8], "big", signed=True)
