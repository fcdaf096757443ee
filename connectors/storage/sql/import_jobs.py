"""Import jobs on SQLite and PostgreSQL (table `connector_imports`, migration
connectors_imports_0001)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Row, select, update

from connectors.storage.import_jobs import ImportJob, ImportProgress
from connectors.storage.sql.tables import connector_imports
from hub.storage.sql.common import aware, connection, transaction, utc

_UNFINISHED = ("pending", "running")
_WITHOUT_CONTENT = [c for c in connector_imports.c if c.name != "content"]


def _progress_values(progress: ImportProgress) -> dict[str, Any]:
    return {"rows_total": progress.rows_total, "rows_done": progress.rows_done,
            "stored": progress.stored, "present": progress.present,
            "conflicts": progress.conflicts, "refused": progress.refused,
            "errors": list(progress.errors), "errors_total": progress.errors_total}


def _job(row: Row[Any], content: bytes | None = None) -> ImportJob:
    m = row._mapping
    return ImportJob(
        id=m["id"], status=m["status"], credential_key=m["credential_key"],
        requested_by=m["requested_by"], file_name=m["file_name"], mapping=m["mapping"],
        progress=ImportProgress(
            rows_total=m["rows_total"], rows_done=m["rows_done"], stored=m["stored"],
            present=m["present"], conflicts=m["conflicts"], refused=m["refused"],
            errors=tuple(m["errors"]), errors_total=m["errors_total"]),
        created_at=aware(m["created_at"]), updated_at=aware(m["updated_at"]),
        finished_at=aware(m["finished_at"]), message=m["message"], content=content)


class SqlImportJobStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def insert_import(self, job: ImportJob) -> None:
        with transaction(self._engine) as conn:
            conn.execute(connector_imports.insert(), {
                "id": job.id, "status": job.status, "credential_key": job.credential_key,
                "requested_by": job.requested_by, "file_name": job.file_name,
                "content": job.content or b"", "mapping": job.mapping,
                **_progress_values(job.progress), "message": job.message,
                "created_at": utc(job.created_at), "updated_at": utc(job.updated_at),
                "finished_at": utc(job.finished_at)})

    def get_import(self, import_id: str) -> ImportJob | None:
        with connection(self._engine) as conn:
            row = conn.execute(select(*_WITHOUT_CONTENT)
                               .where(connector_imports.c.id == import_id)).first()
        return _job(row) if row is not None else None

    def next_import(self) -> ImportJob | None:
        c = connector_imports.c
        with connection(self._engine) as conn:
            row = conn.execute(select(connector_imports).where(c.status.in_(_UNFINISHED))
                               .order_by(c.created_at, c.id).limit(1)).first()
        return _job(row, row._mapping["content"]) if row is not None else None

    def record_progress(self, import_id: str, *, rows_done_before: int,
                        progress: ImportProgress, status: str, when: datetime,
                        message: str | None = None) -> bool:
        c = connector_imports.c
        finished = utc(when) if status in ("done", "failed") else None
        with transaction(self._engine) as conn:
            moved = conn.execute(
                update(connector_imports)
                .where(c.id == import_id, c.rows_done == rows_done_before,
                       c.status.in_(_UNFINISHED))
                .values(status=status, message=message, updated_at=utc(when),
                        finished_at=finished, **_progress_values(progress)))
        return moved.rowcount == 1
