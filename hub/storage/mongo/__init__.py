"""MongoDB engine of the storage contract: mongoengine and pymongo on a replica set.

Deployment requirements (a replica set, for transactions; write concern `majority`,
journaling) are in docs/operations.md "MongoDB".
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import mongoengine
from pymongo.database import Database
from pymongo.errors import (
    ConnectionFailure,
    ExecutionTimeout,
    NotPrimaryError,
    PyMongoError,
    WTimeoutError,
)
from pymongo.uri_parser import parse_uri

from hub.storage.contract import Contended, HealthReport, MongoHandle, StorageSlice
from hub.storage.key_encryption import KeyCipher
from hub.storage.mongo import migrations
from hub.storage.mongo.common import COUNTERS, LOCKS, MAJORITY, MongoUnitOfWork, unit_of_work
from hub.storage.mongo.credentials import MongoCredentialStore
from hub.storage.mongo.migrations import MongoMigration
from hub.storage.mongo.sessions import MongoSessionStore
from hub.storage.slices import reseal_private_keys_of

SERVER_SELECTION_TIMEOUT_MS = 5_000  # an unreachable server is a 503 in seconds


class MongoStorage:
    """The hub's own stores, plus the stores of every slice a feature installs (also
    reachable as attributes, as on `SqlStorage`)."""

    def __init__(self, url: str, cipher: KeyCipher | None = None) -> None:
        parsed = parse_uri(url)
        name = parsed.get("database")
        if not name:
            raise ValueError("a MongoDB URL names its database: mongodb://host:port/<database>")
        self._alias = f"hub-{uuid.uuid4().hex}"
        # mongoengine keeps the connection (by alias, so that tests can open many
        # storages); tz_aware: instants come back as aware UTC datetimes.
        defaults = {"serverSelectionTimeoutMS": SERVER_SELECTION_TIMEOUT_MS}
        given = parsed["options"]  # case-insensitive, as MongoDB URL options are
        self.client = mongoengine.connect(
            db=name, alias=self._alias, host=url, tz_aware=True, uuidRepresentation="standard",
            **{option: value for option, value in defaults.items() if option not in given})
        self.database: Database[Any] = self.client.get_database(name, write_concern=MAJORITY)
        self._handle = MongoHandle(database=self.database, cipher=cipher or KeyCipher())
        self._slices: dict[str, tuple[StorageSlice, object]] = {}
        self.credentials = MongoCredentialStore(self.database)
        self.sessions = MongoSessionStore(self.database)

    @contextmanager
    def begin(self, *, write: bool = False) -> Iterator[MongoUnitOfWork]:
        with unit_of_work(self.client, write=write) as uow:
            yield uow

    def install(self, slice_: StorageSlice) -> None:
        if slice_.name in self._slices:
            return
        if slice_.open_mongo is None:
            # Issue 17 in progress: a slice not ported yet fails where it is used.
            self._slices[slice_.name] = (slice_, _NotPorted(slice_.name))
            return
        stores = slice_.open_mongo(self._handle)
        self._slices[slice_.name] = (slice_, stores)
        for name, store in vars(stores).items():
            setattr(self, name, store)

    def slice(self, name: str) -> object:
        return self._slices[name][1]

    def is_unavailable(self, exc: BaseException) -> bool:
        # ConnectionFailure covers refused and dropped connections, no server selected in
        # time and a primary stepping down (AutoReconnect, NotPrimaryError); Contended: a
        # concurrent transaction won, and the request may simply be sent again.
        return isinstance(exc, ConnectionFailure | NotPrimaryError | ExecutionTimeout
                          | WTimeoutError | Contended)

    def reseal_private_keys(self) -> dict[str, int]:
        return reseal_private_keys_of(stores for _, stores in self._slices.values())

    @property
    def engine_name(self) -> str:
        return "mongodb"

    def health(self) -> HealthReport:
        try:
            self.database.command("ping")
            steps = migrations.applied(self.database)
        except PyMongoError as exc:
            return HealthReport(ok=False, engine=self.engine_name, detail={"error": str(exc)})
        if not steps:  # as on SQL without alembic_version: never migrated
            return HealthReport(ok=False, engine=self.engine_name, detail={
                "error": "the database has no schema yet: run flask --app wsgi db upgrade"})
        schema = ",".join(sorted(ids[-1] for ids in steps.values()))
        return HealthReport(ok=True, engine=self.engine_name, detail={"schema": schema})

    def migration_steps(self) -> list[tuple[str, Sequence[MongoMigration]]]:
        steps: list[tuple[str, Sequence[MongoMigration]]] = [("hub", HUB_MIGRATIONS)]
        for slice_, _ in self._slices.values():
            if slice_.mongo_migrations is not None:
                steps.append((slice_.name, slice_.mongo_migrations()))
        return steps

    def upgrade(self) -> None:
        migrations.upgrade(self.database, self.migration_steps())

    def dispose(self) -> None:
        mongoengine.disconnect(alias=self._alias)


class _NotPorted:
    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        raise NotImplementedError(f"the {self._name} slice has no MongoDB stores yet "
                                  f"({attribute})")


def _hub_0001_credentials_and_sessions(database: Database[Any]) -> None:
    migrations.ensure_collections(database, "credentials", "sign_in_sessions", COUNTERS, LOCKS)
    database.credentials.create_index("created_at", name="created_at")
    database.sign_in_sessions.create_index([("credential_key", 1), ("ended_at", 1)],
                                           name="credential_open")
    for field in ("ended_at", "expires_at", "last_seen_at"):
        database.sign_in_sessions.create_index(field, name=field)


HUB_MIGRATIONS = (
    MongoMigration("hub_0001_credentials_and_sessions", _hub_0001_credentials_and_sessions),
)
