"""The LTI platform slice: its contract, its SQL stores and its migrations (issue 18.1)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, cast

from hub.storage import current_storage
from hub.storage.contract import MongoHandle, SqlHandle, Storage, StorageSlice
from hub.storage.signing_keys import LtiKeyStore
from lti.platform.storage.contract import (
    LtiPlatformGradebookStore,
    LtiPlatformRosterStore,
    LtiPlatformToolStore,
)


class LtiPlatformStores(Protocol):
    @property
    def lti_platform_keys(self) -> LtiKeyStore: ...
    @property
    def lti_platform_tools(self) -> LtiPlatformToolStore: ...
    @property
    def lti_platform_roster(self) -> LtiPlatformRosterStore: ...
    @property
    def lti_platform_gradebook(self) -> LtiPlatformGradebookStore: ...


def _open_sql(handle: SqlHandle) -> LtiPlatformStores:
    from lti.platform.storage.sql import open_sql  # SQLAlchemy only when the engine is SQL

    return open_sql(handle)


def _open_mongo(handle: MongoHandle) -> LtiPlatformStores:
    from lti.platform.storage.mongo import open_mongo  # pymongo only when the engine is MongoDB

    return open_mongo(handle)


def _mongo_migrations() -> Sequence[Any]:
    from lti.platform.storage.mongo import MIGRATIONS

    return MIGRATIONS


SLICE = StorageSlice(name="lti_platform", migrations=Path(__file__).resolve().parent / "migrations",
                     open_sql=_open_sql, open_mongo=_open_mongo,
                     mongo_migrations=_mongo_migrations)


def stores(storage: Storage | None = None) -> LtiPlatformStores:
    """This slice's stores on `storage` (default: the running app's)."""
    return cast(LtiPlatformStores, (storage or current_storage()).slice(SLICE.name))
