"""Import jobs on MongoDB (collection `connector_imports`): the file as bytes, the
mapping and the first errors as JSON text (their keys come from the uploaded file)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING, MongoClient
from pymongo.database import Database

from connectors.storage.import_jobs import ImportJob, ImportProgress
from connectors.storage.mongo.records import ImportRecord
from hub.storage import json_codec
from hub.storage.mongo.common import instant, micros, reading, unique, writing
from hub.storage.mongo.records import from_bson, to_bson

_UNFINISHED = ["pending", "running"]


class MongoImportJobStore:
    def __init__(self, database: Database[Any]) -> None:
        self._client: MongoClient[Any] = database.client
        self._imports = database[ImportRecord._meta["collection"]]

    def insert_import(self, job: ImportJob) -> None:
        record = ImportRecord(
            id=job.id, status=job.status, credential_key=job.credential_key,
            requested_by=job.requested_by, file_name=job.file_name,
            content=job.content or b"", mapping=json_codec.dumps(job.mapping),
            **_progress_values(job.progress), message=job.message,
            created_at=micros(job.created_at), updated_at=micros(job.updated_at),
            finished_at=micros(job.finished_at))
        with unique(f"import {job.id} exists"):
            self._imports.insert_one(to_bson(record), session=writing(self._client))

    def get_import(self, import_id: str) -> ImportJob | None:
        son = self._imports.find_one({"_id": import_id}, {"content": 0},
                                     session=reading(self._client))
        return _job(son) if son is not None else None

    def next_import(self) -> ImportJob | None:
        son = self._imports.find_one({"status": {"$in": _UNFINISHED}},
                                     sort=[("created_at", ASCENDING), ("_id", ASCENDING)],
                                     session=reading(self._client))
        return _job(son, with_content=True) if son is not None else None

    def record_progress(self, import_id: str, *, rows_done_before: int,
                        progress: ImportProgress, status: str, when: datetime,
                        message: str | None = None) -> bool:
        finished = micros(when) if status in ("done", "failed") else None
        moved = self._imports.update_one(
            {"_id": import_id, "rows_done": rows_done_before, "status": {"$in": _UNFINISHED}},
            {"$set": {"status": status, "message": message, "updated_at": micros(when),
                      "finished_at": finished, **_progress_values(progress)}},
            session=writing(self._client))
        return moved.matched_count == 1


def _progress_values(progress: ImportProgress) -> dict[str, Any]:
    return {"rows_total": progress.rows_total, "rows_done": progress.rows_done,
            "stored": progress.stored, "present": progress.present,
            "conflicts": progress.conflicts, "refused": progress.refused,
            "errors": json_codec.dumps(list(progress.errors)),
            "errors_total": progress.errors_total}


def _job(son: dict[str, Any], *, with_content: bool = False) -> ImportJob:
    record = from_bson(ImportRecord, son)
    return ImportJob(
        id=record.id, status=record.status, credential_key=record.credential_key,
        requested_by=record.requested_by, file_name=record.file_name,
        mapping=json_codec.loads(record.mapping),
        progress=ImportProgress(
            rows_total=record.rows_total, rows_done=record.rows_done, stored=record.stored,
            present=record.present, conflicts=record.conflicts, refused=record.refused,
            errors=tuple(json_codec.loads(record.errors)), errors_total=record.errors_total),
        created_at=instant(record.created_at), updated_at=instant(record.updated_at),
        finished_at=instant(record.finished_at), message=record.message,
        content=bytes(record.content) if with_content else None)
