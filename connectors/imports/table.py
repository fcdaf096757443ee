"""A spreadsheet as a header and numbered rows: CSV (stdlib csv) or XLSX (openpyxl).

Lines are numbered as a spreadsheet user sees them: the header is line 1, the first row
of data line 2; rows with nothing in them are skipped but keep their numbers.  CSV is
UTF-8 with or without a byte order mark, `,` or `;` separated (read from the header
line: spreadsheet programs in Indonesian locales write `;`).  XLSX is read in openpyxl's
read-only mode, cell values as last computed (never formulas).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from hub.text_input import NotUTF8, decode_utf8

_ZIP = b"PK\x03\x04"  # an XLSX file is a ZIP package
_OLE2 = b"\xd0\xcf\x11\xe0"  # the old binary .xls


class TableError(ValueError):
    """The file cannot be read as a table at all (not a row's problem)."""


Cell = Any  # str, int, float, bool, datetime, date or None (XLSX); str (CSV)


@dataclass(frozen=True)
class Row:
    line: int
    cells: tuple[Cell, ...]


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA: the spreadsheet name of a column."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


class Table:
    """The header, and the rows as often as they are asked for (the file is read again)."""

    def __init__(self, data: bytes, *, sheet: str | None = None) -> None:
        if data.startswith(_OLE2):
            raise TableError("old binary .xls files are not read; save the file as .xlsx "
                             "or CSV UTF-8")
        self.kind = "xlsx" if data.startswith(_ZIP) else "csv"
        self._data = data
        self._sheet = sheet
        self._text = self._decoded() if self.kind == "csv" else None
        first = next(self._raw_rows(), None)
        if first is None:
            raise TableError("the file is empty: line 1 must hold the column headers")
        self.header: tuple[str, ...] = tuple(
            "" if cell is None else str(cell).strip() for cell in first)

    def rows(self) -> Iterator[Row]:
        """The data rows (line 2 on), without the empty ones."""
        raw = self._raw_rows()
        next(raw, None)
        for line, cells in enumerate(raw, start=2):
            if any(not _blank(cell) for cell in cells):
                yield Row(line, tuple(cells))

    def count_rows(self) -> int:
        return sum(1 for _ in self.rows())

    def _decoded(self) -> str:
        try:
            return decode_utf8(self._data)
        except NotUTF8 as error:
            raise TableError(str(error)) from None

    def _raw_rows(self) -> Iterator[tuple[Cell, ...]]:
        if self._text is not None:
            return _csv_rows(self._text)
        return _xlsx_rows(self._data, self._sheet)


def _blank(cell: Cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _csv_rows(text: str) -> Iterator[tuple[Cell, ...]]:
    end = text.find("\n")
    header_line = text if end < 0 else text[:end]
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    try:
        for values in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            yield tuple(values)
    except csv.Error as error:
        raise TableError(f"the CSV cannot be read: {error}") from None


def _xlsx_rows(data: bytes, sheet: str | None) -> Iterator[tuple[Cell, ...]]:
    from openpyxl import load_workbook  # only when an XLSX file comes

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise TableError(f"the file is not a readable XLSX workbook ({error})") from None
    try:
        if sheet is not None and sheet not in workbook.sheetnames:
            raise TableError(f"the workbook has no sheet {sheet!r} (it has "
                             f"{', '.join(map(repr, workbook.sheetnames))})")
        worksheet = workbook[sheet] if sheet is not None else workbook.worksheets[0]
        # The stored dimensions may be wrong (some writers leave "A1"): read to the end.
        # Read-only sheets yield every row from 1, empty ones included, so numbers hold.
        worksheet.reset_dimensions()
        for values in worksheet.iter_rows(values_only=True):
            yield tuple(values)
    finally:
        workbook.close()
