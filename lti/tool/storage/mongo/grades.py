"""MongoDB store for durable AGS grade-passback jobs and the feed cursor behind them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, MongoClient, ReturnDocument
from pymongo.client_session import ClientSession
from pymongo.database import Database

from hub.storage.mongo.common import (
    allocate,
    instant,
    micros,
    reading,
    run_transaction,
    writing,
)
from hub.storage.mongo.records import from_bson, to_bson
from lti.tool.storage.contract import GradeJob
from lti.tool.storage.mongo.records import CursorRecord, GradeJobRecord

JOBS = GradeJobRecord._meta["collection"]
_JOB_KEY = ("statement_id", "platform_id", "resource_link_id", "sub")


class MongoLtiGradeStore:
    def __init__(self, database: Database[Any]) -> None:
        self._client: MongoClient[Any] = database.client
        self._database = database
        self._jobs = database[JOBS]
        self._cursors = database[CursorRecord._meta["collection"]]

    def enqueue_jobs(self, new_jobs: Sequence[GradeJob]) -> int:
        if not new_jobs:
            return 0
        first_id = allocate(self._database, JOBS, len(new_jobs))  # a skipped job skips its id
        sons = [to_bson(_record(job, first_id + n)) for n, job in enumerate(new_jobs)]

        def enqueue(session: ClientSession) -> int:
            # An upsert on the unique key, not an insert: a duplicate key would abort the
            # whole transaction, and a stored job is skipped, as ON CONFLICT DO NOTHING.
            inserted = 0
            for son in sons:
                result = self._jobs.update_one({name: son[name] for name in _JOB_KEY},
                                               {"$setOnInsert": son}, upsert=True,
                                               session=session)
                inserted += result.upserted_id is not None
            return inserted

        return run_transaction(self._client, enqueue)

    def claim_due_jobs(self, now: datetime, lease_until: datetime, limit: int
                       ) -> list[GradeJob]:
        if limit <= 0:  # pymongo reads a limit of 0 as none
            return []
        due = {"status": "pending", "next_attempt_at": {"$lte": micros(now)},
               "$or": [{"lease_until": None}, {"lease_until": {"$lt": micros(now)}}]}
        candidates = [son["_id"] for son in self._jobs.find(
            due, {"_id": 1}, sort=[("next_attempt_at", ASCENDING), ("_id", ASCENDING)],
            limit=limit, session=reading(self._client))]
        claimed = []
        for job_id in candidates:
            # A conditional update is the lease: of two workers only one changes the job.
            son = self._jobs.find_one_and_update(
                {"_id": job_id, **due},
                {"$set": {"lease_until": micros(lease_until)}, "$inc": {"attempts": 1}},
                return_document=ReturnDocument.AFTER, session=writing(self._client))
            if son is not None:
                claimed.append(_job(son))
        return claimed

    def complete_job(self, job_id: int, when: datetime) -> None:
        self._jobs.update_one({"_id": job_id}, {"$set": {
            "status": "done", "done_at": micros(when), "lease_until": None,
            "last_error": None}}, session=writing(self._client))

    def retry_job(self, job_id: int, error: str, next_attempt_at: datetime | None) -> None:
        values: dict[str, Any] = ({"status": "failed"} if next_attempt_at is None
                                  else {"next_attempt_at": micros(next_attempt_at)})
        self._jobs.update_one({"_id": job_id}, {"$set": {
            "last_error": error[:2000], "lease_until": None, **values}},
            session=writing(self._client))

    def list_jobs(self, status: str | None = None) -> list[GradeJob]:
        found = self._jobs.find({} if status is None else {"status": status},
                                sort=[("_id", ASCENDING)], session=reading(self._client))
        return [_job(son) for son in found]

    def latest_results(self, platform_id: int, resource_link_ids: Iterable[str],
                       sub: str | None = None) -> list[GradeJob]:
        link_ids = list(resource_link_ids)
        if not link_ids:
            return []
        match: dict[str, Any] = {"platform_id": platform_id,
                                 "resource_link_id": {"$in": link_ids}}
        if sub is not None:
            match["sub"] = sub
        session = reading(self._client)
        newest = [row["newest"] for row in self._jobs.aggregate([
            {"$match": match},
            {"$group": {"_id": {"link": "$resource_link_id", "sub": "$sub"},
                        "newest": {"$max": "$_id"}}}], session=session)]
        if not newest:
            return []
        found = self._jobs.find({"_id": {"$in": newest}},
                                sort=[("resource_link_id", ASCENDING), ("sub", ASCENDING)],
                                session=session)
        return [_job(son) for son in found]

    def get_cursor(self, name: str) -> int:
        son = self._cursors.find_one({"_id": name}, session=reading(self._client))
        return int(son["seq"]) if son else 0

    def set_cursor(self, name: str, seq: int) -> None:
        record = CursorRecord(name=name, seq=seq)
        self._cursors.replace_one({"_id": name}, to_bson(record), upsert=True,
                                  session=writing(self._client))


def _record(job: GradeJob, job_id: int) -> GradeJobRecord:
    return GradeJobRecord(
        id=job_id, platform_id=job.platform_id, resource_link_id=job.resource_link_id,
        sub=job.sub, statement_id=job.statement_id, score_given=job.score_given,
        score_maximum=job.score_maximum, activity_progress=job.activity_progress,
        grading_progress=job.grading_progress, timestamp=job.timestamp, status=job.status,
        attempts=job.attempts, next_attempt_at=micros(job.next_attempt_at), lease_until=None,
        last_error=None, created_at=micros(job.created_at), done_at=None)


def _job(son: dict[str, Any]) -> GradeJob:
    record = from_bson(GradeJobRecord, son)
    return GradeJob(
        id=record.id, platform_id=record.platform_id, resource_link_id=record.resource_link_id,
        sub=record.sub, statement_id=record.statement_id, score_given=record.score_given,
        score_maximum=record.score_maximum, activity_progress=record.activity_progress,
        grading_progress=record.grading_progress, timestamp=record.timestamp,
        status=record.status, attempts=record.attempts,
        next_attempt_at=instant(record.next_attempt_at), last_error=record.last_error,
        created_at=instant(record.created_at), done_at=instant(record.done_at))
