"""The column mapping of an import: which header holds what, and the constants every
statement of the file shares.  A JSON object, strict (`extra="forbid"`, JSON types):

    {"columns": {"nip": "NIP", "activity_code": "Kode Kelas", "name_id": "Nama Kelas",
                 "date": "Tanggal", "jp": "JP", "competency": "Kompetensi",
                 "score": "Nilai"},
     "constants": {"activity_prefix": "https://bpsdm.example.id/kelas/",
                   "activity_type": "http://adlnet.gov/expapi/activities/course"},
     "date_format": "%d/%m/%Y"}

Columns are named by their header text (compared without case and surrounding spaces).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

import rfc3987
from pydantic import AfterValidator, field_validator, model_validator

from hub.errors import BadRequest
from hub.inputs import Body, parse_body

COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _header(value: str) -> str:
    if not value.strip() or len(value) > 200 or _CONTROL.search(value):
        raise ValueError("must be a column header: 1 to 200 characters, no control characters")
    return value.strip()


def _iri(value: str) -> str:
    if not rfc3987.match(value, rule="IRI"):
        raise ValueError("must be an absolute IRI")
    return value


def _label(value: str) -> str:
    if not value.strip() or len(value) > 200 or _CONTROL.search(value):
        raise ValueError("must be 1 to 200 characters without control characters")
    return value.strip()


Header = Annotated[str, AfterValidator(_header)]
Iri = Annotated[str, AfterValidator(_iri)]
Label = Annotated[str, AfterValidator(_label)]


class Columns(Body):
    """Header text of the column holding each value; only `nip`, `date` and one of
    `activity_id` / `activity_code` are required."""

    nip: Header
    activity_id: Header | None = None  # an absolute IRI per row
    activity_code: Header | None = None  # a stable code, appended to constants.activity_prefix
    name_id: Header | None = None  # activity name in Indonesian
    name_en: Header | None = None  # activity name in English
    date: Header
    jp: Header | None = None
    duration: Header | None = None  # ISO 8601 (PT1H30M)
    duration_minutes: Header | None = None
    competency: Header | None = None  # a competency code
    score: Header | None = None
    completion: Header | None = None
    success: Header | None = None

    @model_validator(mode="after")
    def _activity_and_duration(self) -> Columns:
        if self.activity_id is None and self.activity_code is None:
            raise ValueError("name the column of activity_id or of activity_code (or both)")
        if self.duration is not None and self.duration_minutes is not None:
            raise ValueError("give duration or duration_minutes, not both")
        return self


class Constants(Body):
    verb: Iri = COMPLETED
    activity_prefix: Iri | None = None  # activity id = prefix + code
    activity_type: Iri | None = None  # object.definition.type
    platform: Label | None = None  # context.platform


class ImportMapping(Body):
    columns: Columns
    constants: Constants = Constants()
    # strftime directives for a date written as text; default ISO 8601 (2026-03-02).
    date_format: str | None = None
    score_min: float = 0
    score_max: float = 100
    sheet: Label | None = None  # XLSX: the worksheet (default: the first)

    @field_validator("date_format")
    @classmethod
    def _date_format(cls, value: str | None) -> str | None:
        if value is None:
            return None
        sample = date(2026, 12, 31)  # day, month and year all tell apart
        try:
            read = datetime.strptime(sample.strftime(value), value).date()
        except ValueError:
            read = None
        if read != sample or _CONTROL.search(value):
            raise ValueError("must be a strftime format that writes and reads back a whole "
                             "date, such as %d/%m/%Y")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> ImportMapping:
        if self.score_max <= self.score_min:
            raise BadRequest("score_max must be greater than score_min", pointer="/score_max")
        if self.columns.activity_code is not None and self.constants.activity_prefix is None:
            raise BadRequest("constants.activity_prefix is required with "
                             "columns.activity_code: an activity id is the prefix plus the "
                             "code", pointer="/constants/activity_prefix")
        return self

    def mapped(self) -> dict[str, str]:
        """Field → header text, for the columns this mapping names."""
        return {name: header for name, header in self.columns.model_dump().items()
                if header is not None}


def parse_mapping(data: Any) -> ImportMapping:
    """A decoded JSON mapping, or BadRequest naming the field (parameter `mapping`)."""
    try:
        return parse_body(ImportMapping, data)
    except BadRequest as error:
        error.parameter = "mapping"
        raise
