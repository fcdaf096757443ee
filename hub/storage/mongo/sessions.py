from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import MongoClient
from pymongo.database import Database

from hub.storage.contract import SignInSession
from hub.storage.mongo.common import instant, micros, reading, unique, writing
from hub.storage.mongo.records import SignInSessionRecord, from_bson, to_bson


class MongoSessionStore:
    def __init__(self, database: Database[Any]) -> None:
        self._client: MongoClient[Any] = database.client
        self._collection = database[SignInSessionRecord._meta["collection"]]

    def insert_session(self, session: SignInSession) -> None:
        record = SignInSessionRecord(
            id_digest=session.id_digest, kind=session.kind,
            credential_key=session.credential_key, started_at=micros(session.started_at),
            last_seen_at=micros(session.last_seen_at), expires_at=micros(session.expires_at),
            ended_at=micros(session.ended_at), end_reason=session.end_reason)
        with unique("the session exists"):
            self._collection.insert_one(to_bson(record), session=writing(self._client))

    def find_session(self, id_digest: str) -> SignInSession | None:
        son = self._collection.find_one({"_id": id_digest}, session=reading(self._client))
        return _session(son) if son else None

    def touch_session(self, id_digest: str, seen_at: datetime) -> None:
        seen = micros(seen_at)
        self._collection.update_one(
            {"_id": id_digest, "ended_at": None, "last_seen_at": {"$lt": seen}},
            {"$set": {"last_seen_at": seen}}, session=writing(self._client))

    def end_session(self, id_digest: str, when: datetime, reason: str) -> bool:
        result = self._collection.update_one(
            {"_id": id_digest, "ended_at": None},
            {"$set": {"ended_at": micros(when), "end_reason": reason}},
            session=writing(self._client))
        return result.modified_count == 1

    def end_sessions_of(self, credential_key: str, when: datetime, reason: str) -> int:
        result = self._collection.update_many(
            {"credential_key": credential_key, "ended_at": None},
            {"$set": {"ended_at": micros(when), "end_reason": reason}},
            session=writing(self._client))
        return result.modified_count

    def purge_sessions(self, before: datetime) -> int:
        cutoff = micros(before)
        result = self._collection.delete_many(
            {"$or": [{"ended_at": {"$ne": None, "$lt": cutoff}},
                     {"expires_at": {"$lt": cutoff}}, {"last_seen_at": {"$lt": cutoff}}]},
            session=writing(self._client))
        return result.deleted_count


def _session(son: dict[str, Any]) -> SignInSession:
    record = from_bson(SignInSessionRecord, son)
    return SignInSession(
        id_digest=record.id_digest, kind=record.kind, credential_key=record.credential_key,
        started_at=instant(record.started_at), last_seen_at=instant(record.last_seen_at),
        expires_at=instant(record.expires_at), ended_at=instant(record.ended_at),
        end_reason=record.end_reason)
