"""The connectors slice: its contract, its SQL stores and its migrations (issue 15)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, cast

from connectors.storage.contract import DestinationStore, SourceStore, WorkerStore
from connectors.storage.import_jobs import ImportJobStore
from connectors.storage.webhook_contract import WebhookStore
from hub.storage import current_storage
from hub.storage.contract import MongoHandle, SqlHandle, Storage, StorageSlice


class ConnectorStores(Protocol):
    @property
    def worker(self) -> WorkerStore: ...
    @property
    def destinations(self) -> DestinationStore: ...
    @property
    def sources(self) -> SourceStore: ...
    @property
    def webhooks(self) -> WebhookStore: ...
    @property
    def imports(self) -> ImportJobStore: ...


def _open_sql(handle: SqlHandle) -> ConnectorStores:
    from connectors.storage.sql import open_sql  # SQLAlchemy only when the engine is SQL

    return open_sql(handle)


def _open_mongo(handle: MongoHandle) -> ConnectorStores:
    from connectors.storage.mongo import open_mongo  # pymongo only when the engine is MongoDB

    return open_mongo(handle)


def _mongo_migrations() -> Sequence[Any]:
    from connectors.storage.mongo import MIGRATIONS

    return MIGRATIONS


SLICE = StorageSlice(name="connectors", migrations=Path(__file__).resolve().parent / "migrations",
                     open_sql=_open_sql, open_mongo=_open_mongo,
                     mongo_migrations=_mongo_migrations)


def stores(storage: Storage | None = None) -> ConnectorStores:
    """This slice's stores on `storage` (default: the running app's)."""
    return cast(ConnectorStores, (storage or current_storage()).slice(SLICE.name))
