"""Import operations: checking a file and mapping before anything runs, imports run at
once (the CLI) or as jobs the worker takes on (the admin API, `run_pending_imports`).

A job goes pending → running → done (or failed, with the reason).  The worker moves it
on batch by batch; each batch's counters are saved only if the job is where this worker
found it, so two workers that happened to take one job never count a batch twice (the
statements themselves have fixed ids and are stored once whatever happens).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from connectors.imports.mapping import ImportMapping, parse_mapping
from connectors.imports.rows import MappingError, plan_columns
from connectors.imports.run import BATCH_SIZE, Importer, ImportReport, Stored
from connectors.imports.table import Table, TableError
from connectors.storage import stores as connector_stores
from connectors.storage.import_jobs import ImportJob, ImportProgress
from hub.errors import BadRequest, HubError
from hub.loops import Lease, Loop
from hub.storage import current_storage
from lrs import service as lrs_service
from transcripts import service as transcripts_service

log = logging.getLogger(__name__)

MAX_LISTED_ERRORS = 1000  # errors kept with a job; the count goes on
STEP_ROWS = 5000  # rows one call of run_pending_imports goes through at most


def prepare_import(data: bytes, mapping: ImportMapping, credential_key: str) -> Importer:
    """Everything that can be wrong with the whole import, checked before any row:
    BadRequest naming `credential`, `mapping` (with the pointer) or `file`."""
    try:
        credential = lrs_service.writing_credential(credential_key)
    except lrs_service.CredentialRefused as error:
        raise BadRequest(str(error), parameter="credential") from None
    if "competency" in mapping.mapped() and \
            not transcripts_service.competency_claims_believed(credential.authority):
        # As a verb that does not count: refused before a row, not found out in transcripts
        raise BadRequest(f"credential {credential_key!r} may not claim competencies, so "
                         "transcripts would not count the competency column; import as a "
                         "credential with scope competency/claim, or leave the column out",
                         parameter="credential", pointer="/columns/competency")
    counted = transcripts_service.counted_verbs()
    if mapping.constants.verb not in counted:
        raise BadRequest(f"verb {mapping.constants.verb} does not count for transcripts; use "
                         f"one of {', '.join(sorted(counted))} (HUB_TRANSCRIPT_VERBS)",
                         parameter="mapping", pointer="/constants/verb")
    try:
        table = Table(data, sheet=mapping.sheet)
    except TableError as error:
        raise BadRequest(str(error), parameter="file") from None
    try:
        plan_columns(table.header, mapping)
    except MappingError as error:
        raise BadRequest(str(error), parameter="mapping", pointer=error.pointer) from None
    return Importer(table=table, mapping=mapping, credential_key=credential_key,
                    actor_for=transcripts_service.nip_actors(),
                    jp_extension=transcripts_service.JP_EXTENSION)


def storing(credential_key: str, *, dry_run: bool = False,
            ) -> Callable[[list[dict[str, Any]]], Stored]:
    """The LRS as the importing credential (a dry run stores nothing)."""
    return lambda statements: lrs_service.store_as(credential_key, statements,
                                                   dry_run=dry_run)


def submit_import(data: bytes, file_name: str, mapping_data: Any, credential_key: str,
                  requested_by: str, now: datetime | None = None) -> ImportJob:
    """A pending job for the worker, once the file, mapping and credential are checked."""
    mapping = parse_mapping(mapping_data)
    prepare_import(data, mapping, credential_key)
    now = now or datetime.now(UTC)
    job = ImportJob(id=str(uuid.uuid4()), status="pending", credential_key=credential_key,
                    requested_by=requested_by, file_name=file_name[:255] or "upload",
                    mapping=mapping.model_dump(exclude_defaults=True),
                    progress=ImportProgress(), created_at=now, updated_at=now,
                    content=data)
    connector_stores().imports.insert_import(job)
    return job


def get_import(import_id: str) -> ImportJob | None:
    return connector_stores().imports.get_import(import_id)


class _Superseded(Exception):
    """Another worker moved the job on: this one stops without counting."""


def run_pending_imports(limit: int = STEP_ROWS, *, batch_size: int = BATCH_SIZE,
                        lease: Lease | None = None) -> int:
    """One step of the worker's imports loop: up to `limit` rows of the oldest unfinished
    jobs, saving progress after every batch (after `lease.confirm()`, in the same unit
    of work, when a lease is given).  Returns the rows gone through (0: idle)."""
    done = 0
    while done < limit:
        job = connector_stores().imports.next_import()
        if job is None:
            break
        gone_through = _run_job(job, limit - done, batch_size, lease)
        if gone_through is None:  # another worker has it: leave the step to it
            break
        done += max(gone_through, 1)  # a job that failed at once still was work
    return done


def imports_loop() -> Loop:
    """The worker's loop of uploaded imports (one unit: jobs run oldest first)."""
    return Loop(name="imports", step=lambda unit, lease: run_pending_imports(lease=lease),
                idle_seconds=2.0)


def _run_job(job: ImportJob, limit: int, batch_size: int, lease: Lease | None,
             ) -> int | None:
    """Rows gone through; None when another worker moved the job on meanwhile."""
    try:
        importer = prepare_import(job.content or b"", parse_mapping(job.mapping),
                                  job.credential_key)
    except HubError as error:  # the credential was revoked since, say
        log.warning("import %s failed: %s", job.id, error.message)
        try:
            _save(job.id, job.progress.rows_done, job.progress, "failed", lease,
                  message=error.message)
        except _Superseded:
            return None
        return 0
    before = job.progress
    total = before.rows_total if before.rows_total is not None \
        else importer.table.count_rows()
    state = {"progress": replace(before, rows_total=total)}

    def progress(report: ImportReport) -> None:
        merged = _merged(before, report)
        _save(job.id, state["progress"].rows_done, merged,
              "done" if report.finished else "running", lease)
        state["progress"] = merged

    try:
        if before.rows_total is None or job.status == "pending":
            _save(job.id, before.rows_done, state["progress"], "running", lease)
        report = importer.run(storing(job.credential_key), start=before.rows_done,
                              limit=limit, batch_size=batch_size, rows_total=total,
                              max_errors=MAX_LISTED_ERRORS - len(before.errors),
                              progress=progress)
        if report.finished and report.rows_done == before.rows_done:
            _save(job.id, before.rows_done, state["progress"], "done", lease)  # nothing left
    except _Superseded:
        return None
    return report.rows_done - before.rows_done


def _merged(before: ImportProgress, report: ImportReport) -> ImportProgress:
    return ImportProgress(
        rows_total=report.rows_total, rows_done=report.rows_done,
        stored=before.stored + report.stored, present=before.present + report.present,
        conflicts=before.conflicts + report.conflicts, refused=before.refused + report.refused,
        errors=before.errors + tuple(e.as_json() for e in report.errors),
        errors_total=before.errors_total + report.errors_total)


def _save(import_id: str, rows_done_before: int, progress: ImportProgress, status: str,
          lease: Lease | None, *, message: str | None = None) -> None:
    with current_storage().begin(write=True):
        if lease is not None:
            lease.confirm()  # LeaseLost: another worker has the loop; nothing is saved
        moved = connector_stores().imports.record_progress(
            import_id, rows_done_before=rows_done_before, progress=progress, status=status,
            when=datetime.now(UTC), message=message)
    if not moved:
        raise _Superseded(import_id)
