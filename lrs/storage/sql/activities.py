"""Canonical Activity definitions the LRS learns from statements.

`upsert_activity_definitions` works on a connection so that the statements store can
call it inside its own insert transaction: the statements and what they teach about
their activities commit or roll back together.  How two definitions combine is an
xAPI rule and lives in `lrs.activities.merge_definition`; it arrives here as `merge`.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, select, text, update
from sqlalchemy.dialects import sqlite

from hub.storage import json_codec
from hub.storage.sql.common import aware, connection, write_transaction
from lrs.storage.contract import DefinitionMerge, StoredActivity
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


def activity_key(activity_id: str) -> str:
    return hashlib.sha256(activity_id.encode("utf-8")).hexdigest()




class RecentlyLearned:
    """Activity definitions this process committed lately, exactly as they arrived.

    Partners send the same course definition with every statement; merging it again
    changes nothing but costs a locked read per activity per batch, which serialises
    concurrent writers on popular activities.  A definition equal to one this process
    committed less than `ttl` seconds ago is therefore not merged again.  The price:
    when two partners alternate different definitions of one activity within `ttl`,
    the canonical one may keep the other's wording until the entry expires (xAPI leaves
    the choice of canonical definition to the LRS).
    """

    def __init__(self, ttl: float = 60.0, capacity: int = 20_000) -> None:
        self._ttl, self._capacity = ttl, capacity
        self._entries: OrderedDict[str, tuple[float, dict[str, Any]]] = OrderedDict()
        self._lock = threading.Lock()

    def holds_all(self, activity_id: str, definitions: list[dict[str, Any]]) -> bool:
        """True when merging `definitions` would teach nothing new: each is empty (the id
        is known) or the definition committed lately."""
        with self._lock:
            entry = self._entries.get(activity_id)
        return entry is not None and entry[0] >= time.monotonic() \
            and all(not definition or definition == entry[1] for definition in definitions)

    def remember(self, definitions: Mapping[str, list[dict[str, Any]]]) -> None:
        """Each activity's definitions, in the order they were merged and committed."""
        expires = time.monotonic() + self._ttl
        with self._lock:
            for activity_id, merged in definitions.items():
                entry = self._entries.get(activity_id)
                last = next((d for d in reversed(merged) if d), entry[1] if entry else {})
                self._entries[activity_id] = (expires, last)
                self._entries.move_to_end(activity_id)
            while len(self._entries) > self._capacity:
                self._entries.popitem(last=False)
