"""Protocols every storage engine implements, and the records that cross them.

Stores store and query; they never validate.  Inputs arrive already checked by
the operations in `lrs`, `lti` and `transcripts`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
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
@dataclass(frozen=True)
class AgentIndexEntry:
    """One agent a statement reaches; `relation` is actor/object/authority/context/sub."""

    agent_key: str
    relation: str


@dataclass(frozen=True)
class StatementRecord:
    """A statement as the LRS keeps it: the full JSON plus the columns queries filter on."""

    id: str
    document: dict[str, Any]
    stored: datetime
    timestamp: datetime
    version: str
    verb_id: str
    actor_key: str | None
    object_agent_key: str | None
    object_activity_id: str | None
    object_statement_id: str | None  # StatementRef target
    registration: str | None
    authority_key: str
    voiding_target: str | None  # set when the verb is the voided verb
    agents: tuple[AgentIndexEntry, ...] = ()
    related_activities: tuple[str, ...] = ()
    attachment_hashes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Attachment:
    sha2: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class StatementQuery:
    agent_key: str | None = None
    related_agents: bool = False
    verb_id: str | None = None
    activity_id: str | None = None
    related_activities: bool = False
    registration: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    authority_key: str | None = None  # statements/read/mine
    ascending: bool = False
    limit: int = 100
    after_seq: int | None = None  # keyset cursor from a `more` link
    ceiling_seq: int | None = None  # newest statement visible to the first page


@dataclass(frozen=True)
class StoredStatement:
    seq: int
    id: str
    document: dict[str, Any]
    stored: datetime
    voided: bool
    attachment_hashes: tuple[str, ...] = ()


@dataclass(frozen=True)
class StatementPage:
    statements: list[StoredStatement]
    next_seq: int | None
    ceiling_seq: int | None


class StatementStore(Protocol):
    def insert_statements(
        self, records: Sequence[StatementRecord], attachments: Iterable[Attachment] = ()
    ) -> None:
        """Insert all or nothing; voids targets named by voiding records."""

    def find_statements(self, ids: Iterable[str]) -> dict[str, StoredStatement]: ...
    def get_statement(self, statement_id: str) -> StoredStatement | None: ...
    def query_statements(self, query: StatementQuery) -> StatementPage: ...
    def get_attachments(self, hashes: Iterable[str]) -> dict[str, Attachment]: ...
    def latest_stored(self) -> datetime | None: ...


# --- the aggregate ---------------------------------------------------------
@dataclass
class HealthReport:
    ok: bool
    engine: str
    detail: dict[str, Any] = field(default_factory=dict)


class Storage(Protocol):
    credentials: CredentialStore
    statements: StatementStore

    @property
    def engine_name(self) -> str: ...
    def health(self) -> HealthReport: ...
    def upgrade(self) -> None:
        """Bring the schema to the newest migration."""

    def dispose(self) -> None: ...
