"""The worker's heartbeats and leases on MongoDB.

A lease is a document per unit, taken with one conditional update (free, expired, or
already ours): two workers racing for a unit cannot both win, in one process or many.
Inside a writing unit of work `confirm` writes the lease document (a conditional
update), so until that unit ends a concurrent `acquire` waits for it (outside a
transaction) or is aborted as a write conflict (inside one): the unit cannot change
hands between a step's check and its commit, as with the SQL engines' FOR UPDATE.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING, MongoClient
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from connectors.storage.contract import UnitStatus, WorkerRecord
from connectors.storage.mongo.records import LeaseRecord, WorkerRecordDocument
from hub.storage.mongo.common import instant, micros, reading, writing
from hub.storage.mongo.records import from_bson, to_bson

ERROR_LIMIT = 2000  # characters of a step's last error kept


class MongoWorkerStore:
    def __init__(self, database: Database[Any]) -> None:
        self._client: MongoClient[Any] = database.client
        self._workers = database[WorkerRecordDocument._meta["collection"]]
        self._leases = database[LeaseRecord._meta["collection"]]

    def beat(self, worker: WorkerRecord) -> None:
        fresh = to_bson(WorkerRecordDocument(
            id=worker.id, host=worker.host, pid=worker.pid,
            started_at=micros(worker.started_at), heartbeat_at=micros(worker.heartbeat_at)))
        del fresh["heartbeat_at"]  # $set below, on insert and update alike
        self._workers.update_one(
            {"_id": worker.id},
            {"$set": {"heartbeat_at": micros(worker.heartbeat_at)},
             "$setOnInsert": {k: v for k, v in fresh.items() if k != "_id"}},
            upsert=True, session=writing(self._client))

    def stop_worker(self, worker_id: str, when: datetime) -> None:
        self._workers.update_one(
            {"_id": worker_id},
            {"$set": {"stopped_at": micros(when), "heartbeat_at": micros(when)}},
            session=writing(self._client))

    def workers(self, *, alive_since: datetime | None = None) -> list[WorkerRecord]:
        query: dict[str, Any] = {"stopped_at": None}
        if alive_since is not None:
            query["heartbeat_at"] = {"$gt": micros(alive_since)}
        found = self._workers.find(query, sort=[("started_at", ASCENDING), ("_id", ASCENDING)],
                                   session=reading(self._client))
        return [_worker(son) for son in found]

    def acquire(self, name: str, loop: str, holder: str, now: datetime,
                expires_at: datetime) -> bool:
        session = writing(self._client)
        fresh = to_bson(LeaseRecord(name=name, loop=loop))
        try:
            self._leases.update_one({"_id": name}, {"$setOnInsert": {
                k: v for k, v in fresh.items() if k != "_id"}}, upsert=True, session=session)
        except DuplicateKeyError:
            # Two first acquires raced to create the document: it exists now.  In a
            # transaction the error has aborted it: only the whole unit can run again.
            if session is not None:
                raise
        taken = self._leases.update_one(
            {"_id": name, "$or": [{"holder": None}, {"holder": holder},
                                  {"expires_at": {"$lte": micros(now)}}]},
            {"$set": {"holder": holder, "expires_at": micros(expires_at)}}, session=session)
        return taken.matched_count == 1

    def release(self, name: str, holder: str, now: datetime) -> None:
        self._leases.update_one({"_id": name, "holder": holder},
                                {"$set": {"holder": None, "expires_at": None}},
                                session=writing(self._client))

    def confirm(self, name: str, holder: str, now: datetime) -> bool:
        held = {"_id": name, "holder": holder, "expires_at": {"$gt": micros(now)}}
        session = writing(self._client)
        if session is None:  # no unit of work to keep it locked in: a plain check
            return self._leases.find_one(held, {"_id": 1}) is not None
        return self._leases.update_one(held, {"$inc": {"confirmations": 1}},
                                       session=session).matched_count == 1

    def record_step(self, name: str, holder: str, now: datetime, expires_at: datetime, *,
                    processed: int, behind: int, oldest_seconds: float | None,
                    error: str | None) -> bool:
        values: dict[str, Any] = {"expires_at": micros(expires_at), "last_step_at": micros(now),
                                  "behind": behind, "oldest_seconds": oldest_seconds}
        if error is not None:
            values.update(last_error=error[:ERROR_LIMIT], last_error_at=micros(now))
        done = self._leases.update_one({"_id": name, "holder": holder},
                                       {"$set": values, "$inc": {"processed": processed}},
                                       session=writing(self._client))
        return done.matched_count == 1

    def held_by(self, holder: str, now: datetime) -> list[str]:
        found = self._leases.find({"holder": holder, "expires_at": {"$gt": micros(now)}},
                                  {"_id": 1}, sort=[("_id", ASCENDING)],
                                  session=reading(self._client))
        return [son["_id"] for son in found]

    def units(self) -> list[UnitStatus]:
        found = self._leases.find({}, sort=[("_id", ASCENDING)], session=reading(self._client))
        return [_unit(son) for son in found]


def _worker(son: dict[str, Any]) -> WorkerRecord:
    record = from_bson(WorkerRecordDocument, son)
    return WorkerRecord(id=record.id, host=record.host, pid=record.pid,
                        started_at=instant(record.started_at),
                        heartbeat_at=instant(record.heartbeat_at),
                        stopped_at=instant(record.stopped_at))


def _unit(son: dict[str, Any]) -> UnitStatus:
    record = from_bson(LeaseRecord, son)
    return UnitStatus(name=record.name, loop=record.loop, holder=record.holder,
                      expires_at=instant(record.expires_at),
                      last_step_at=instant(record.last_step_at), processed=record.processed,
                      behind=record.behind, oldest_seconds=record.oldest_seconds,
                      last_error=record.last_error, last_error_at=instant(record.last_error_at))
