"""Query strings of the auditor pages → typed filters: pydantic models with the API's
value types (`transcripts.inputs`) so a page accepts exactly what the API accepts.  HTML forms send
empty fields, which mean "any" here; `lang` is the language switch, not a filter."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypeVar

from pydantic import StringConstraints
from werkzeug.datastructures import MultiDict

from hub.errors import BadRequest
from hub.inputs import Input, parse_query
from transcripts import inputs
from transcripts.inputs import Nip, Text, Year
from transcripts.queries import PeopleFilter


class NoFields(Input):
    pass


class YearField(Input):
    year: Year | None = None


class SearchFields(Input):
    year: Year | None = None
    agency: Text | None = None  # Text refuses control characters (PostgreSQL refuses NUL)
    unit: Text | None = None
    name: Text | None = None
    compliance: Literal["compliant", "non_compliant", "unknown"] | None = None
    after: Nip | None = None
    nip: Nip | None = None


class SignInLink(Input):
    next: str | None = None  # the view ignores one that is not a path of these pages


# Keys and secrets as the hub issues them (hub.auth: 32 hex digits, 43 URL-safe characters),
# with room to spare. A key is one printable ASCII word; a secret may be mistyped (a
# failed attempt, counted as for HTTP Basic) but holds no control character.
CredentialKey = Annotated[str, StringConstraints(strip_whitespace=True, max_length=64,
                                                 pattern=r"^[!-~]*$")]
CredentialSecret = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200,
                                                    pattern=r"^[^\x00-\x1f\x7f-\x9f]*$")]


class SignInFields(SignInLink):
    """The sign-in form (auditor/sign_in.html); `next` may come in the query string too.
    The CSRF token is checked before any view (session.check_csrf)."""

    key: CredentialKey = ""
    secret: CredentialSecret = ""
    csrf_token: str = ""


CREDENTIAL_FIELDS = ("key", "secret")


class AgencyFields(Input):
    agency: Text | None = None
    year: Year | None = None
    after: Nip | None = None


F = TypeVar("F", bound=Input)
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


def parse(args: MultiDict, fields: type[F]) -> F:
    """The filled-in fields of `args` as `fields`, or the `InvalidField` a person can fix."""
    given = filled(args)
    for name in given:
        if name not in fields.model_fields:
            raise InvalidField("error.unknown_parameter", name)
        if len(given.getlist(name)) > 1:
            raise InvalidField("error.repeated_parameter", name)
    try:
        return parse_query(fields, given)
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
    values = parse(args, SearchFields)
    return SearchForm(year=values.year or inputs.current_year(),
                      agency=values.agency or "", unit=values.unit or "",
                      name=values.name or "", compliance=values.compliance or "",
                      after=values.after, nip=values.nip, submitted=bool(filled(args)))


@dataclass(frozen=True)
class AgencyForm:
    year: int
    agency: str = ""
    after: str | None = None


def agency_form(args: MultiDict, *, require_agency: bool = False) -> AgencyForm:
    values = parse(args, AgencyFields)
    if require_agency and values.agency is None:
        raise InvalidField("error.agency_required", "agency")
    return AgencyForm(year=values.year or inputs.current_year(),
                      agency=values.agency or "", after=values.after)


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
    return parse(args, YearField).year
