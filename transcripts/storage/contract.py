"""The transcripts slice of the storage contract: people, frameworks, evidence,
summaries, the access log and the issuer's keys.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from lrs.service import FeedState  # the transcripts follower's position in the feed

# --- transcripts -----------------------------------------------------------
# Competency transcripts of civil servants (the `transcripts` package).  JP (jam
# pelajaran) are kept as whole hundredths ("centi-JP") so that sums are exact and the
# same whatever order evidence arrives in; scores as hundredths of a percent.
EMPLOYEE_TYPES = ("PNS", "PPPK")
COMPETENCY_TYPES = ("teknis", "manajerial", "sosial_kultural")


@dataclass(frozen=True)
class Person:
    nip: str
    name: str
    employee_type: str | None  # one of EMPLOYEE_TYPES; None until a roster says
    agency: str | None  # instansi
    unit: str | None  # unit kerja
    source: str  # roster | statement | lti | admin: who created the entry
    updated_at: datetime


@dataclass(frozen=True)
class IdentityLink:
    """An identifier (an xAPI IFI, or an LTI issuer + sub) that belongs to a NIP."""

    key: str  # SHA-256 of `identifier`
    identifier: str  # lrs.identifiers.agent_key form, or "lti:<issuer> <sub>"
    kind: str  # mbox | mbox_sha1sum | openid | account | lti
    value: dict[str, Any]  # the IFI as an Agent fragment, or {"issuer", "sub"}
    nip: str
    source: str  # roster | statement | lti | admin
    linked_at: datetime


@dataclass(frozen=True)
class IdentityConflict:
    """Someone claimed an identifier for `claimed_nip` while it is linked to `linked_nip`."""

    key: str
    identifier: str
    value: dict[str, Any]
    linked_nip: str
    claimed_nip: str
    source: str
    reported_at: datetime
    id: int | None = None
    resolved_at: datetime | None = None


@dataclass(frozen=True)
class CompetencyLevel:
    level: int
    description: str


@dataclass(frozen=True)
class Competency:
    id: str
    framework_id: str
    code: str
    name: str
    type: str  # one of COMPETENCY_TYPES
    levels: tuple[CompetencyLevel, ...] = ()
    uri: str | None = None


@dataclass(frozen=True)
class Framework:
    id: str
    title: str
    format: str  # case | csv
    uri: str | None
    version: str | None
    imported_at: datetime
    competency_count: int = 0


MAPPING_RULE_KINDS = ("activity", "prefix", "activity_type", "partner")


@dataclass(frozen=True)
class MappingRule:
    kind: str  # one of MAPPING_RULE_KINDS
    pattern: str  # activity id, id prefix, activity type IRI, or authority agent key
    competency_id: str | None
    level: int | None
    jp_centi: int | None
    created_at: datetime
    id: int | None = None


@dataclass(frozen=True)
class EvidenceRecord:
    """One statement that counts for a person's transcript: the facts read from it (enough
    to map it again when rules change) and the mapping applied."""

    statement_id: str
    seq: int
    nip: str
    year: int  # of the timestamp in Asia/Jakarta time
    identity_key: str
    activity_id: str
    activity_name: str
    activity_type: str | None
    verb: str
    timestamp: datetime  # UTC
    authority: str | None  # agent key of the statement's authority (the partner)
    provider: str | None  # the authority's name
    platform: str | None  # context.platform
    score_centi: int | None  # percent * 100
    claimed_jp_centi: int | None  # the JP extension carried by the statement
    duration_seconds: int | None
    competency_id: str | None
    level: int | None
    jp_centi: int
    jp_source: str  # activity | prefix | extension | activity_type | partner | duration | none
    claimed_competency: str | None = None  # the competency extension carried by the statement
    claim_outcome: str | None = None  # counted | rule | unknown | ambiguous | untrusted


@dataclass(frozen=True)
class ClaimCount:
    """Evidence rows whose statements claim `code`, by what became of the claim."""

    code: str
    outcome: str
    evidence: int


@dataclass(frozen=True)
class YearSummary:
    nip: str
    year: int
    jp_centi: int
    jp_by_type_centi: Mapping[str, int]  # COMPETENCY_TYPES plus "unmapped"
    activity_count: int
    updated_at: datetime


@dataclass(frozen=True)
class UnlinkedStatement:
    """A countable statement whose actor no NIP is linked to (yet)."""

    statement_id: str
    seq: int
    identity_key: str


@dataclass(frozen=True)
class PeopleQuery:
    year: int
    requirements_centi: Mapping[str, int]  # employee type → required centi-JP
    agencies: frozenset[str] | None = None  # the reader's limit; None: every agency
    agency: str | None = None
    unit: str | None = None
    name: str | None = None  # case-insensitive substring
    compliance: str | None = None  # compliant | non_compliant | unknown
    after_nip: str | None = None
    limit: int = 100


@dataclass(frozen=True)
class PersonYear:
    person: Person
    year: int
    jp_centi: int
    jp_by_type_centi: Mapping[str, int]
    activity_count: int


@dataclass(frozen=True)
class AgencyTotals:
    people: int
    compliant: int
    non_compliant: int
    unknown: int  # employee type not known: no requirement applies
    jp_centi: int
    jp_by_type_centi: Mapping[str, int]
    distribution: Mapping[int, int]  # bucket index (5 JP wide, 8 = 40 JP and more) → people
    units: list[dict[str, Any]]  # {"unit", "people", "compliant", "jp_centi"}


@dataclass(frozen=True)
class AccessEntry:
    at: datetime
    credential_key: str | None
    credential_name: str
    action: str
    subject: str  # a NIP, "agency:<name>", "search", ...
    year: int | None
    detail: dict[str, Any]
    request_id: str | None
    id: int | None = None


@dataclass(frozen=True)
class AccessQuery:
    subject: str | None = None
    credential_key: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    after_id: int | None = None
    limit: int = 100


@dataclass(frozen=True)
class IssuerKey:
    kid: str  # RFC 7638 thumbprint of the public key
    algorithm: str  # RS256 | EdDSA
    private_pem: str
    public_jwk: dict[str, Any]
    created_at: datetime
    retired_at: datetime | None = None


class PersonStore(Protocol):
    """The person registry: people by NIP and the identifiers linked to them."""

    def upsert_people(self, people: Sequence[Person]) -> None:
        """Insert or replace by NIP."""

    def insert_missing_people(self, people: Sequence[Person]) -> None:
        """Insert only the NIPs not registered yet (stubs from statements or launches)."""

    def get_person(self, nip: str) -> Person | None: ...
    def find_people(self, nips: Iterable[str]) -> dict[str, Person]: ...
    def link_identities(self, links: Sequence[IdentityLink]) -> dict[str, IdentityLink]:
        """Store links whose key is not linked yet; return the link now stored for every
        key given (an existing link to another NIP is returned unchanged)."""

    def relink_identity(self, link: IdentityLink) -> IdentityLink | None:
        """Point an existing key at another NIP (an administrator's decision); returns
        the link it replaced."""

    def unlink_identity(self, key: str) -> IdentityLink | None: ...
    def find_links(self, keys: Iterable[str]) -> dict[str, IdentityLink]: ...
    def links_of(self, nip: str) -> list[IdentityLink]: ...
    def report_conflicts(self, conflicts: Sequence[IdentityConflict]) -> list[IdentityConflict]:
        """Record conflicts not already open for the same key and claimed NIP; returns
        those newly recorded."""

    def list_conflicts(self, *, open_only: bool = True, after_id: int | None = None,
                       limit: int = 100) -> list[IdentityConflict]: ...
    def resolve_conflicts(self, key: str, when: datetime) -> int: ...


class FrameworkStore(Protocol):
    def save_framework(self, framework: Framework, competencies: Sequence[Competency]) -> None:
        """Insert or replace a framework and all of its competencies."""

    def list_frameworks(self) -> list[Framework]: ...
    def get_framework(self, framework_id: str) -> Framework | None: ...
    def competencies(self, framework_id: str | None = None) -> dict[str, Competency]: ...
    def rules_using(self, competency_ids: Iterable[str]) -> list[MappingRule]: ...
    def insert_rule(self, rule: MappingRule) -> MappingRule:
        """Insert, or replace the rule of the same kind and pattern."""

    def list_rules(self) -> list[MappingRule]: ...
    def delete_rule(self, rule_id: int) -> bool: ...


class TranscriptSession(Protocol):
    """One write transaction holding the transcripts lock: whatever processes the
    statement feed, re-maps evidence or rebuilds does it inside one of these, so two
    workers never process the same statements at once and a crash leaves nothing half
    done.  Lookups see the session's own writes."""

    def feed_state(self) -> FeedState: ...
    def save_feed_state(self, state: FeedState) -> None: ...
    def nips_of(self, keys: Iterable[str]) -> dict[str, str]:
        """identity key → NIP, for the keys that are linked."""

    def link_identities(self, links: Sequence[IdentityLink]) -> dict[str, IdentityLink]: ...
    def insert_missing_people(self, people: Sequence[Person]) -> None: ...
    def report_conflicts(self, conflicts: Sequence[IdentityConflict]) -> None: ...
    def competencies(self) -> dict[str, Competency]: ...
    def mapping_rules(self) -> list[MappingRule]: ...
    def credential_scopes(self) -> list[tuple[Any, frozenset[str]]]:
        """Every credential's authority (revoked ones too: their statements stay) and the
        scopes it holds: who may claim competencies."""

    def save_evidence(self, records: Sequence[EvidenceRecord]) -> None:
        """Insert or replace by statement id."""

    def delete_evidence(self, statement_ids: Iterable[str]) -> set[tuple[str, int]]:
        """Delete and return the (nip, year) pairs that lost evidence."""

    def evidence_for(self, pairs: Iterable[tuple[str, int]]) -> list[EvidenceRecord]: ...
    def evidence_page(self, after: tuple[str, int, str] | None,
                      limit: int) -> list[EvidenceRecord]:
        """All evidence ordered by (nip, year, statement id), after that key (re-mapping)."""

    def evidence_of_identities(self, keys: Iterable[str]) -> list[EvidenceRecord]: ...
    def save_summaries(self, pairs: Iterable[tuple[str, int]],
                       summaries: Sequence[YearSummary]) -> list[YearSummary]:
        """Replace the summaries of `pairs`: pairs without a summary given are removed.
        Returns the summaries replaced (what `pairs` had before)."""

    def save_unlinked(self, rows: Sequence[UnlinkedStatement]) -> None: ...
    def delete_unlinked(self, statement_ids: Iterable[str]) -> None: ...
    def unlinked_for(self, keys: Iterable[str]) -> list[UnlinkedStatement]: ...
    def reset(self) -> None:
        """Forget every derived row (evidence, summaries, unlinked statements, the feed
        cursor); the registry, frameworks and rules stay."""


class TranscriptStore(Protocol):
    def session(self) -> AbstractContextManager[TranscriptSession]: ...
    def feed_state(self) -> FeedState: ...
    def evidence_of(self, nip: str, year: int) -> list[EvidenceRecord]: ...
    def years_of(self, nip: str) -> list[int]: ...
    def summary_of(self, nip: str, year: int) -> YearSummary | None: ...
    def search_people(self, query: PeopleQuery) -> list[PersonYear]:
        """People ordered by NIP with their summary for `query.year` (zero when none)."""

    def agency_totals(self, agency: str, year: int,
                      requirements_centi: Mapping[str, int]) -> AgencyTotals: ...
    def count_unlinked(self) -> int: ...
    def claim_counts(self) -> list[ClaimCount]:
        """Evidence with a competency claim, by code and outcome (most evidence first)."""


class AccessStore(Protocol):
    """Who read whose data (append-only: no method changes or removes an entry), and
    which agencies an auditor credential is limited to."""

    def append_access(self, entries: Sequence[AccessEntry]) -> None: ...
    def query_access(self, query: AccessQuery) -> list[AccessEntry]: ...
    def set_agency_limits(self, credential_key: str, agencies: Iterable[str] | None) -> None:
        """None (or nothing) removes the limit: the credential reads every agency."""

    def agency_limits(self, credential_key: str) -> frozenset[str] | None: ...
    def list_agency_limits(self) -> dict[str, frozenset[str]]: ...


class IssuerKeyStore(Protocol):
    """The keys transcripts are signed with; the newest unretired one signs."""

    def insert_key(self, key: IssuerKey, *, retire_others_at: datetime) -> None: ...
    def list_keys(self) -> list[IssuerKey]: ...
    def active_key(self) -> IssuerKey | None: ...
    def get_key(self, kid: str) -> IssuerKey | None: ...
    def reseal_private_keys(self) -> int:
        """As `LtiKeyStore.reseal_private_keys`."""
