"""The SQLite engine's connection settings, read back from real connections."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from hub.app import open_hub_storage
from hub.storage.sql.engine import SQLITE_BUSY_TIMEOUT_MS, WAL_AUTOCHECKPOINT_PAGES


@pytest.fixture
def sqlite_storage(tmp_path):
    storage = open_hub_storage(f"sqlite:///{tmp_path / 'hub.sqlite3'}")
    yield storage
    storage.dispose()


def pragma(storage, name: str):
    with storage.engine.connect() as conn:
        return conn.exec_driver_sql(f"PRAGMA {name}").scalar()


def test_sqlite_runs_in_wal_mode(sqlite_storage):
    assert pragma(sqlite_storage, "journal_mode") == "wal"


def test_sqlite_waits_for_locks_instead_of_failing_at_once(sqlite_storage):
    assert pragma(sqlite_storage, "busy_timeout") == SQLITE_BUSY_TIMEOUT_MS >= 5000


def test_sqlite_enforces_foreign_keys(sqlite_storage):
    assert pragma(sqlite_storage, "foreign_keys") == 1


def test_sqlite_syncs_fully_so_acknowledged_writes_survive_power_loss(sqlite_storage):
    assert pragma(sqlite_storage, "synchronous") == 2  # FULL


def test_sqlite_checkpoints_the_log_every_25000_pages_not_1000(sqlite_storage):
    """Statement batches dirty ~1,000 scattered pages each: at SQLite's default nearly
    every commit checkpointed (docs/performance.md)."""
    assert pragma(sqlite_storage, "wal_autocheckpoint") == WAL_AUTOCHECKPOINT_PAGES == 25_000


def test_every_pooled_connection_gets_the_pragmas(sqlite_storage):
    # Two connections open at once are two DBAPI connections, each configured.
    with sqlite_storage.engine.connect() as first, sqlite_storage.engine.connect() as second:
        assert first.connection.dbapi_connection is not second.connection.dbapi_connection
        for conn in (first, second):
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == SQLITE_BUSY_TIMEOUT_MS


def test_foreign_keys_reject_an_orphan_row(sqlite_storage):
    with sqlite_storage.engine.begin() as conn:
        conn.execute(text("CREATE TABLE parent (id INTEGER PRIMARY KEY)"))
        conn.execute(text("CREATE TABLE child (parent_id INTEGER REFERENCES parent(id))"))
    with pytest.raises(Exception, match="FOREIGN KEY"), sqlite_storage.engine.begin() as conn:
        conn.execute(text("INSERT INTO child VALUES (42)"))


def test_immediate_writers_queue_behind_each_other_instead_of_failing(sqlite_storage):
    """BEGIN IMMEDIATE plus the busy timeout: a second writer waits, then succeeds."""
    with sqlite_storage.engine.begin() as conn:
        conn.execute(text("CREATE TABLE counter (n INTEGER)"))
        conn.execute(text("INSERT INTO counter VALUES (0)"))
    immediate = sqlite_storage.engine.execution_options(sqlite_begin="IMMEDIATE")
    errors: list[BaseException] = []

    def bump():
        try:
            for _ in range(20):
                with immediate.begin() as conn:
                    n = conn.execute(text("SELECT n FROM counter")).scalar()
                    conn.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=bump) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with sqlite_storage.engine.connect() as conn:
        assert conn.execute(text("SELECT n FROM counter")).scalar() == 80
