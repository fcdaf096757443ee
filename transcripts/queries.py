"""Reads for auditors — the API and the auditor pages call these and render the
dataclasses they return.  Each function checks the reader's agency limits and writes
the read to the access log; none of them knows about HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from hub.errors import NotFound
from hub.storage.contract import Storage
from transcripts import signing
from transcripts.access import Reader, record_access
from transcripts.aggregation import Transcript, build_transcript, compliance, transcript_digest
from transcripts.policy import Policy
from transcripts.storage import stores as slice_of
from transcripts.storage.contract import (
    AccessEntry,
    AccessQuery,
    AgencyTotals,
    Competency,
    PeopleQuery,
    Person,
    PersonYear,
)

UNDER_REQUIRED_PAGE = 500


@dataclass(frozen=True)
class Standing:
    """A person's year at a glance: JP, per type, and compliance."""

    person: Person
    year: int
    jp_centi: int
    jp_by_type_centi: dict[str, int]
    activity_count: int
    required_jp_centi: int | None
    compliant: bool | None


@dataclass(frozen=True)
class PeoplePage:
    people: list[Standing]
    next_after: str | None  # pass as `after` for the next page


@dataclass(frozen=True)
class PeopleFilter:
    year: int
    agency: str | None = None
    unit: str | None = None
    name: str | None = None
    compliance: str | None = None  # compliant | non_compliant | unknown
    after: str | None = None
    limit: int = 100


@dataclass(frozen=True)
class AgencyReport:
    agency: str
    year: int
    requirements_centi: dict[str, int]
    totals: AgencyTotals
    under_required: list[Standing] = field(default_factory=list)
    next_after: str | None = None


def _visible_person(storage: Storage, reader: Reader, nip: str) -> Person:
    person = slice_of(storage).people.get_person(nip)
    if person is None or not reader.may_read(person):
        # Outside the reader's agencies is "not found": existence is not disclosed.
        raise NotFound(f"no person with NIP {nip} is visible to this credential")
    return person


@dataclass(frozen=True)
class TranscriptRead:
    """What an auditor's transcript read loaded, each once: the transcript, the
    competencies it names (for rendering) and, when asked, the years on record."""

    transcript: Transcript
    competencies: dict[str, Competency]
    years: list[int] = field(default_factory=list)


def read_transcript(storage: Storage, policy: Policy, reader: Reader, nip: str, year: int,
                    *, action: str = "transcript.read", with_years: bool = False,
                    ) -> TranscriptRead:
    """A transcript read as one unit of work: the person, the evidence, the competencies
    and the access log entry commit together, and nothing is read twice."""
    with storage.begin(write=True):  # the access log entry is written in it
        person = _visible_person(storage, reader, nip)
        data = slice_of(storage)
        competencies = data.frameworks.competencies()
        transcript = build_transcript(person, year, data.transcripts.evidence_of(nip, year),
                                      competencies, count_repeats=policy.count_repeats,
                                      requirements_centi=policy.requirements_centi)
        years = data.transcripts.years_of(nip) if with_years else []
        record_access(data.access, reader, action, [nip], year)
    return TranscriptRead(transcript, competencies, years)


def transcript_for(storage: Storage, policy: Policy, reader: Reader, nip: str, year: int,
                   *, action: str = "transcript.read") -> Transcript:
    return read_transcript(storage, policy, reader, nip, year, action=action).transcript


def verify_credential(storage: Storage, policy: Policy, reader: Reader,
                      token: str) -> signing.Verification:
    """Check a signed transcript, and whether the person's transcript still matches it
    (that comparison is a transcript read, logged as `credential.verify`)."""
    def current_digest(nip: str, year: int) -> str | None:
        try:
            return transcript_digest(transcript_for(storage, policy, reader, nip, year,
                                                    action="credential.verify"))
        except NotFound:
            return None

    return signing.verify(slice_of(storage).issuer_keys, policy, token, current_digest)


def years_of(storage: Storage, reader: Reader, nip: str) -> list[int]:
    return person_and_years(storage, reader, nip)[1]


def person_and_years(storage: Storage, reader: Reader, nip: str) -> tuple[Person, list[int]]:
    """A visible person and the years on record, in one read-only unit of work."""
    with storage.begin():
        person = _visible_person(storage, reader, nip)
        return person, slice_of(storage).transcripts.years_of(nip)


def _standing(row: PersonYear, policy: Policy) -> Standing:
    required, compliant = compliance(row.person.employee_type, row.jp_centi,
                                     policy.requirements_centi)
    return Standing(person=row.person, year=row.year, jp_centi=row.jp_centi,
                    jp_by_type_centi=dict(row.jp_by_type_centi),
                    activity_count=row.activity_count, required_jp_centi=required,
                    compliant=compliant)


def search_people(storage: Storage, policy: Policy, reader: Reader,
                  criteria: PeopleFilter) -> PeoplePage:
    if criteria.agency is not None and not reader.may_read_agency(criteria.agency):
        rows: list[PersonYear] = []
    else:
        rows = slice_of(storage).transcripts.search_people(PeopleQuery(
            year=criteria.year, requirements_centi=policy.requirements_centi,
            agencies=reader.agencies, agency=criteria.agency, unit=criteria.unit,
            name=criteria.name, compliance=criteria.compliance, after_nip=criteria.after,
            limit=criteria.limit + 1))
    more = len(rows) > criteria.limit
    people = [_standing(row, policy) for row in rows[:criteria.limit]]
    record_access(slice_of(storage).access, reader, "people.search", [s.person.nip for s in people],
                  criteria.year, _criteria_detail(criteria))
    return PeoplePage(people, people[-1].person.nip if more else None)


def _criteria_detail(criteria: PeopleFilter) -> dict[str, Any]:
    return {k: v for k, v in (("agency", criteria.agency), ("unit", criteria.unit),
                              ("name", criteria.name), ("compliance", criteria.compliance))
            if v is not None}


def agency_report(storage: Storage, policy: Policy, reader: Reader, agency: str, year: int,
                  *, limit: int = UNDER_REQUIRED_PAGE, after: str | None = None
                  ) -> AgencyReport:
    if not reader.may_read_agency(agency):
        raise NotFound(f"agency {agency!r} is not visible to this credential")
    totals = slice_of(storage).transcripts.agency_totals(agency, year, policy.requirements_centi)
    page = search_people(storage, policy, reader, PeopleFilter(
        year=year, agency=agency, compliance="non_compliant", after=after, limit=limit))
    record_access(slice_of(storage).access, reader, "agency.report", [f"agency:{agency}"], year,
                  {"people": totals.people})
    return AgencyReport(agency=agency, year=year,
                        requirements_centi=dict(policy.requirements_centi), totals=totals,
                        under_required=page.people, next_after=page.next_after)


def all_people(storage: Storage, policy: Policy, reader: Reader, criteria: PeopleFilter,
               page_size: int = 1000) -> Iterator[Standing]:
    """Every match, page after page (CSV exports); each page is logged as it is read."""
    after = criteria.after
    while True:
        page = search_people(storage, policy, reader, PeopleFilter(
            **{**criteria.__dict__, "after": after, "limit": page_size}))
        yield from page.people
        if page.next_after is None:
            return
        after = page.next_after


def access_log(storage: Storage, reader: Reader, query: AccessQuery) -> list[AccessEntry]:
    access = slice_of(storage).access
    entries = access.query_access(query)
    record_access(access, reader, "access_log.read",
                  [query.subject or "access_log"], None,
                  {k: v for k, v in (("credential_key", query.credential_key),
                                     ("action", query.action)) if v})
    return entries
