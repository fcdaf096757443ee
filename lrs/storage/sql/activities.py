"""Canonical Activity definitions the LRS learns from statements.

The statements and what they teach about their activities commit or roll back
together: `lrs.statements.storing` calls `upsert_activity_definitions` inside the unit
of work that stores the statements.  How two definitions combine is an
xAPI rule and lives in `lrs.activities.merge_definition`; it arrives here as `merge`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, select, text, update
from sqlalchemy.dialects import sqlite

from hub.storage import json_codec
from hub.storage.sql.common import aware, connection, write_transaction
from lrs.storage.contract import DefinitionMerge, StoredActivity
from lrs.storage.keys import activity_key
from lrs.storage.sql.tables import activities


class SqlActivityStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def get_activity(self, activity_id: str) -> StoredActivity | None:
        return self.find_activities([activity_id]).get(activity_id)

    def find_activities(self, activity_ids: Iterable[str]) -> dict[str, StoredActivity]:
        keys = {activity_key(activity_id) for activity_id in activity_ids}
        if not keys:
            return {}
        with connection(self._engine) as conn:
            rows = conn.execute(select(activities).where(activities.c.key.in_(keys))).all()
        return {row.activity_id: StoredActivity(activity_id=row.activity_id,
                                                definition=row.definition,
                                                updated=aware(row.updated))
                for row in rows}

    def upsert_activity_definitions(
        self, definitions: Mapping[str, dict[str, Any]], merge: DefinitionMerge
    ) -> None:
        with write_transaction(self._engine) as conn:
            upsert_activity_definitions(conn, definitions, merge)


def upsert_activity_definitions(
    conn: Connection, definitions: Mapping[str, dict[str, Any]], merge: DefinitionMerge,
    *, when: datetime | None = None,
) -> None:
    """Make every id known and merge each non-empty definition into the stored one.

    Runs in the caller's transaction.  Rows are created first (a concurrent creator of
    the same id waits on the unique key), then locked in key order while merging, so
    concurrent learners of one activity apply their merges one after the other and no
    language is lost.  SQLite needs no row lock: its write transactions already
    serialize.
    """
    if not definitions:
        return
    when = (when or datetime.now(UTC)).astimezone(UTC)
    keyed = sorted((activity_key(activity_id), activity_id, definition)
                   for activity_id, definition in definitions.items())
    _insert_missing(conn, [(key, activity_id) for key, activity_id, _ in keyed], when)
    incoming = [(key, definition) for key, _, definition in keyed if definition]
    if not incoming:
        return
    rows = conn.execute(
        select(activities.c.key, activities.c.definition)
        .where(activities.c.key.in_([key for key, _ in incoming]))
        .order_by(activities.c.key)
        .with_for_update()
    ).all()
    stored = {row.key: row.definition for row in rows}
    for key, definition in incoming:
        merged = merge(stored[key] or None, definition)
        if merged != stored[key]:
            conn.execute(update(activities).where(activities.c.key == key)
                         .values(definition=merged, updated=when))


# PostgreSQL: the batch as one JSON parameter (see statements.py) rather than a
# multi-row VALUES list whose every parameter SQLAlchemy renders with a cast.
_INSERT_MISSING_BULK = text(
    "INSERT INTO activities (key, activity_id, definition, updated) "
    "SELECT r.key, r.activity_id, CAST('{}' AS json), :updated "
    "FROM json_to_recordset(CAST(:rows AS json)) AS r(key text, activity_id text) "
    "ON CONFLICT (key) DO NOTHING")


def _insert_missing(conn: Connection, ids: list[tuple[str, str]], when: datetime) -> None:
    if conn.dialect.name == "postgresql":
        rows = json_codec.dumps([{"key": key, "activity_id": activity_id}
                                 for key, activity_id in ids])
        conn.execute(_INSERT_MISSING_BULK, {"rows": rows, "updated": when})
        return
    dialect_insert = sqlite.insert
    conn.execute(
        dialect_insert(activities).on_conflict_do_nothing(index_elements=["key"]),
        [{"key": key, "activity_id": activity_id, "definition": {}, "updated": when}
         for key, activity_id in ids],
    )
