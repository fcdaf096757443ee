"""An import, batch by batch: read rows, build statements, hand them to the LRS, count.

The LRS is a parameter (`store`: `lrs.service.store_as` bound to the importing
credential), so the process knows nothing of HTTP or SQL.  Each batch is stored on its
own; `progress` hears the report after each one, and an import that stopped can go on
from `start` (rows already done): its statements have fixed ids, so a batch done twice
stores nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from connectors.imports.mapping import ImportMapping
from connectors.imports.rows import Completion, RowError, RowReader
from connectors.imports.statements import build_statement
from connectors.imports.table import Table

BATCH_SIZE = 500


class Refusal(Protocol):
    @property
    def message(self) -> str: ...
    @property
    def pointer(self) -> str | None: ...


class Stored(Protocol):
    """What the LRS says of a batch (lrs.service.StoreReport)."""

    @property
    def stored(self) -> list[str]: ...
    @property
    def present(self) -> list[str]: ...
    @property
    def conflicts(self) -> list[str]: ...
    @property
    def refused(self) -> Sequence[tuple[int, Refusal]]: ...


StoreBatch = Callable[[list[dict[str, Any]]], Stored]


@dataclass(frozen=True)
class ImportReport:
    rows_total: int
    rows_done: int = 0
    stored: int = 0
    present: int = 0  # already imported, same content: nothing stored
    conflicts: int = 0  # already imported with other content: left as it was
    refused: int = 0  # rows with errors (conflicts not included)
    errors: tuple[RowError, ...] = field(default=())  # refusals and conflicts, by line
    errors_total: int = 0  # listed or not (`max_errors`)

    @property
    def finished(self) -> bool:
        return self.rows_done >= self.rows_total


@dataclass(frozen=True)
class Importer:
    """One file under one mapping, imported as one credential."""

    table: Table
    mapping: ImportMapping
    credential_key: str
    actor_for: Callable[[str], dict[str, Any]]  # NIP → the Agent transcripts recognise
    jp_extension: str

    def run(self, store: StoreBatch, *, start: int = 0, limit: int | None = None,
            batch_size: int = BATCH_SIZE, rows_total: int | None = None,
            max_errors: int | None = None,
            progress: Callable[[ImportReport], None] | None = None) -> ImportReport:
        """Rows `start` to `start + limit` (all when None), `batch_size` at a time; the
        report counts only these rows (rows_done is absolute) and lists the first
        `max_errors` errors (all when None)."""
        reader = RowReader(self.table.header, self.mapping)
        total = rows_total if rows_total is not None else self.table.count_rows()
        report = ImportReport(rows_total=total, rows_done=start)
        seen: dict[str, int] = {}  # statement id → the line that first had it
        batch: list[tuple[int, dict[str, Any]]] = []
        refused: list[RowError] = []
        taken = 0
        for index, row in enumerate(self.table.rows()):
            if index < start:
                continue
            if limit is not None and taken >= limit:
                break
            taken += 1
            read = reader.read(row)
            if isinstance(read, list):
                refused.extend(read)
            else:
                statement = self._statement(read)
                first = seen.setdefault(statement["id"], row.line)
                if first != row.line:
                    refused.append(RowError(row.line, None, (
                        f"repeats line {first}: the same NIP, activity and date make the "
                        "same statement; keep one of them")))
                else:
                    batch.append((row.line, statement))
            if taken % batch_size == 0:
                report = self._flush(store, report, batch, refused, start + taken,
                                     max_errors)
                batch, refused = [], []
                if progress is not None:
                    progress(report)
        if taken % batch_size:
            report = self._flush(store, report, batch, refused, start + taken,
                                     max_errors)
            if progress is not None:
                progress(report)
        return report

    def _statement(self, row: Completion) -> dict[str, Any]:
        return build_statement(row, self.mapping, credential_key=self.credential_key,
                               actor=self.actor_for(row.nip), jp_extension=self.jp_extension)

    def _flush(self, store: StoreBatch, report: ImportReport,
               batch: list[tuple[int, dict[str, Any]]], refused: list[RowError],
               done: int, max_errors: int | None) -> ImportReport:
        outcome = store([statement for _, statement in batch]) if batch else None
        errors = list(refused)
        refused_rows = len({e.line for e in refused})
        stored = present = conflicts = 0
        if outcome is not None:
            line_of = {statement["id"]: line for line, statement in batch}
            stored, present = len(outcome.stored), len(outcome.present)
            conflicts = len(outcome.conflicts)
            errors += [RowError(line_of[i], None, f"imported before with other content "
                                f"(statement {i}); the stored statement is left as it was")
                       for i in outcome.conflicts]
            for position, refusal in outcome.refused:
                where = f" (at {refusal.pointer})" if refusal.pointer else ""
                errors.append(RowError(batch[position][0], None,
                                       f"the statement would be invalid: {refusal.message}"
                                       f"{where}"))
            refused_rows += len(outcome.refused)
        errors.sort(key=lambda e: e.line)
        room = len(errors) if max_errors is None else max(0, max_errors - len(report.errors))
        return replace(report, rows_done=done, stored=report.stored + stored,
                       present=report.present + present,
                       conflicts=report.conflicts + conflicts,
                       refused=report.refused + refused_rows,
                       errors=report.errors + tuple(errors[:room]),
                       errors_total=report.errors_total + len(errors))
