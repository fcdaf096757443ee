"""The LTI platform slice on MongoDB."""

from __future__ import annotations

from dataclasses import dataclass

from hub.storage.contract import MongoHandle
from hub.storage.mongo.signing_keys import MongoLtiKeyStore
from lti.platform.storage.mongo.migrations import MIGRATIONS
from lti.platform.storage.mongo.records import KEYS
from lti.platform.storage.mongo.stores import (
    MongoLtiPlatformGradebookStore,
    MongoLtiPlatformRosterStore,
    MongoLtiPlatformToolStore,
)

__all__ = ["MIGRATIONS", "MongoLtiPlatformStores", "open_mongo"]


@dataclass(frozen=True)
class MongoLtiPlatformStores:
    lti_platform_keys: MongoLtiKeyStore
    lti_platform_tools: MongoLtiPlatformToolStore
    lti_platform_roster: MongoLtiPlatformRosterStore
    lti_platform_gradebook: MongoLtiPlatformGradebookStore

    def reseal_private_keys(self) -> dict[str, int]:
        return {"lti_platform_keys": self.lti_platform_keys.reseal_private_keys()}


def open_mongo(handle: MongoHandle) -> MongoLtiPlatformStores:
    database = handle.database
    return MongoLtiPlatformStores(
        lti_platform_keys=MongoLtiKeyStore(database, KEYS, handle.cipher),
        lti_platform_tools=MongoLtiPlatformToolStore(database),
        lti_platform_roster=MongoLtiPlatformRosterStore(database),
        lti_platform_gradebook=MongoLtiPlatformGradebookStore(database))
