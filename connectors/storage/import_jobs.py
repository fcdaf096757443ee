"""Import jobs (issue 15.4): files uploaded through the admin API, imported by the worker.

Records and the store protocol of the connectors slice for imports; the SQL store is in
`connectors/storage/sql/import_jobs.py`, the table in migration `connectors_imports_0001`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

IMPORT_STATUSES = ("pending", "running", "done", "failed")


@dataclass(frozen=True)
class ImportProgress:
    """The counters of an import, as far as it has gone."""

    rows_total: int | None = None  # unknown until the worker has read the file
    rows_done: int = 0
    stored: int = 0
    present: int = 0
    conflicts: int = 0
    refused: int = 0
    errors: tuple[dict[str, Any], ...] = ()  # {"line", "column", "message"}, the first few
    errors_total: int = 0


@dataclass(frozen=True)
class ImportJob:
    id: str
    status: str  # one of IMPORT_STATUSES
    credential_key: str  # the importing credential: its authority signs the statements
    requested_by: str  # the admin credential that uploaded the file
    file_name: str
    mapping: dict[str, Any]  # the mapping as received (connectors.imports.mapping)
    progress: ImportProgress
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None = None
    message: str | None = None  # why a failed import stopped
    content: bytes | None = None  # the file; only read by `next_import`


class ImportJobStore(Protocol):
    def insert_import(self, job: ImportJob) -> None:
        """Store a new job, with its content."""

    def get_import(self, import_id: str) -> ImportJob | None:
        """The job without its content."""

    def next_import(self) -> ImportJob | None:
        """The oldest job still pending or running, with its content."""

    def record_progress(self, import_id: str, *, rows_done_before: int,
                        progress: ImportProgress, status: str, when: datetime,
                        message: str | None = None) -> bool:
        """Move a job on, only if it is where the caller found it (`rows_done_before`
        rows done, not finished): False when another worker moved it meanwhile."""
