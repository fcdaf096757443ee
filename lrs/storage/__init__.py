"""The lrs slice: its contract, its SQL stores and its migrations (issue 18.1)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, cast

from hub.storage import current_storage
from hub.storage.contract import MongoHandle, SqlHandle, Storage, StorageSlice
from lrs.storage.contract import ActivityStore, DocumentStore, StatementStore


class LrsStores(Protocol):
    @property
    def statements(self) -> StatementStore: ...
    @property
    def documents(self) -> DocumentStore: ...
    @property
    def activities(self) -> ActivityStore: ...


def _open_sql(handle: SqlHandle) -> LrsStores:
    from lrs.storage.sql import open_sql  # SQLAlchemy only when the engine is SQL

    return open_sql(handle)


def _open_mongo(handle: MongoHandle) -> LrsStores:
    from lrs.storage.mongo import open_mongo  # pymongo only when the engine is MongoDB

    return open_mongo(handle)


def _mongo_migrations() -> Sequence[Any]:
    from lrs.storage.mongo import MIGRATIONS

    return MIGRATIONS


SLICE = StorageSlice(name="lrs", migrations=Path(__file__).resolve().parent / "migrations",
                     open_sql=_open_sql, open_mongo=_open_mongo,
                     mongo_migrations=_mongo_migrations)


def stores(storage: Storage | None = None) -> LrsStores:
    """This slice's stores on `storage` (default: the running app's)."""
    return cast(LrsStores, (storage or current_storage()).slice(SLICE.name))
