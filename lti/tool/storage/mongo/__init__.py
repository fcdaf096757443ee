"""The LTI tool slice on MongoDB."""

from __future__ import annotations

from dataclasses import dataclass

from hub.storage.contract import MongoHandle
from hub.storage.mongo.signing_keys import MongoLtiKeyStore
from lti.tool.storage.mongo.grades import MongoLtiGradeStore
from lti.tool.storage.mongo.migrations import MIGRATIONS
from lti.tool.storage.mongo.records import KEYS
from lti.tool.storage.mongo.registry import MongoLtiPlatformStore, MongoLtiSessionStore
from lti.tool.storage.mongo.roster import MongoLtiCatalogueStore, MongoLtiRosterStore

__all__ = ["MIGRATIONS", "MongoLtiToolStores", "open_mongo"]


@dataclass(frozen=True)
class MongoLtiToolStores:
    lti_keys: MongoLtiKeyStore
    lti_platforms: MongoLtiPlatformStore
    lti_sessions: MongoLtiSessionStore
    lti_roster: MongoLtiRosterStore
    lti_catalogue: MongoLtiCatalogueStore
    lti_grades: MongoLtiGradeStore

    def reseal_private_keys(self) -> dict[str, int]:
        return {"lti_keys": self.lti_keys.reseal_private_keys()}


def open_mongo(handle: MongoHandle) -> MongoLtiToolStores:
    database = handle.database
    return MongoLtiToolStores(lti_keys=MongoLtiKeyStore(database, KEYS, handle.cipher),
                              lti_platforms=MongoLtiPlatformStore(database),
                              lti_sessions=MongoLtiSessionStore(database),
                              lti_roster=MongoLtiRosterStore(database),
                              lti_catalogue=MongoLtiCatalogueStore(database),
                              lti_grades=MongoLtiGradeStore(database))
