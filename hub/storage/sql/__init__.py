"""SQL engine of the storage contract: SQLite and PostgreSQL via SQLAlchemy Core."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.exc import (
    DBAPIError,
    DisconnectionError,
    InterfaceError,
    OperationalError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from hub.storage.contract import HealthReport, SqlHandle, StorageSlice
from hub.storage.key_encryption import KeyCipher
from hub.storage.slices import reseal_private_keys_of
from hub.storage.sql.common import SqlUnitOfWork, unit_of_work
from hub.storage.sql.credentials import SqlCredentialStore
from hub.storage.sql.engine import make_engine
from hub.storage.sql.sessions import SqlSessionStore

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


class SqlStorage:
    """The hub's own stores, plus the stores of every slice a feature installs; each
    slice's stores are also reachable as attributes (`storage.statements`) for scripts
    and tests, while features use their slice's typed accessor."""

    def __init__(self, url: str, cipher: KeyCipher | None = None) -> None:
        self.engine = make_engine(url)
        self._handle = SqlHandle(engine=self.engine, cipher=cipher or KeyCipher())
        self._slices: dict[str, tuple[StorageSlice, object]] = {}
        self.credentials = SqlCredentialStore(self.engine)
        self.sessions = SqlSessionStore(self.engine)

    @contextmanager
    def begin(self, *, write: bool = False) -> Iterator[SqlUnitOfWork]:
        with unit_of_work(self.engine, write=write) as uow:
            yield uow

    def install(self, slice_: StorageSlice) -> None:
        if slice_.name in self._slices:
            return
        stores = slice_.open_sql(self._handle)
        self._slices[slice_.name] = (slice_, stores)
        for name, store in vars(stores).items():
            setattr(self, name, store)

    def slice(self, name: str) -> object:
        return self._slices[name][1]

    def is_unavailable(self, exc: BaseException) -> bool:
        # OperationalError: refused or dropped connections, a server shutting down,
        # SQLite's "database is locked" after the busy timeout; TimeoutError: no pooled
        # connection came free in time.
        if isinstance(exc, OperationalError | InterfaceError | DisconnectionError
                      | PoolTimeoutError):
            return True
        return isinstance(exc, DBAPIError) and exc.connection_invalidated

    def reseal_private_keys(self) -> dict[str, int]:
        return reseal_private_keys_of(stores for _, stores in self._slices.values())

    @property
    def engine_name(self) -> str:
        return self.engine.dialect.name

    def health(self) -> HealthReport:
        try:
            with self.engine.connect() as conn:
                revisions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars()
                revision = ",".join(sorted(revisions))
        except Exception as exc:  # any driver error means "not healthy"
            return HealthReport(ok=False, engine=self.engine_name, detail={"error": str(exc)})
        return HealthReport(ok=True, engine=self.engine_name, detail={"schema": revision})

    def migrations_config(self) -> Config:
        """Alembic's view of the schema: the trunk's versions and each installed slice's
        own branch directory."""
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        locations = [MIGRATIONS / "versions"] + [s.migrations for s, _ in self._slices.values()]
        config.set_main_option("path_separator", "os")
        config.set_main_option("version_locations", os.pathsep.join(map(str, locations)))
        return config

    def upgrade(self) -> None:
        config = self.migrations_config()
        with self.engine.begin() as conn:
            config.attributes["connection"] = conn
            # "heads": feature packages add migration branches off a shared base
            # (see docs/architecture.md), so there may be several heads at once.
            command.upgrade(config, "heads")

    def dispose(self) -> None:
        self.engine.dispose()
