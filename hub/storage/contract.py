"""Protocols every storage engine implements, and the records that cross them.

Stores store and query; they never validate.  Inputs arrive already checked by
the operations in `lrs`, `lti` and `transcripts`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
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
        records are marked voided, also when the target arrives after the voiding.
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


class LtiPlatformStore(Protocol):
    def insert_platform(self, platform: LtiPlatform) -> LtiPlatform:
        """Store with its deployments and return it with its id; AlreadyExists when
        the (issuer, client id) pair is registered."""

    def get_platform(self, platform_id: int) -> LtiPlatform | None: ...
    def find_platforms(self, issuer: str) -> list[LtiPlatform]: ...
    def list_platforms(self) -> list[LtiPlatform]: ...
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
    statements: StatementStore
    documents: DocumentStore
    activities: ActivityStore
    lti_keys: LtiKeyStore
    lti_platforms: LtiPlatformStore
    lti_sessions: LtiSessionStore
    lti_roster: LtiRosterStore
    lti_catalogue: LtiCatalogueStore
    lti_grades: LtiGradeStore

    @property
    def engine_name(self) -> str: ...
    def health(self) -> HealthReport: ...
    def upgrade(self) -> None:
        """Bring the schema to the newest migration."""

    def dispose(self) -> None: ...
