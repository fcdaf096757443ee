"""SQLAlchemy engines for SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

from hub.storage import json_codec

# Statement documents dominate what is written and read; orjson is several times faster.
JSON_CODEC = {"json_serializer": json_codec.dumps, "json_deserializer": json_codec.loads}

SQLITE_BUSY_TIMEOUT_MS = 30_000
CONNECT_TIMEOUT_S = 5
# The write-ahead log is copied into the database when it passes this many pages (SQLite's
# default is 1,000), by the committing writer while it still holds the write lock.  A
# batch of statements dirties about a thousand scattered index pages, so at the default
# nearly every commit also checkpointed; over 25,000 pages (~100 MB) the pages that many
# commits touched again are copied once.  Measured at 1M statements: 2,680 → 3,606
# statements/s; the price is a rare commit that takes ~0.3 s longer (docs/performance.md).
WAL_AUTOCHECKPOINT_PAGES = 25_000


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    # pre-ping: connections dropped by a database restart are replaced, not handed out;
    # connect_timeout: an unreachable server is a 503 in seconds, not a hung worker.
    return create_engine(parsed, pool_pre_ping=True, pool_size=5, max_overflow=10,
                         pool_timeout=10, connect_args={"connect_timeout": CONNECT_TIMEOUT_S},
                         **JSON_CODEC)


def _sqlite_engine(url: str) -> Engine:
    # The driver's own transaction handling is turned off so that writes can
    # open with BEGIN IMMEDIATE (see `sqlite_begin`) and never deadlock on the
    # read-to-write lock upgrade when several workers write at once.
    engine = create_engine(url, connect_args={"check_same_thread": False}, **JSON_CODEC)

    @event.listens_for(engine, "connect")
    def configure(dbapi_connection: Any, _record: object) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # FULL: an acknowledged statement survives power loss, not just a crash.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine
