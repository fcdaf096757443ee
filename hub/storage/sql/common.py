"""Helpers every SQL store shares: write transactions, dialect-aware upserts, UTC instants."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import overload

from sqlalchemy import Connection, Engine, Table, func, select
from sqlalchemy.dialects import postgresql, sqlite

from hub.storage.contract import ReadOnlyUnitOfWork

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


@dataclass(frozen=True)
class SqlUnitOfWork:
    """The one connection and transaction every store of a storage runs on while it is open."""

    engine: Engine
    connection: Connection
    write: bool


# The unit of work open in this thread or task; stores find it here, so they take no
# connection parameter and behave as before when none is open.
_CURRENT: ContextVar[SqlUnitOfWork | None] = ContextVar("hub_storage_unit_of_work", default=None)


def _current(engine: Engine) -> SqlUnitOfWork | None:
    uow = _CURRENT.get()
    return uow if uow is not None and uow.engine is engine else None


@contextmanager
def unit_of_work(engine: Engine, *, write: bool) -> Iterator[SqlUnitOfWork]:
    """One transaction for every store on `engine` until the block ends: committed at the
    end, rolled back on an exception; a nested one joins the open one.

    `write` is declared up front because SQLite cannot safely decide later: a deferred
    transaction that has read and then writes must upgrade its lock, and that upgrade
    fails at once (no busy wait) when another writer got there first.  So a writing unit
    of work takes the write lock with its first statement (BEGIN IMMEDIATE, behind the
    writer gate), and a reading one takes none, so auditors' reads never queue behind
    writers.  A read-only unit of work reads one snapshot on both engines (SQLite's WAL
    read transaction; REPEATABLE READ on PostgreSQL)."""
    outer = _current(engine)
    if outer is not None:
        if write and not outer.write:
            raise ReadOnlyUnitOfWork("a writing unit of work inside a read-only one")
        yield outer
        return
    with _connection_for(engine, write=write) as conn, conn.begin():
        uow = SqlUnitOfWork(engine=engine, connection=conn, write=write)
        token = _CURRENT.set(uow)
        try:
            yield uow
        finally:
            _CURRENT.reset(token)


@contextmanager
def _connection_for(engine: Engine, *, write: bool) -> Iterator[Connection]:
    if engine.dialect.name == "sqlite":
        if not write:
            with engine.connect() as conn:
                yield conn
            return
        with _writer_gate(engine).held(), engine.connect() as conn:
            conn.execution_options(sqlite_begin="IMMEDIATE")
            yield conn
        return
    with engine.connect() as conn:
        if not write:
            conn.execution_options(isolation_level="REPEATABLE READ")
        yield conn


@contextmanager
def connection(engine: Engine) -> Iterator[Connection]:
    """A connection to read on: the open unit of work's, or a fresh one."""
    uow = _current(engine)
    if uow is not None:
        yield uow.connection
        return
    with engine.connect() as conn:
        yield conn


@contextmanager
def transaction(engine: Engine) -> Iterator[Connection]:
    """`engine.begin()`, joining the open unit of work (which must be a writing one)."""
    uow = _joined_for_write(engine)
    if uow is not None:
        yield uow.connection
        return
    with engine.begin() as conn:
        yield conn


@contextmanager
def write_transaction(engine: Engine, *, lock: str | None = None) -> Iterator[Connection]:
    """A transaction holding the SQLite write lock from its first statement (so a
    read-then-write never deadlocks upgrading its lock), and on PostgreSQL the advisory
    lock named by `lock` (a hex digest) until it ends.  Inside a writing unit of work it
    is that unit's transaction (the advisory lock is then held until the unit ends)."""
    uow = _joined_for_write(engine)
    if uow is not None:
        if lock is not None and engine.dialect.name == "postgresql":
            uow.connection.execute(select(func.pg_advisory_xact_lock(_lock_id(lock))))
        yield uow.connection
        return
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


def _joined_for_write(engine: Engine) -> SqlUnitOfWork | None:
    uow = _current(engine)
    if uow is not None and not uow.write:
        raise ReadOnlyUnitOfWork("a store writes inside a read-only unit of work "
                                 "(open it with storage.begin(write=True))")
    return uow


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
