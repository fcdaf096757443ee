"""Versioned schema steps for MongoDB: collections and indexes, like Alembic revisions.

Each slice lists its steps in order; `upgrade` runs, per slice, the steps not yet
recorded in the `schema_versions` collection and records each one once it has run.
Steps must be idempotent (creating an index that exists with the same options is a
no-op), so a step interrupted before it was recorded simply runs again.  A released
step never changes: a new index is a new step.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pymongo.database import Database

from hub.storage.mongo.common import MAJORITY

VERSIONS = "schema_versions"


@dataclass(frozen=True)
class MongoMigration:
    id: str  # unique across slices, e.g. "lrs_0001_statements"
    apply: Callable[[Database[Any]], None]


def applied(database: Database[Any]) -> dict[str, list[str]]:
    """The step ids recorded per slice, in the order they ran."""
    found: dict[str, list[str]] = {}
    for row in database[VERSIONS].find({}, sort=[("applied_at", 1), ("_id", 1)]):
        found.setdefault(row["slice"], []).append(row["_id"])
    return found


def upgrade(database: Database[Any], steps: Iterable[tuple[str, Sequence[MongoMigration]]],
            ) -> list[str]:
    """Run every step not yet recorded, slice by slice; the ids that ran."""
    versions = database.get_collection(VERSIONS, write_concern=MAJORITY)
    done = {row["_id"] for row in versions.find({}, {"_id": 1})}
    ran = []
    for slice_name, migrations in steps:
        for step in migrations:
            if step.id in done:
                continue
            step.apply(database)
            versions.update_one({"_id": step.id}, {"$setOnInsert": {
                "slice": slice_name, "applied_at": datetime.now(UTC)}}, upsert=True)
            ran.append(step.id)
    return ran


def ensure_collections(database: Database[Any], *names: str) -> None:
    """Create collections up front: a transaction cannot create one on a replica set
    older than MongoDB 4.4, and an explicit step documents what the schema holds."""
    existing = set(database.list_collection_names())
    for name in names:
        if name not in existing:
            database.create_collection(name)
