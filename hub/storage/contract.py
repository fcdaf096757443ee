"""Protocols every storage engine implements, and the records that cross them.

Stores store and query; they never validate.  Inputs arrive already checked by
the operations in `lrs`, `lti` and `transcripts`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


# --- credentials -----------------------------------------------------------
@dataclass(frozen=True)
class Credential:
    key: str
    secret_digest: str
    name: str
    owner: str
    authority: dict[str, Any]
    scopes: frozenset[str]
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class CredentialStore(Protocol):
    def insert_credential(self, credential: Credential) -> None: ...
    def find_credential(self, key: str) -> Credential | None: ...
    def list_credentials(self) -> list[Credential]: ...
    def revoke_credential(self, key: str, when: datetime) -> bool: ...



# --- sign-in sessions -------------------------------------------------------
@dataclass(frozen=True)
class SignInSession:
    """A browser session of a credential (auditor pages; later an operator console).
    The cookie carries a random session id; the store keeps only its digest."""

    id_digest: str
    kind: str  # which pages: "auditor"
    credential_key: str
    started_at: datetime
    last_seen_at: datetime
    expires_at: datetime  # the absolute end, however active the session is
    ended_at: datetime | None = None
    end_reason: str | None = None  # signed_out, replaced, revoked, idle, expired


class SessionStore(Protocol):
    def insert_session(self, session: SignInSession) -> None: ...
    def find_session(self, id_digest: str) -> SignInSession | None: ...
    def touch_session(self, id_digest: str, seen_at: datetime) -> None:
        """Record activity on an open session (last_seen_at only moves forward)."""

    def end_session(self, id_digest: str, when: datetime, reason: str) -> bool:
        """End an open session; False when it was not open."""

    def end_sessions_of(self, credential_key: str, when: datetime, reason: str) -> int:
        """End every open session of a credential; how many were open."""

    def purge_sessions(self, before: datetime) -> int:
        """Delete sessions that ended, expired or were last seen before `before`."""

# --- statements ------------------------------------------------------------
# An index entry is (kind, value): what a statement can be found by.  Kinds are
# "verb", "registration", "agent" / "related_agent" and "activity" /
# "related_activity" (every direct entry is also present as its related kind).
IndexEntry = tuple[str, str]


class StatementConflict(Exception):
    """A statement id is already stored with different content (xAPI: 409)."""

    def __init__(self, statement_id: str) -> None:
        super().__init__(statement_id)
        self.statement_id = statement_id


@dataclass(frozen=True)
class StatementRecord:
    """A statement as the LRS keeps it: the full JSON plus what queries filter on."""

    id: str
    document: dict[str, Any]
    stored: datetime
    comparison_digest: str  # equal digests: the same statement (xAPI Data 2.3.1)
    authority_key: str
    index: frozenset[IndexEntry]
    object_statement_id: str | None = None  # StatementRef target: inherits its index
    voiding_target: str | None = None  # set on statements with the "voided" verb
    # Operator scope statements/void/any: the target may belong to another authority.
    voids_any_authority: bool = False
    attachment_hashes: tuple[str, ...] = ()
    activity_definitions: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Attachment:
    sha2: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class StatementQuery:
    """Filters are ANDed; a statement matches an entry through its own index or,
    recursively, through the statement its StatementRef targets."""

    filters: tuple[IndexEntry, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    authority_key: str | None = None  # statements/read/mine
    ascending: bool = False
    limit: int = 100
    after_seq: int | None = None  # keyset cursor from a `more` link
    ceiling_seq: int | None = None  # newest statement visible when the query began


@dataclass(frozen=True)
class StoredStatement:
    seq: int
    id: str
    document: dict[str, Any]
    stored: datetime
    voided: bool
    comparison_digest: str
    voiding_target: str | None = None
    attachment_hashes: tuple[str, ...] = ()


@dataclass(frozen=True)
class StatementPage:
    statements: list[StoredStatement]
    more_after_seq: int | None  # cursor for the next page, None when this is the last
    ceiling_seq: int | None


class StatementStore(Protocol):
    def insert_statements(
        self, records: Sequence[StatementRecord], attachments: Iterable[Attachment] = (),
        merge_definition: DefinitionMerge | None = None,
    ) -> list[str]:
        """Store all or nothing and return the ids newly stored.

        Ids already stored with the same comparison digest are skipped; a different
        digest raises StatementConflict and stores nothing.  Targets of voiding
        records are marked voided when they were stored under the voiding record's
        authority_key (any authority with `voids_any_authority`), also when the target
        arrives after the voiding (then only under the same authority_key).
        With `merge_definition`, the records' activity definitions are learned in the
        same transaction (see ActivityStore.upsert_activity_definitions).
        """

    def find_statements(self, ids: Iterable[str]) -> dict[str, StoredStatement]: ...
    def query_statements(self, query: StatementQuery) -> StatementPage: ...
    def max_statement_seq(self) -> int | None: ...
    def statements_after(self, seq: int, limit: int) -> list[StoredStatement]:
        """Every statement (voided ones too) stored after `seq`, oldest first: the feed
        that derived views (transcripts, grade passback) follow with their own cursor."""
    def get_attachments(self, hashes: Iterable[str]) -> dict[str, Attachment]: ...


# --- documents -------------------------------------------------------------
DOCUMENT_KINDS = ("state", "activity_profile", "agent_profile")


@dataclass(frozen=True)
class DocumentScope:
    """Where documents live: State in activity + agent (+ registration), an Activity
    Profile in an activity, an Agent Profile in an agent (`agent_key` of lrs.identifiers)."""

    kind: str  # one of DOCUMENT_KINDS
    activity_id: str | None = None
    agent_key: str | None = None
    registration: str | None = None


@dataclass(frozen=True)
class DocumentContent:
    """What a write stores: the bytes as received, their media type, and the version stamp."""

    content: bytes
    content_type: str
    etag: str
    updated: datetime


@dataclass(frozen=True)
class StoredDocument:
    document_id: str
    content: bytes
    content_type: str
    etag: str
    updated: datetime


@dataclass(frozen=True)
class DocumentListing:
    document_id: str
    updated: datetime


class DocumentStore(Protocol):
    """State, Activity Profile and Agent Profile documents.

    Writes take a callback that the store runs inside the write transaction, with the
    scope locked against other writers and the current document(s) read under that lock:
    the caller's precondition check and the write it allows are one atomic step.  An
    exception from the callback rolls the transaction back and propagates.
    """

    def get_document(self, scope: DocumentScope, document_id: str) -> StoredDocument | None: ...
    def list_document_ids(
        self, scope: DocumentScope, since: datetime | None = None
    ) -> list[DocumentListing]:
        """Documents in `scope` updated after `since` (exclusive), ordered by id."""

    def save_document(
        self, scope: DocumentScope, document_id: str,
        write: Callable[[StoredDocument | None], DocumentContent],
    ) -> StoredDocument:
        """Store what `write(current)` returns, replacing the current document."""

    def delete_document(
        self, scope: DocumentScope, document_id: str,
        check: Callable[[StoredDocument | None], None] | None = None,
    ) -> bool:
        """Delete one document after `check(current)`; False when there was none."""

    def delete_documents(
        self, scope: DocumentScope,
        check: Callable[[list[DocumentListing]], None] | None = None,
    ) -> int:
        """Delete every document in `scope` after `check(current listing)`; returns how many."""


@dataclass(frozen=True)
class StoredActivity:
    activity_id: str
    definition: dict[str, Any]  # {} when the activity is known by id only
    updated: datetime


# Combines the stored canonical definition (None when there is none) with an incoming one.
DefinitionMerge = Callable[[dict[str, Any] | None, dict[str, Any]], dict[str, Any]]


class ActivityStore(Protocol):
    def get_activity(self, activity_id: str) -> StoredActivity | None: ...
    def find_activities(self, activity_ids: Iterable[str]) -> dict[str, StoredActivity]: ...
    def upsert_activity_definitions(
        self, definitions: Mapping[str, dict[str, Any]], merge: DefinitionMerge
    ) -> None:
        """Learn activities by id; `merge` each non-empty definition into the stored one
        with the row locked.  An empty definition only makes the id known."""


# --- lti ---------------------------------------------------------------------
# The hub as an LTI 1.3 tool (lti/tool) and, later, as a platform (lti/platform).
class AlreadyExists(Exception):
    """A record with the same natural key is already stored."""


@dataclass(frozen=True)
class ToolKey:
    """One of the hub's RSA signing keys.  "next" keys are published but not used yet,
    the "active" one signs, "retired" ones stay published for a while after rotation."""

    kid: str
    private_pem: str
    public_jwk: dict[str, Any]
    status: str  # next | active | retired
    created_at: datetime
    activated_at: datetime | None = None
    retired_at: datetime | None = None


class LtiKeyStore(Protocol):
    def insert_key(self, key: ToolKey) -> None: ...
    def list_keys(self) -> list[ToolKey]:
        """Every key, newest first."""

    def promote_key(self, kid: str, when: datetime) -> bool:
        """Make the "next" key `kid` active and retire the active ones, atomically;
        False when `kid` is not a "next" key."""

    def activate_first_key(self, key: ToolKey) -> ToolKey:
        """Store `key` as active unless an active key exists; return the active key
        (so concurrent workers agree on one)."""

    def reseal_private_keys(self) -> int:
        """Encrypt every private key under the first key-encryption key (plain ones and
        ones sealed under an older key); how many were rewritten."""


@dataclass(frozen=True)
class LtiPlatform:
    """A registered LMS: one (issuer, client id) pair and its deployments."""

    id: int | None
    issuer: str
    client_id: str
    name: str
    auth_login_url: str
    token_url: str
    jwks_url: str
    created_at: datetime
    auth_audience: str | None = None
    deployment_ids: tuple[str, ...] = ()
    disabled_at: datetime | None = None  # set: refused at login, launch and services

    @property
    def enabled(self) -> bool:
        return self.disabled_at is None


class LtiPlatformStore(Protocol):
    def insert_platform(self, platform: LtiPlatform) -> LtiPlatform:
        """Store with its deployments and return it with its id; AlreadyExists when
        the (issuer, client id) pair is registered."""

    def get_platform(self, platform_id: int) -> LtiPlatform | None: ...
    def find_platforms(self, issuer: str) -> list[LtiPlatform]: ...
    def list_platforms(self) -> list[LtiPlatform]: ...
    def update_platform(self, platform: LtiPlatform) -> LtiPlatform | None:
        """Replace the editable fields of platform `platform.id` (client id, name, URLs,
        audience) and its set of deployments, in one transaction; the issuer, creation
        time and disabled state stay.  None when there is no such platform; AlreadyExists
        when another registration has the (issuer, client id) pair."""

    def set_platform_disabled(self, platform_id: int, when: datetime | None) -> bool:
        """Disable the platform at `when`, or enable it again with None; False when
        there is no such platform.  Disabling a disabled platform keeps its first time."""

    def add_deployment(self, platform_id: int, deployment_id: str, when: datetime) -> bool:
        """False when the deployment was already there."""

    def remove_deployment(self, platform_id: int, deployment_id: str) -> bool: ...
    def insert_invite(self, token_digest: str, note: str, created_at: datetime,
                      expires_at: datetime) -> None: ...
    def invite_is_open(self, token_digest: str, now: datetime) -> bool: ...
    def close_invite(self, token_digest: str, platform_id: int, when: datetime) -> bool:
        """Mark an open, unexpired invite used; False when it was not open (single use)."""


class LtiSessionStore(Protocol):
    """Short-lived values shared by every worker: OIDC state, nonces, launch data,
    cached platform key sets.  Expired values read as absent."""

    def put_value(self, key: str, value: Any, expires_at: datetime) -> None: ...
    def get_value(self, key: str, now: datetime) -> Any | None: ...
    def take_value(self, key: str, now: datetime) -> Any | None:
        """Remove and return the value; of concurrent callers only one gets it."""

    def purge_expired(self, now: datetime) -> int: ...


@dataclass(frozen=True)
class LtiUser:
    issuer: str
    sub: str
    updated: datetime
    name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    email: str | None = None
    sourcedid: str | None = None
    nip: str | None = None
    hub_identity: str | None = None


@dataclass(frozen=True)
class LtiContext:
    platform_id: int
    context_id: str
    updated: datetime
    title: str | None = None
    label: str | None = None
    memberships_url: str | None = None


@dataclass(frozen=True)
class LtiMember:
    platform_id: int
    context_id: str
    sub: str
    roles: tuple[str, ...]
    status: str  # Active | Inactive | Deleted (NRPS 2.0)
    launched: bool
    updated: datetime


@dataclass(frozen=True)
class LtiResourceLink:
    platform_id: int
    resource_link_id: str
    deployment_id: str
    activity_key: str  # SHA-256 of the link's xAPI activity IRI
    updated: datetime
    context_id: str | None = None
    title: str | None = None
    catalogue_id: str | None = None
    lineitem_url: str | None = None
    lineitems_url: str | None = None
    ags_scopes: tuple[str, ...] = ()


class LtiRosterStore(Protocol):
    """Who launched the hub from where.  Upserts keep stored values where the new
    record has None (an NRPS page does not erase what a launch told)."""

    def upsert_users(self, users: Sequence[LtiUser]) -> None: ...
    def find_user(self, issuer: str, sub: str) -> LtiUser | None: ...
    def find_users(self, issuer: str, subs: Iterable[str]) -> dict[str, LtiUser]: ...
    def find_users_by_email(self, email: str) -> list[LtiUser]: ...
    def upsert_context(self, context: LtiContext) -> None: ...
    def get_context(self, platform_id: int, context_id: str) -> LtiContext | None: ...
    def upsert_members(self, members: Sequence[LtiMember]) -> None:
        """`launched` only ever turns on."""

    def list_members(self, platform_id: int, context_id: str) -> list[LtiMember]: ...
    def upsert_resource_link(self, link: LtiResourceLink) -> None: ...
    def get_resource_link(self, platform_id: int, resource_link_id: str
                          ) -> LtiResourceLink | None: ...
    def list_resource_links(self, platform_id: int, context_id: str
                            ) -> list[LtiResourceLink]: ...
    def set_lineitem_url(self, platform_id: int, resource_link_id: str, url: str) -> None: ...
    def record_link_launch(self, platform_id: int, resource_link_id: str, sub: str,
                           when: datetime) -> None: ...
    def find_launched_links(self, issuer: str, subs: Iterable[str],
                            activity_keys: Iterable[str], catalogue_ids: Iterable[str]
                            ) -> list[tuple[str, LtiResourceLink]]:
        """(sub, link) for links that a user of `issuer` among `subs` launched and whose
        activity key or catalogue entry is among those given."""


@dataclass(frozen=True)
class CatalogueEntry:
    """A partner activity the hub offers through Deep Linking."""

    id: str
    title: str
    description: str
    activity_id: str  # the partner activity's xAPI IRI
    launch_url: str
    keywords: str
    graded: bool
    created_at: datetime
    score_maximum: float | None = None


class LtiCatalogueStore(Protocol):
    def insert_entry(self, entry: CatalogueEntry) -> None:
        """AlreadyExists when the id is taken."""

    def get_entry(self, entry_id: str) -> CatalogueEntry | None: ...
    def find_entries_by_activity(self, activity_ids: Iterable[str]) -> list[CatalogueEntry]: ...
    def search_entries(self, text: str, limit: int) -> list[CatalogueEntry]:
        """Entries whose title, description or keywords contain every word of `text`
        (case-insensitive), by title."""


@dataclass(frozen=True)
class GradeJob:
    """One score to post to an LMS line item (AGS 2.0), made from one statement."""

    platform_id: int
    resource_link_id: str
    sub: str
    statement_id: str
    activity_progress: str
    grading_progress: str
    timestamp: str
    created_at: datetime
    next_attempt_at: datetime
    id: int | None = None
    score_given: float | None = None
    score_maximum: float | None = None
    status: str = "pending"  # pending | done | failed
    attempts: int = 0
    last_error: str | None = None
    done_at: datetime | None = None


class LtiGradeStore(Protocol):
    def enqueue_jobs(self, jobs: Sequence[GradeJob]) -> int:
        """Store new jobs; one already stored for the same statement, link and user is
        skipped (so a statement never yields two scores).  Returns how many were new."""

    def claim_due_jobs(self, now: datetime, lease_until: datetime, limit: int
                       ) -> list[GradeJob]:
        """Pending jobs due by `now`, leased to this caller until `lease_until`."""

    def complete_job(self, job_id: int, when: datetime) -> None: ...
    def retry_job(self, job_id: int, error: str, next_attempt_at: datetime | None) -> None:
        """Record a failed attempt; None gives up (status failed)."""

    def list_jobs(self, status: str | None = None) -> list[GradeJob]: ...
    def latest_results(self, platform_id: int, resource_link_ids: Iterable[str],
                       sub: str | None = None) -> list[GradeJob]:
        """The newest job per (link, user), for progress pages."""

    def get_cursor(self, name: str) -> int: ...
    def set_cursor(self, name: str, seq: int) -> None: ...


# --- the aggregate ---------------------------------------------------------
@dataclass
class HealthReport:
    ok: bool
    engine: str
    detail: dict[str, Any] = field(default_factory=dict)


class Storage(Protocol):
    credentials: CredentialStore
    sessions: SessionStore
    statements: StatementStore
    documents: DocumentStore
    activities: ActivityStore
    # transcripts
    people: PersonStore
    frameworks: FrameworkStore
    transcripts: TranscriptStore
    access: AccessStore
    issuer_keys: IssuerKeyStore
    lti_keys: LtiKeyStore
    lti_platforms: LtiPlatformStore
    lti_sessions: LtiSessionStore
    lti_roster: LtiRosterStore
    lti_catalogue: LtiCatalogueStore
    lti_grades: LtiGradeStore
    # lti platform
    lti_platform_keys: LtiKeyStore
    lti_platform_tools: LtiPlatformToolStore
    lti_platform_roster: LtiPlatformRosterStore
    lti_platform_gradebook: LtiPlatformGradebookStore

    @property
    def engine_name(self) -> str: ...
    def health(self) -> HealthReport: ...
    def upgrade(self) -> None:
        """Bring the schema to the newest migration."""

    def is_unavailable(self, exc: BaseException) -> bool:
        """Whether `exc` means the database cannot be reached or is too busy right now
        (the request may succeed if retried), as opposed to a fault in the hub."""

    def reseal_private_keys(self) -> dict[str, int]:
        """Private signing keys rewritten under the first key-encryption key, per store.

        Engines keep private keys sealed with the `KeyCipher` they were opened with
        (hub.storage.key_encryption); records crossing the contract carry plain PEM."""

    def dispose(self) -> None: ...


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
class FeedState:
    cursor: int  # every statement with seq <= cursor was processed, except `gaps`
    gaps: Mapping[int, datetime]  # seqs skipped while possibly uncommitted → when noticed


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
                       summaries: Sequence[YearSummary]) -> None:
        """Replace the summaries of `pairs`: pairs without a summary given are removed."""

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


# --- lti platform ------------------------------------------------------------
# The hub as an LTI 1.3 platform that launches partner tools (lti/platform).  Its keys
# use the LtiKeyStore protocol above, on a table of their own.
@dataclass(frozen=True)
class PartnerTool:
    """A registered partner tool; the hub issued its client id and deployment id."""

    id: int | None
    client_id: str
    deployment_id: str
    name: str
    organisation: str
    login_url: str  # OIDC third-party initiated login
    target_link_uri: str
    redirect_uris: tuple[str, ...]
    jwks_url: str
    custom: dict[str, str]
    services: frozenset[str]  # lineitem | lineitem.readonly | result.readonly | score | nrps
    personal_data: frozenset[str]  # name | email | nip
    sub_salt: str  # per-tool secret: `sub` = HMAC(salt, hub identity)
    created_at: datetime
    deep_linking_url: str | None = None
    disabled_at: datetime | None = None  # set: not launched, no tokens, no services

    @property
    def enabled(self) -> bool:
        return self.disabled_at is None


@dataclass(frozen=True)
class ToolPlacement:
    """Which tool launches a catalogue entry, where, and what the activity is worth."""

    catalogue_id: str
    tool_id: int
    custom: dict[str, str]
    created_at: datetime
    url: str | None = None  # None: the tool's target link URI
    lesson_hours: float | None = None  # JP
    passing_score: float | None = None  # scaled 0..1; None: no passed/failed statements


@dataclass(frozen=True)
class PlatformLearner:
    """A learner as one tool knows them (`sub`) and who they are at the hub: the LTI
    account they signed in with (issuer, learner_sub)."""

    tool_id: int
    sub: str
    issuer: str
    learner_sub: str
    updated: datetime
    name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    email: str | None = None
    nip: str | None = None


@dataclass(frozen=True)
class PlatformContext:
    id: str
    kind: str  # lms (relayed from an LMS course) | catalogue (the hub's own catalogue)
    updated: datetime
    lms_platform_id: int | None = None
    lms_context_id: str | None = None
    title: str | None = None
    label: str | None = None


@dataclass(frozen=True)
class PlatformMember:
    tool_id: int
    context_id: str
    sub: str
    roles: tuple[str, ...]
    updated: datetime


@dataclass(frozen=True)
class PlatformLink:
    """A resource link the hub launched a tool from."""

    id: str
    tool_id: int
    context_id: str
    catalogue_id: str
    updated: datetime
    title: str | None = None
    lms_platform_id: int | None = None
    lms_resource_link_id: str | None = None


@dataclass(frozen=True)
class PlatformLineItem:
    """An AGS 2.0 line item (a gradebook column) of one tool in one context."""

    id: int | None
    tool_id: int
    context_id: str
    label: str
    score_maximum: float
    created_at: datetime
    resource_id: str | None = None
    resource_link_id: str | None = None
    tag: str | None = None
    start_date_time: str | None = None
    end_date_time: str | None = None


@dataclass(frozen=True)
class LineItemQuery:
    tool_id: int
    context_id: str
    resource_link_id: str | None = None
    resource_id: str | None = None
    tag: str | None = None
    after_id: int | None = None
    limit: int = 100


@dataclass(frozen=True)
class PlatformResult:
    """The latest score of one user on one line item."""

    line_item_id: int
    sub: str
    activity_progress: str
    grading_progress: str
    timestamp: datetime
    updated: datetime
    score_given: float | None = None
    score_maximum: float | None = None
    comment: str | None = None


class LtiPlatformToolStore(Protocol):
    def insert_tool(self, tool: PartnerTool) -> PartnerTool:
        """Store and return with its id; AlreadyExists when the client id is taken."""

    def get_tool(self, tool_id: int) -> PartnerTool | None: ...
    def find_tool(self, client_id: str) -> PartnerTool | None: ...
    def list_tools(self) -> list[PartnerTool]: ...
    def update_tool(self, tool: PartnerTool) -> PartnerTool | None:
        """Replace the editable fields of tool `tool.id` (name, organisation, URLs,
        redirect URIs, custom parameters, services, personal data); the client id,
        deployment id, sub salt, creation time and disabled state stay.  None when there
        is no such tool."""

    def set_tool_disabled(self, tool_id: int, when: datetime | None) -> bool:
        """Disable the tool at `when`, or enable it again with None; False when there is
        no such tool.  Disabling a disabled tool keeps its first time."""

    def put_placement(self, placement: ToolPlacement) -> None:
        """Insert or replace by catalogue id."""

    def get_placement(self, catalogue_id: str) -> ToolPlacement | None: ...
    def list_placements(self, tool_id: int | None = None) -> list[ToolPlacement]: ...
    def remember_assertion(self, client_id: str, jti: str, expires_at: datetime) -> bool:
        """Record a client assertion id; False when it was already recorded (a replay)."""

    def purge_assertions(self, now: datetime) -> int: ...


class LtiPlatformRosterStore(Protocol):
    def upsert_learners(self, learners: Sequence[PlatformLearner]) -> None: ...
    def find_learners(self, tool_id: int, subs: Iterable[str]) -> dict[str, PlatformLearner]: ...
    def upsert_context(self, context: PlatformContext) -> None: ...
    def get_context(self, context_id: str) -> PlatformContext | None: ...
    def upsert_members(self, members: Sequence[PlatformMember]) -> None: ...
    def list_members(self, tool_id: int, context_id: str, *, after_sub: str | None = None,
                     limit: int = 100) -> list[PlatformMember]:
        """Members ordered by sub, after `after_sub` (a keyset cursor)."""

    def upsert_link(self, link: PlatformLink) -> None: ...
    def get_link(self, link_id: str) -> PlatformLink | None: ...


class LtiPlatformGradebookStore(Protocol):
    def insert_line_item(self, item: PlatformLineItem) -> PlatformLineItem: ...
    def get_line_item(self, item_id: int) -> PlatformLineItem | None: ...
    def update_line_item(self, item: PlatformLineItem) -> bool: ...
    def delete_line_item(self, item_id: int) -> bool:
        """Delete the line item and its results."""

    def query_line_items(self, query: LineItemQuery) -> list[PlatformLineItem]:
        """Ordered by id, after `after_id`, at most `limit`."""

    def save_result(self, result: PlatformResult, *,
                    implausible_after: datetime | None = None) -> bool:
        """Store the score unless one with the same or a later timestamp is stored for
        the same line item and user (atomically); False when it was not stored.  A stored
        score dated after `implausible_after` is replaced whatever the new timestamp."""

    def list_results(self, line_item_id: int, *, user_id: str | None = None,
                     after_sub: str | None = None, limit: int = 100) -> list[PlatformResult]:
        """Ordered by user, after `after_sub`."""
