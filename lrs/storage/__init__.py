"""The lrs slice: its contract, its SQL stores and its migrations (issue 18.1)."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, cast

from hub.storage import current_storage
from hub.storage.contract import SqlHandle, Storage, StorageSlice
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


SLICE = StorageSlice(name="lrs", migrations=Path(__file__).resolve().parent / "migrations",
                     open_sql=_open_sql)


def stores(storage: Storage | None = None) -> LrsStores:
    """This slice's stores on `storage` (default: the running app's)."""
    return cast(LrsStores, (storage or current_storage()).slice(SLICE.name))
