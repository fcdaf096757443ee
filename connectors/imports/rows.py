"""One row of an import → a completion, or the errors that refuse it.

Every error names the line (the header is line 1) and the column as the spreadsheet
shows it, letter and header: `C (Tanggal)`.  A row is read whole, so one with three bad
cells gets three errors.  NIPs follow the hub's rules (`transcripts.service.parse_nip`).
"""

from __future__ import annotations

import functools
import math
import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import isodate
import rfc3987

from connectors.imports.mapping import ImportMapping
from connectors.imports.table import Cell, Row, column_letter
from transcripts.service import InvalidNip, parse_nip

MAX_JP = 1000  # what transcripts accept as a JP claim
MAX_DURATION = timedelta(days=366)
MAX_TEXT = 500
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # Unicode category Cc
_TRUE = {"1", "y", "ya", "yes", "true", "benar", "selesai", "lulus", "l"}
_FALSE = {"0", "n", "t", "tidak", "no", "false", "salah", "belum", "belum selesai",
          "tidak lulus", "gagal", "tl"}


@dataclass(frozen=True)
class RowError:
    line: int  # the header is line 1
    column: str | None  # "C (Tanggal)"; None for the row as a whole
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"

    def as_json(self) -> dict[str, Any]:
        return {"line": self.line, "column": self.column, "message": self.message}


@dataclass(frozen=True)
class Completion:
    """A valid row: what the statement is built from."""

    line: int
    nip: str
    activity_id: str
    name_id: str | None
    name_en: str | None
    day: date
    jp: int | float | None
    duration: str | None  # ISO 8601, as xAPI result.duration
    competency: str | None
    score: int | float | None
    completion: bool | None
    success: bool | None


class MappingError(ValueError):
    """The mapping names a column the file does not have (a problem of the whole file)."""

    def __init__(self, message: str, pointer: str) -> None:
        super().__init__(message)
        self.pointer = pointer


def _folded(text: str) -> str:
    return " ".join(text.split()).casefold()


def plan_columns(header: tuple[str, ...], mapping: ImportMapping) -> dict[str, int]:
    """Field → column index, matching header text without case and extra spaces."""
    positions: dict[str, list[int]] = {}
    for index, name in enumerate(header):
        if name:
            positions.setdefault(_folded(name), []).append(index)
    plan: dict[str, int] = {}
    found = ", ".join(repr(h) for h in header if h) or "none"
    for field, wanted in mapping.mapped().items():
        matches = positions.get(_folded(wanted), [])
        if not matches:
            raise MappingError(f"column {wanted!r} is not in the header (line 1 has: {found})",
                               f"/columns/{field}")
        if len(matches) > 1:
            letters = " and ".join(column_letter(i) for i in matches)
            raise MappingError(f"header {wanted!r} appears twice (columns {letters}); rename "
                               "one", f"/columns/{field}")
        plan[field] = matches[0]
    return plan


class _Cell(ValueError):
    """One cell's problem; the row reader adds line and column."""


class RowReader:
    """Reads rows of one table under one mapping."""

    def __init__(self, header: tuple[str, ...], mapping: ImportMapping,
                 today: Callable[[], date] | None = None) -> None:
        self._header = header
        self._mapping = mapping
        self._plan = plan_columns(header, mapping)
        self._today = today or (lambda: datetime.now(UTC).date())
        self._readers: dict[str, Callable[[Cell], Any]] = {
            "nip": _nip, "activity_id": _activity_iri, "activity_code": _text,
            "name_id": _text, "name_en": _text, "date": self._date, "jp": _jp,
            "duration": _iso_duration, "duration_minutes": _minutes, "competency": _text,
            "score": self._score, "completion": _flag, "success": _flag,
        }

    def column_name(self, field: str) -> str:
        index = self._plan[field]
        return f"{column_letter(index)} ({self._header[index]})"

    def read(self, row: Row) -> Completion | list[RowError]:
        errors: list[RowError] = []
        values: dict[str, Any] = {}
        failed: set[str] = set()
        for field, index in self._plan.items():
            cell = row.cells[index] if index < len(row.cells) else None
            try:
                values[field] = None if _blank(cell) else self._readers[field](cell)
            except _Cell as problem:
                errors.append(RowError(row.line, self.column_name(field), str(problem)))
                failed.add(field)
        for field in ("nip", "date"):
            if values.get(field) is None and field not in failed:
                errors.append(RowError(row.line, self.column_name(field), "is empty"))
        activity = self._activity(values)
        sources = [f for f in ("activity_id", "activity_code") if f in self._plan]
        if activity is None and not failed & set(sources):
            errors.append(RowError(row.line, " or ".join(map(self.column_name, sources)),
                                   "is empty: every row needs its activity"))
        if errors:
            return errors
        assert activity is not None
        return Completion(
            line=row.line, nip=values["nip"], activity_id=activity,
            name_id=values.get("name_id"), name_en=values.get("name_en"), day=values["date"],
            jp=values.get("jp"),
            duration=values.get("duration") or values.get("duration_minutes"),
            competency=values.get("competency"), score=values.get("score"),
            completion=values.get("completion"), success=values.get("success"))

    def _activity(self, values: dict[str, Any]) -> str | None:
        if values.get("activity_id"):
            return values["activity_id"]
        code = values.get("activity_code")
        prefix = self._mapping.constants.activity_prefix
        if code and prefix:
            return prefix + urllib.parse.quote(code, safe="-._~")
        return None

    def _date(self, cell: Cell) -> date:
        if isinstance(cell, datetime):
            day = cell.date()
        elif isinstance(cell, date):
            day = cell
        elif isinstance(cell, str):
            day = _date_text(cell.strip(), self._mapping.date_format)
        else:
            raise _Cell(f"{cell!r} is not a date; write it as "
                        f"{_format_hint(self._mapping.date_format)}")
        if day > self._today() + timedelta(days=1):  # a day's slack for time zones
            raise _Cell(f"{day.isoformat()} is in the future")
        if day.year < 1970:
            raise _Cell(f"{day.isoformat()} is before 1970")
        return day

    def _score(self, cell: Cell) -> int | float:
        value = _number(cell, "a score")
        low, high = self._mapping.score_min, self._mapping.score_max
        if not low <= value <= high:
            raise _Cell(f"score {_shown(value)} is outside {_shown(low)} to {_shown(high)}")
        return value


def _blank(cell: Cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _plain(cell: Cell) -> str:
    """A cell as text: strings trimmed, whole numbers without a decimal point."""
    if isinstance(cell, bool):
        raise _Cell("expected text, not a true/false cell")
    if isinstance(cell, int):
        return str(cell)
    if isinstance(cell, str):
        text = cell.strip()
        if _CONTROL.search(text):
            raise _Cell("contains control characters")
        return text
    raise _Cell(f"expected text, found {cell!r}")


def _text(cell: Cell) -> str:
    text = _plain(cell) if not isinstance(cell, float) else _shown(cell)
    if len(text) > MAX_TEXT:
        raise _Cell(f"is longer than {MAX_TEXT} characters")
    return text


def _nip(cell: Cell) -> str:
    if isinstance(cell, float):  # a spreadsheet number holds 15 digits, a NIP 18
        raise _Cell("the NIP is stored as a number and has lost digits; format the column "
                    "as text and type the NIPs again")
    nip, problem = _checked_nip(_plain(cell))
    if problem is not None:
        raise _Cell(f"not a valid NIP: {problem}")
    return nip


# A file names the same people again and again: each NIP is checked once per process.
@functools.lru_cache(maxsize=65536)
def _checked_nip(text: str) -> tuple[str, str | None]:
    try:
        return parse_nip(text).value, None
    except InvalidNip as error:
        return "", str(error)


def _activity_iri(cell: Cell) -> str:
    text = _plain(cell)
    if not rfc3987.match(text, rule="IRI"):
        raise _Cell(f"{text!r} is not an absolute IRI (such as https://lms.example.id/kelas/1)")
    return text


_DECIMAL = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)")


def _number(cell: Cell, what: str) -> int | float:
    """A number cell, or text with `.` or `,` as the decimal mark (Indonesian `2,5`)."""
    if isinstance(cell, bool):
        raise _Cell(f"expected {what} (a number), not a true/false cell")
    if isinstance(cell, int | float):
        value: int | float = cell
    elif isinstance(cell, str) and _DECIMAL.fullmatch(cell.strip()):
        text = cell.strip().replace(",", ".")
        value = float(text) if "." in text else int(text)
    else:
        raise _Cell(f"expected {what} (a number), found {cell!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise _Cell(f"expected {what} (a number), found {cell!r}")
    # Whole numbers stay integers, so a re-import writes exactly the same statement.
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _shown(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _jp(cell: Cell) -> int | float:
    value = _number(cell, "JP")
    if not 0 <= value <= MAX_JP:
        raise _Cell(f"JP {_shown(value)} is outside 0 to {MAX_JP}")
    rounded = round(value, 2)
    return int(rounded) if float(rounded).is_integer() else rounded


def _iso_duration(cell: Cell) -> str:
    if isinstance(cell, timedelta):  # an XLSX cell formatted as a duration ([h]:mm)
        return _duration(cell)
    text = _plain(cell).upper() if isinstance(cell, str) else ""
    try:
        if not text.startswith("P"):
            raise ValueError(text)
        elapsed = isodate.parse_duration(text)
    except (ValueError, isodate.ISO8601Error):
        raise _Cell(f"{cell!r} is not an ISO 8601 duration (such as PT1H30M)") from None
    if not isinstance(elapsed, timedelta):
        raise _Cell(f"{text}: years and months have no fixed length; give days, hours or "
                    "minutes")
    return _duration(elapsed)


def _minutes(cell: Cell) -> str:
    minutes = _number(cell, "minutes")
    return _duration(timedelta(minutes=minutes))


def _duration(elapsed: timedelta) -> str:
    if elapsed <= timedelta(0) or elapsed > MAX_DURATION:
        raise _Cell("a duration must be more than zero and at most 366 days")
    return isodate.duration_isoformat(elapsed)


def _flag(cell: Cell) -> bool:
    if isinstance(cell, bool):
        return cell
    if isinstance(cell, int) and cell in (0, 1):
        return bool(cell)
    text = " ".join(_plain(cell).split()).casefold() if isinstance(cell, str) else ""
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _Cell(f"{cell!r} is not yes or no (ya/tidak, yes/no, true/false, 1/0, "
                "lulus/tidak lulus)")


def _format_hint(date_format: str | None) -> str:
    return date(2026, 3, 2).strftime(date_format) if date_format else "2026-03-02"


@functools.lru_cache(maxsize=4096)  # a file has few distinct dates and many rows
def _date_text(text: str, date_format: str | None) -> date:
    try:
        if date_format:
            return datetime.strptime(text, date_format).date()
        return date.fromisoformat(text)
    except ValueError:
        raise _Cell(f"{text!r} is not a date; write it as {_format_hint(date_format)}"
                    + ("" if date_format else " (or set date_format in the mapping)")) from None
