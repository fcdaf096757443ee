"""Query strings of the auditor pages → typed filters, with the API's parsers
(`transcripts.inputs`) so a page accepts exactly what the API accepts.  HTML forms send
empty fields, which mean "any" here; `lang` is the language switch, not a filter."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import MultiDict

from hub.errors import BadRequest
from transcripts import inputs
from transcripts.queries import PeopleFilter

COMPLIANCE = ("compliant", "non_compliant", "unknown")


def text(name: str, value: str) -> str:
    """The API's text, without control characters: PostgreSQL refuses NUL in a string, and
    no agency, unit or name has a control character."""
    value = inputs.text(name, value)
    if any(ord(character) < 32 or ord(character) == 127 for character in value):
        raise BadRequest(f"{name} must not contain control characters", parameter=name)
    return value


SEARCH_FIELDS = {"year": inputs.year, "agency": text, "unit": text, "name": text,
                 "compliance": inputs.choice(*COMPLIANCE), "after": inputs.nip,
                 "nip": inputs.nip}
AGENCY_FIELDS = {"agency": text, "year": inputs.year, "after": inputs.nip}
PAGE_SIZE = 50


# What a bad value of each field means to a person (texts "error.*").
FIELD_ERRORS = {"year": "error.bad_year", "nip": "error.bad_nip", "after": "error.bad_nip",
                "compliance": "error.bad_choice"}
FIELD_LABELS = {"year": "search.year", "agency": "search.agency", "unit": "search.unit",
                "name": "search.name", "compliance": "search.compliance", "nip": "search.nip"}


class InvalidField(BadRequest):
    """A field a person can fix: `key` is the text that says how (texts "error.*")."""

    def __init__(self, key: str, field: str) -> None:
        super().__init__(f"{key}: {field}", parameter=field)
        self.key = key
        self.field = field


def filled(args: MultiDict) -> MultiDict:
    return MultiDict([(k, v) for k, v in args.items(multi=True)
                      if k != "lang" and v.strip()])


def parse(args: MultiDict, fields: dict[str, Any]) -> dict[str, Any]:
    given = filled(args)
    for name in given:
        if name not in fields:
            raise InvalidField("error.unknown_parameter", name)
        if len(given.getlist(name)) > 1:
            raise InvalidField("error.repeated_parameter", name)
    try:
        return inputs.strict_query(given, fields)
    except BadRequest as exc:
        field = exc.parameter or ""
        raise InvalidField(FIELD_ERRORS.get(field, "error.bad_text"), field) from None


@dataclass(frozen=True)
class SearchForm:
    """What the search form shows: the values typed, and the filter they make."""

    year: int
    agency: str = ""
    unit: str = ""
    name: str = ""
    compliance: str = ""
    after: str | None = None
    nip: str | None = None
    submitted: bool = False

    def criteria(self) -> PeopleFilter:
        return PeopleFilter(year=self.year, agency=self.agency or None, unit=self.unit or None,
                            name=self.name or None, compliance=self.compliance or None,
                            after=self.after, limit=PAGE_SIZE)

    def query(self, **changes: Any) -> dict[str, Any]:
        """The query string of this search (for paging and the CSV link)."""
        values = {"year": self.year, "agency": self.agency, "unit": self.unit,
                  "name": self.name, "compliance": self.compliance, **changes}
        return {k: v for k, v in values.items() if v not in ("", None)}


def search_form(args: MultiDict) -> SearchForm:
    values = parse(args, SEARCH_FIELDS)
    return SearchForm(year=values.get("year") or inputs.current_year(),
                      agency=values.get("agency", ""), unit=values.get("unit", ""),
                      name=values.get("name", ""), compliance=values.get("compliance", ""),
                      after=values.get("after"), nip=values.get("nip"),
                      submitted=bool(filled(args)))


@dataclass(frozen=True)
class AgencyForm:
    year: int
    agency: str = ""
    after: str | None = None


def agency_form(args: MultiDict, *, require_agency: bool = False) -> AgencyForm:
    values = parse(args, AGENCY_FIELDS)
    if require_agency and "agency" not in values:
        raise InvalidField("error.agency_required", "agency")
    return AgencyForm(year=values.get("year") or inputs.current_year(),
                      agency=values.get("agency", ""), after=values.get("after"))


def year_in_path(value: str) -> int:
    try:
        return inputs.year("year", value)
    except BadRequest:
        raise InvalidField("error.bad_year", "year") from None


def nip_in_path(value: str) -> str:
    try:
        return inputs.nip("nip", value)
    except BadRequest:
        raise InvalidField("error.bad_nip", "nip") from None


def optional_year(args: MultiDict) -> int | None:
    return parse(args, {"year": inputs.year}).get("year")
