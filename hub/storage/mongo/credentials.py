from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import MongoClient
from pymongo.database import Database

from hub.storage.contract import Credential
from hub.storage.mongo.common import instant, micros, reading, unique, writing
from hub.storage.mongo.records import CredentialRecord, from_bson, to_bson


class MongoCredentialStore:
    def __init__(self, database: Database[Any]) -> None:
        self._client: MongoClient[Any] = database.client
        self._collection = database[CredentialRecord._meta["collection"]]

    def insert_credential(self, credential: Credential) -> None:
        record = CredentialRecord(
            key=credential.key, secret_digest=credential.secret_digest, name=credential.name,
            owner=credential.owner, authority=credential.authority,
            scopes=sorted(credential.scopes), created_at=micros(credential.created_at),
            revoked_at=micros(credential.revoked_at))
        with unique(f"credential {credential.key} exists"):
            self._collection.insert_one(to_bson(record), session=writing(self._client))

    def find_credential(self, key: str) -> Credential | None:
        son = self._collection.find_one({"_id": key}, session=reading(self._client))
        return _credential(son) if son else None

    def list_credentials(self) -> list[Credential]:
        found = self._collection.find({}, sort=[("created_at", 1), ("_id", 1)],
                                      session=reading(self._client))
        return [_credential(son) for son in found]

    def revoke_credential(self, key: str, when: datetime) -> bool:
        result = self._collection.update_one({"_id": key, "revoked_at": None},
                                             {"$set": {"revoked_at": micros(when)}},
                                             session=writing(self._client))
        return result.modified_count == 1


def _credential(son: dict[str, Any]) -> Credential:
    record = from_bson(CredentialRecord, son)
    return Credential(key=record.key, secret_digest=record.secret_digest, name=record.name,
                      owner=record.owner, authority=dict(record.authority),
                      scopes=frozenset(record.scopes), created_at=instant(record.created_at),
                      revoked_at=instant(record.revoked_at))
