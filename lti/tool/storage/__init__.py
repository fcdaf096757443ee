"""The LTI tool slice: its contract, its SQL stores and its migrations (issue 18.1)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, cast

from hub.storage import current_storage
from hub.storage.contract import MongoHandle, SqlHandle, Storage, StorageSlice
from hub.storage.signing_keys import LtiKeyStore
from lti.tool.storage.contract import (
    LtiCatalogueStore,
    LtiGradeStore,
    LtiPlatformStore,
    LtiRosterStore,
    LtiSessionStore,
)


class LtiToolStores(Protocol):
    @property
    def lti_keys(self) -> LtiKeyStore: ...
    @property
    def lti_platforms(self) -> LtiPlatformStore: ...
    @property
    def lti_sessions(self) -> LtiSessionStore: ...
    @property
    def lti_roster(self) -> LtiRosterStore: ...
    @property
    def lti_catalogue(self) -> LtiCatalogueStore: ...
    @property
    def lti_grades(self) -> LtiGradeStore: ...


def _open_sql(handle: SqlHandle) -> LtiToolStores:
    from lti.tool.storage.sql import open_sql  # SQLAlchemy only when the engine is SQL

    return open_sql(handle)


def _open_mongo(handle: MongoHandle) -> LtiToolStores:
    from lti.tool.storage.mongo import open_mongo  # pymongo only when the engine is MongoDB

    return open_mongo(handle)


def _mongo_migrations() -> Sequence[Any]:
    from lti.tool.storage.mongo import MIGRATIONS

    return MIGRATIONS


SLICE = StorageSlice(name="lti_tool", migrations=Path(__file__).resolve().parent / "migrations",
                     open_sql=_open_sql, open_mongo=_open_mongo,
                     mongo_migrations=_mongo_migrations)


def stores(storage: Storage | None = None) -> LtiToolStores:
    """This slice's stores on `storage` (default: the running app's)."""
    return cast(LtiToolStores, (storage or current_storage()).slice(SLICE.name))
