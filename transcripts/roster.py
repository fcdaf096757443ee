"""Roster CSV: who the civil servants are and which identifiers are theirs.

One person per row, UTF-8 (a BOM is ignored), comma or semicolon separated, headers in
Indonesian or English (case and spaces ignored):

| column | also accepted | required | meaning |
| --- | --- | --- | --- |
| `nip` | | yes | 18-digit NIP (spaces, dots and dashes between groups are ignored) |
| `nama` | `name` | yes | full name |
| `jenis_pegawai` | `employee_type`, `jenis` | yes | `PNS` or `PPPK` |
| `instansi` | `agency` | yes | agency |
| `unit_kerja` | `unit` | no | unit |
| `email` | `mbox` | no | e-mail addresses, several separated by spaces or `|` |
| `mbox_sha1sum` | | no | SHA-1 of a `mailto:` IRI, 40 hex digits |
| `openid` | | no | OpenID URL |
| `akun_homepage` + `akun_nama` | `account_home_page` + `account_name` | no | an xAPI account |
| `lti_issuer` + `lti_sub` | | no | an LTI 1.3 user (issuer + sub claim) |

Parsing never stops at the first bad row: every row's problems are reported with the
row's line number and the column.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field

from transcripts.identifiers import (
    Actor,
    actor_of,
    lti_actor,
    mbox_actor,
    mbox_sha1sum_actor,
)
from transcripts.nip import InvalidNip, parse_nip
from transcripts.storage.contract import EMPLOYEE_TYPES

_ALIASES = {
    "nip": "nip",
    "nama": "name", "name": "name",
    "jenis_pegawai": "employee_type", "employee_type": "employee_type", "jenis": "employee_type",
    "instansi": "agency", "agency": "agency",
    "unit_kerja": "unit", "unit": "unit",
    "email": "email", "mbox": "email",
    "mbox_sha1sum": "mbox_sha1sum",
    "openid": "openid",
    "akun_homepage": "account_home_page", "account_home_page": "account_home_page",
    "akun_nama": "account_name", "account_name": "account_name",
    "lti_issuer": "lti_issuer", "lti_sub": "lti_sub",
}
REQUIRED = ("nip", "name", "employee_type", "agency")
_EMAIL = re.compile(r"[^@\s:]+@[^@\s]+\.[^@\s]+")
_SHA1 = re.compile(r"[0-9a-fA-F]{40}")
MAX_ROWS = 200_000


@dataclass(frozen=True)
class RowError:
    line: int  # line number in the file (the header is line 1)
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class RosterRow:
    line: int
    nip: str
    name: str
    employee_type: str
    agency: str
    unit: str | None
    identifiers: tuple[Actor, ...] = field(default=())


@dataclass(frozen=True)
class ParsedRoster:
    rows: list[RosterRow]
    errors: list[RowError]


def has_control(value: str) -> bool:
    return any(unicodedata.category(c) == "Cc" for c in value)


def _header(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def parse_roster(text: str) -> ParsedRoster:
    text = text.lstrip("\ufeff")
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        return ParsedRoster([], [RowError(1, None, "the file is empty")])
    columns = [_ALIASES.get(_header(h)) for h in header]
    errors = [RowError(1, h, "unknown column") for h, c in zip(header, columns, strict=True)
              if c is None and h.strip()]
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        errors.append(RowError(1, None, f"missing column(s): {', '.join(missing)}"))
    if errors:
        return ParsedRoster([], errors)
    rows: list[RosterRow] = []
    seen: dict[str, int] = {}
    for index, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        if index > MAX_ROWS + 1:
            errors.append(RowError(index, None, f"more than {MAX_ROWS} rows; split the file"))
            break
        if len(values) != len(columns):
            errors.append(RowError(index, None, f"{len(values)} fields, the header has "
                                                f"{len(columns)}"))
            continue
        record = {c: v.strip() for c, v in zip(columns, values, strict=True) if c}
        control = [c for c, v in record.items() if has_control(v)]
        if control:
            errors += [RowError(index, c, "contains control characters") for c in control]
            continue
        row, row_errors = _row(index, record)
        if row is not None and row.nip in seen:
            row_errors.append(RowError(index, "nip", f"NIP {row.nip} is also on line "
                                                     f"{seen[row.nip]}"))
        if row is None or row_errors:
            errors += row_errors
        else:
            seen[row.nip] = index
            rows.append(row)
    return ParsedRoster(rows, errors)


def _row(line: int, record: dict[str, str]) -> tuple[RosterRow | None, list[RowError]]:
    errors: list[RowError] = []
    nip = None
    try:
        nip = parse_nip(record.get("nip", "")).value
    except InvalidNip as exc:
        errors.append(RowError(line, "nip", str(exc)))
    for name in ("name", "agency"):
        if not record.get(name):
            errors.append(RowError(line, name, "must not be empty"))
        elif len(record[name]) > 200:
            errors.append(RowError(line, name, "longer than 200 characters"))
    employee_type = record.get("employee_type", "").upper()
    if employee_type not in EMPLOYEE_TYPES:
        errors.append(RowError(line, "employee_type",
                               f"must be PNS or PPPK, not {record.get('employee_type')!r}"))
    if len(record.get("unit") or "") > 200:
        errors.append(RowError(line, "unit", "longer than 200 characters"))
    identifiers, identifier_errors = _identifiers(line, record)
    errors += identifier_errors
    if errors or nip is None:
        return None, errors
    return RosterRow(line=line, nip=nip, name=record["name"], employee_type=employee_type,
                     agency=record["agency"], unit=record.get("unit") or None,
                     identifiers=tuple(identifiers)), []


def _checked_actor(agent: dict[str, str]) -> Actor:
    """The identity of an IFI this module has already checked the form of."""
    actor = actor_of(agent)
    assert actor is not None, agent
    return actor


def _identifiers(line: int, record: dict[str, str]) -> tuple[list[Actor], list[RowError]]:
    actors: list[Actor] = []
    errors: list[RowError] = []
    for email in re.split(r"[\s|]+", record.get("email", "")):
        if not email:
            continue
        if not _EMAIL.fullmatch(email.removeprefix("mailto:")):
            errors.append(RowError(line, "email", f"{email!r} is not an e-mail address"))
            continue
        mbox = mbox_actor(email)
        actors += [mbox, mbox_sha1sum_actor(mbox)]
    if record.get("mbox_sha1sum"):
        if _SHA1.fullmatch(record["mbox_sha1sum"]):
            actors.append(_checked_actor({"mbox_sha1sum": record["mbox_sha1sum"]}))
        else:
            errors.append(RowError(line, "mbox_sha1sum", "must be 40 hexadecimal digits"))
    if record.get("openid"):
        if record["openid"].startswith(("http://", "https://")):
            actors.append(_checked_actor({"openid": record["openid"]}))
        else:
            errors.append(RowError(line, "openid", "must be an http(s) URL"))
    errors += _pair(line, record, "account_home_page", "account_name", actors,
                    lambda home, name: actor_of({"account": {"homePage": home, "name": name}}),
                    lambda home: home.startswith(("http://", "https://")))
    errors += _pair(line, record, "lti_issuer", "lti_sub", actors, lti_actor,
                    lambda issuer: bool(issuer))
    return actors, errors


def _pair(line, record, first, second, actors, make, first_ok) -> list[RowError]:
    a, b = record.get(first, ""), record.get(second, "")
    if not a and not b:
        return []
    if not a or not b:
        return [RowError(line, second if a else first, f"{first} and {second} go together")]
    if not first_ok(a):
        return [RowError(line, first, "must be an http(s) URL")]
    actors.append(make(a, b))
    return []
