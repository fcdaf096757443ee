"""Re-encrypting sealed secrets of a collection under the first key-encryption key (the
MongoDB twin of hub.storage.sql.sealed_keys): signing keys' private PEMs, partners' and
webhooks' secrets."""

from __future__ import annotations

from typing import Any

from pymongo.client_session import ClientSession
from pymongo.collection import Collection

from hub.storage.key_encryption import KeyCipher
from hub.storage.mongo.common import run_transaction


def reseal_secrets(collection: Collection[Any], cipher: KeyCipher, field: str) -> int:
    """Seal every secret in `field` of `collection` that is plain or sealed under an
    older key, in one transaction; how many changed."""
    def reseal(session: ClientSession) -> int:
        changed = 0
        for son in collection.find({}, {field: 1}, sort=[("_id", 1)], session=session):
            resealed = cipher.reseal(son[field])
            if resealed is not None:
                collection.update_one({"_id": son["_id"]}, {"$set": {field: resealed}},
                                      session=session)
                changed += 1
        return changed

    return run_transaction(collection.database.client, reseal)
