"""The LTI tool slice on SQL (SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import dataclass

from hub.storage.contract import SqlHandle
from hub.storage.sql.signing_keys import SqlLtiKeyStore
from lti.tool.storage.sql.grades import SqlLtiGradeStore
from lti.tool.storage.sql.registry import SqlLtiPlatformStore, SqlLtiSessionStore
from lti.tool.storage.sql.roster import SqlLtiCatalogueStore, SqlLtiRosterStore
from lti.tool.storage.sql.tables import lti_keys


@dataclass(frozen=True)
class SqlLtiToolStores:
    lti_keys: SqlLtiKeyStore
    lti_platforms: SqlLtiPlatformStore
    lti_sessions: SqlLtiSessionStore
    lti_roster: SqlLtiRosterStore
    lti_catalogue: SqlLtiCatalogueStore
    lti_grades: SqlLtiGradeStore

    def reseal_private_keys(self) -> dict[str, int]:
        return {"lti_keys": self.lti_keys.reseal_private_keys()}


def open_sql(handle: SqlHandle) -> SqlLtiToolStores:
    engine = handle.engine
    return SqlLtiToolStores(lti_keys=SqlLtiKeyStore(engine, lti_keys, handle.cipher),
                            lti_platforms=SqlLtiPlatformStore(engine),
                            lti_sessions=SqlLtiSessionStore(engine),
                            lti_roster=SqlLtiRosterStore(engine),
                            lti_catalogue=SqlLtiCatalogueStore(engine),
                            lti_grades=SqlLtiGradeStore(engine))
