"""Signing keys in MongoDB: the store both LTI roles use (each with its own collection),
private keys sealed at rest (hub.storage.key_encryption)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, MongoClient
from pymongo.client_session import ClientSession
from pymongo.database import Database

from hub.storage.key_encryption import KeyCipher
from hub.storage.mongo.common import (
    instant,
    lock,
    micros,
    reading,
    run_transaction,
    unique,
    writing,
)
from hub.storage.mongo.records import SigningKeyRecord, from_bson, to_bson
from hub.storage.mongo.sealed import reseal_secrets
from hub.storage.signing_keys import ToolKey


def create_signing_keys_indexes(database: Database[Any], collection: str) -> None:
    """The index steps of a signing-key collection (a migration step of each role)."""
    database[collection].create_index([("status", ASCENDING), ("activated_at", DESCENDING)],
                                      name="status_activated")


class MongoLtiKeyStore:
    def __init__(self, database: Database[Any], collection: str,
                 cipher: KeyCipher | None = None) -> None:
        self._client: MongoClient[Any] = database.client
        self._database = database
        self._collection = database[collection]
        self._cipher = cipher or KeyCipher()

    def insert_key(self, key: ToolKey) -> None:
        with unique(f"signing key {key.kid} exists"):
            self._collection.insert_one(_son(key, self._cipher), session=writing(self._client))

    def list_keys(self) -> list[ToolKey]:
        found = self._collection.find({}, sort=[("created_at", DESCENDING), ("_id", ASCENDING)],
                                      session=reading(self._client))
        return [_key(son, self._cipher) for son in found]

    def promote_key(self, kid: str, when: datetime) -> bool:
        def promote(session: ClientSession) -> bool:
            lock(session, self._database, self._collection.name)
            if self._collection.find_one({"_id": kid, "status": "next"}, {"_id": 1},
                                         session=session) is None:
                return False
            self._collection.update_many(
                {"status": "active"},
                {"$set": {"status": "retired", "retired_at": micros(when)}}, session=session)
            self._collection.update_one(
                {"_id": kid}, {"$set": {"status": "active", "activated_at": micros(when)}},
                session=session)
            return True

        return run_transaction(self._client, promote)

    def activate_first_key(self, key: ToolKey) -> ToolKey:
        # Workers racing to make the first key all take the collection's lock: the
        # later transaction is run again and finds the first one's key.
        def activate(session: ClientSession) -> ToolKey:
            lock(session, self._database, self._collection.name)
            son = self._collection.find_one({"status": "active"},
                                            sort=[("activated_at", DESCENDING)], session=session)
            if son is not None:
                return _key(son, self._cipher)
            self._collection.insert_one(_son(key, self._cipher), session=session)
            return key

        return run_transaction(self._client, activate)

    def reseal_private_keys(self) -> int:
        return reseal_secrets(self._collection, self._cipher, "private_pem")


def _son(key: ToolKey, cipher: KeyCipher) -> dict[str, Any]:
    return to_bson(SigningKeyRecord(
        kid=key.kid, private_pem=cipher.seal(key.private_pem), public_jwk=key.public_jwk,
        status=key.status, created_at=micros(key.created_at),
        activated_at=micros(key.activated_at), retired_at=micros(key.retired_at)))


def _key(son: dict[str, Any], cipher: KeyCipher) -> ToolKey:
    record = from_bson(SigningKeyRecord, son)
    return ToolKey(kid=record.kid, private_pem=cipher.open(record.private_pem),
                   public_jwk=dict(record.public_jwk), status=record.status,
                   created_at=instant(record.created_at),
                   activated_at=instant(record.activated_at),
                   retired_at=instant(record.retired_at))
