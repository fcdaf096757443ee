"""The LTI platform slice on SQL (SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import dataclass

from hub.storage.contract import SqlHandle
from hub.storage.sql.signing_keys import SqlLtiKeyStore
from lti.platform.storage.sql.stores import (
    SqlLtiPlatformGradebookStore,
    SqlLtiPlatformRosterStore,
    SqlLtiPlatformToolStore,
)
from lti.platform.storage.sql.tables import lti_platform_keys


@dataclass(frozen=True)
class SqlLtiPlatformStores:
    lti_platform_keys: SqlLtiKeyStore
    lti_platform_tools: SqlLtiPlatformToolStore
    lti_platform_roster: SqlLtiPlatformRosterStore
    lti_platform_gradebook: SqlLtiPlatformGradebookStore

    def reseal_private_keys(self) -> dict[str, int]:
        return {"lti_platform_keys": self.lti_platform_keys.reseal_private_keys()}


def open_sql(handle: SqlHandle) -> SqlLtiPlatformStores:
    engine = handle.engine
    return SqlLtiPlatformStores(
        lti_platform_keys=SqlLtiKeyStore(engine, lti_platform_keys, handle.cipher),
        lti_platform_tools=SqlLtiPlatformToolStore(engine),
        lti_platform_roster=SqlLtiPlatformRosterStore(engine),
        lti_platform_gradebook=SqlLtiPlatformGradebookStore(engine))
