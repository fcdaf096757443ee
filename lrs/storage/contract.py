"""The lrs slice of the storage contract: statements, documents, activities.

Stores store and query; they never validate.  Inputs arrive already checked by the
operations in `lrs`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

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


class PreparedRows(Protocol):
    """A batch's rows as the engine will write them, made outside any transaction."""


class StatementStore(Protocol):
    """Storing and querying primitives; the xAPI rules that combine them (same-id
    conflicts, voiding, definition learning) are `lrs.statements.storing`'s, run in
    one unit of work (`Storage.begin(write=True)`)."""

    def comparison_digests(self, ids: Iterable[str]) -> dict[str, str]:
        """The comparison digest of each of `ids` that is stored."""

    def prepare_statement_rows(self, records: Sequence[StatementRecord]) -> PreparedRows:
        """The records' rows, made before the write transaction so that it is short."""

    def insert_statement_rows(self, prepared: PreparedRows,
                              skip: Collection[str] = ()) -> dict[str, int]:
        """Insert the prepared records (and their index) whose id is not in `skip`; their
        seqs by id.  AlreadyExists when one of the ids was stored meanwhile."""

    def insert_attachments(self, attachments: Iterable[Attachment]) -> None:
        """Store the attachments not stored yet (by sha2)."""

    def mark_voided(self, ids: Iterable[str], authority_key: str | None = None) -> None:
        """Mark voided the statements among `ids` that are not voiding statements (and,
        given `authority_key`, were stored under it)."""

    def voiding_statements_of(self, ids: Iterable[str]) -> list[tuple[str, str | None]]:
        """(target, authority_key) of every stored voiding statement targeting one of `ids`."""

    def inherit_statement_ref_index(self, records: Sequence[StatementRecord],
                                    seqs: Mapping[str, int]) -> None:
        """Copy index entries along StatementRefs between the stored `records` (at `seqs`)
        and what they target or what targets them, recursively."""

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
