"""Spreadsheet-safe CSV: the one writer every CSV export of the hub goes through.

Auditors open these files in Excel or LibreOffice, and partners control much of the text
in them (actor, activity, provider names).  A cell a spreadsheet would evaluate is written
as text (OWASP "CSV Injection"; ASVS 5.0 V1.2.10): see docs/security.md, "Exports".

- Text starting with a formula trigger (`=`, `+`, `-`, `@`, tab, CR, LF, NUL, or their
  full-width forms), also after leading spaces, gets a leading `'`.
- Text made only of digits (an 18-digit NIP, a code with leading zeros) gets the same `'`,
  so it neither becomes a rounded number nor loses its leading zeros; text starting with
  `'` gets one too, so a program reading the file strips exactly one `'` from text cells.
- Every text cell is quoted (RFC 4180 2.6/2.7), so a `,` or `;` inside it never starts a
  new cell, whichever separator the spreadsheet's locale assumes (Indonesian Excel: `;`).
- Real numbers (int, float, Decimal: JP, scores, years, counts) stay unquoted numbers,
  `-3` included: a number is data, not a formula.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

# Excel in Indonesian locales opens UTF-8 CSV correctly only with a byte order mark.
BOM = "\ufeff"
# What makes a spreadsheet read a cell as a formula (OWASP: = + - @ tab CR; ASVS adds NUL);
# LF and the full-width forms cost nothing to include, in case some program takes them.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0",
                    "\uff1d", "\uff0b", "\uff0d", "\uff20")
TEXT_MARK = "'"

Cell = str | int | float | Decimal


def spreadsheet_cell(value: Any) -> Cell:
    """The value as it must be written: a number as a number, anything else as inert text."""
    if value is None:
        return ""
    if isinstance(value, bool):  # a bool is an int to Python, not to a reader
        return "true" if value else "false"
    if isinstance(value, int | Decimal) or (isinstance(value, float) and math.isfinite(value)):
        return value
    text = str(value)
    # Text already starting with the mark gets one more, so a reader strips exactly one.
    if text.lstrip(" ").startswith(FORMULA_TRIGGERS) or text.startswith(TEXT_MARK) \
            or (text.isascii() and text.isdigit()):
        return TEXT_MARK + text
    return text


def csv_line(values: Iterable[Any]) -> str:
    """One CSV record (CRLF, RFC 4180) of spreadsheet-safe cells."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_NONNUMERIC).writerow(
        [spreadsheet_cell(v) for v in values])
    return buffer.getvalue()
