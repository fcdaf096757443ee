"""The hub's own part of the storage contract: credentials, sign-in sessions, the engine
and the slices features install on it.

Each feature owns the rest of its contract (`lrs.storage.contract`,
`lti.tool.storage.contract`, `lti.platform.storage.contract`,
`transcripts.storage.contract`).  Stores store and query; they never validate.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
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

# --- the aggregate ---------------------------------------------------------
@dataclass
class HealthReport:
    ok: bool
    engine: str
    detail: dict[str, Any] = field(default_factory=dict)


class AlreadyExists(Exception):
    """A record with the same natural key is already stored."""


class ReadOnlyUnitOfWork(RuntimeError):
    """A store tried to write inside a unit of work opened with `write=False`."""


class Contended(Exception):
    """A concurrent unit of work wrote the same record first and this one was abandoned;
    nothing of it was written, and running the whole unit again may succeed.  SQL
    engines wait on row locks and never raise it; MongoDB aborts the later of two
    conflicting transactions at once (docs/operations.md "MongoDB")."""


@dataclass(frozen=True)
class SqlHandle:
    """What a slice's SQL stores are opened on: the engine and the key cipher."""

    engine: Any  # sqlalchemy.Engine (not imported here: the contract names no engine)
    cipher: Any  # hub.storage.key_encryption.KeyCipher


@dataclass(frozen=True)
class MongoHandle:
    """What a slice's MongoDB stores are opened on: the database and the key cipher."""

    database: Any  # pymongo.database.Database
    cipher: Any  # hub.storage.key_encryption.KeyCipher


@dataclass(frozen=True)
class StorageSlice:
    """A feature's persistence: its name, its Alembic migrations and, per engine kind,
    how its stores open.  Each feature declares one (or more) and installs it on the
    storage from its `init_app`; `hub.storage` knows no feature."""

    name: str
    migrations: Path
    open_sql: Callable[[SqlHandle], object]
    # The MongoDB stores and the index steps `upgrade` runs (hub.storage.mongo.migrations).
    open_mongo: Callable[[MongoHandle], object] | None = None
    mongo_migrations: Callable[[], Sequence[Any]] | None = None


class UnitOfWork(Protocol):
    """What `Storage.begin` opens: until it ends, every store of every slice of that
    storage takes part in one transaction."""

    @property
    def write(self) -> bool: ...


class Storage(Protocol):
    """The engine: the hub's own stores, the connections, the schema, and the stores of
    every installed slice (a feature reaches its own through its typed accessor,
    e.g. `lrs.storage.stores()`)."""

    @property
    def credentials(self) -> CredentialStore: ...
    @property
    def sessions(self) -> SessionStore: ...

    def begin(self, *, write: bool = False) -> AbstractContextManager[UnitOfWork]:
        """A unit of work: committed when the block ends, rolled back when it raises; a
        nested `begin` joins the open one.  `write=True` when anything inside may write
        (a store writing inside a read-only unit raises): SQLite then takes its write
        lock up front; a read-only unit reads one snapshot."""

    def install(self, slice_: StorageSlice) -> None:
        """Open the slice's stores on this engine (idempotent per slice name)."""

    def slice(self, name: str) -> object:
        """The stores of an installed slice (KeyError when it is not installed)."""

    @property
    def engine_name(self) -> str: ...
    def health(self) -> HealthReport: ...
    def upgrade(self) -> None:
        """Bring the schema to the newest migration."""

    def is_unavailable(self, exc: BaseException) -> bool:
        """Whether `exc` means the database cannot be reached or is too busy right now
        (the request may succeed if retried), as opposed to a fault in the hub."""

    def reseal_private_keys(self) -> dict[str, int]:
        """Private signing keys rewritten under the first key-encryption key, per store
        (every installed slice whose stores have `reseal_private_keys`).

        Engines keep private keys sealed with the `KeyCipher` they were opened with
        (hub.storage.key_encryption); records crossing the contract carry plain PEM."""

    def dispose(self) -> None: ...


