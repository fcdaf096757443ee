"""SQL engine of the storage contract: SQLite and PostgreSQL via SQLAlchemy Core."""

from __future__ import annotations

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

from hub.storage.contract import HealthReport
from hub.storage.key_encryption import KeyCipher
from hub.storage.sql.activities import SqlActivityStore
from hub.storage.sql.credentials import SqlCredentialStore
from hub.storage.sql.documents import SqlDocumentStore
from hub.storage.sql.engine import make_engine
from hub.storage.sql.lti_grades import SqlLtiGradeStore
from hub.storage.sql.lti_platform import (
    SqlLtiPlatformGradebookStore,
    SqlLtiPlatformRosterStore,
    SqlLtiPlatformToolStore,
)
from hub.storage.sql.lti_registry import SqlLtiKeyStore, SqlLtiPlatformStore, SqlLtiSessionStore
from hub.storage.sql.lti_roster import SqlLtiCatalogueStore, SqlLtiRosterStore
from hub.storage.sql.sessions import SqlSessionStore
from hub.storage.sql.statements import SqlStatementStore
from hub.storage.sql.tables import lti_platform_keys
from hub.storage.sql.transcripts import SqlTranscriptStore
from hub.storage.sql.transcripts_access import SqlAccessStore, SqlIssuerKeyStore
from hub.storage.sql.transcripts_frameworks import SqlFrameworkStore
from hub.storage.sql.transcripts_people import SqlPersonStore

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


class SqlStorage:
    def __init__(self, url: str, cipher: KeyCipher | None = None) -> None:
        self.engine = make_engine(url)
        self.credentials = SqlCredentialStore(self.engine)
        self.sessions = SqlSessionStore(self.engine)
        self.statements = SqlStatementStore(self.engine)
        self.documents = SqlDocumentStore(self.engine)
        self.activities = SqlActivityStore(self.engine)
        self.people = SqlPersonStore(self.engine)
        self.frameworks = SqlFrameworkStore(self.engine)
        self.transcripts = SqlTranscriptStore(self.engine)
        self.access = SqlAccessStore(self.engine)
        self.issuer_keys = SqlIssuerKeyStore(self.engine, cipher)
        self.lti_keys = SqlLtiKeyStore(self.engine, cipher=cipher)
        self.lti_platforms = SqlLtiPlatformStore(self.engine)
        self.lti_sessions = SqlLtiSessionStore(self.engine)
        self.lti_roster = SqlLtiRosterStore(self.engine)
        self.lti_catalogue = SqlLtiCatalogueStore(self.engine)
        self.lti_grades = SqlLtiGradeStore(self.engine)
        self.lti_platform_keys = SqlLtiKeyStore(self.engine, lti_platform_keys, cipher)
        self.lti_platform_tools = SqlLtiPlatformToolStore(self.engine)
        self.lti_platform_roster = SqlLtiPlatformRosterStore(self.engine)
        self.lti_platform_gradebook = SqlLtiPlatformGradebookStore(self.engine)

    def is_unavailable(self, exc: BaseException) -> bool:
        # OperationalError: refused or dropped connections, a server shutting down,
        # SQLite's "database is locked" after the busy timeout; TimeoutError: no pooled
        # connection came free in time.
        if isinstance(exc, OperationalError | InterfaceError | DisconnectionError
                      | PoolTimeoutError):
            return True
        return isinstance(exc, DBAPIError) and exc.connection_invalidated

    def reseal_private_keys(self) -> dict[str, int]:
        return {"lti_keys": self.lti_keys.reseal_private_keys(),
                "lti_platform_keys": self.lti_platform_keys.reseal_private_keys(),
                "issuer_keys": self.issuer_keys.reseal_private_keys()}

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

    def upgrade(self) -> None:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as conn:
            config.attributes["connection"] = conn
            # "heads": feature packages add migration branches off a shared base
            # (see docs/architecture.md), so there may be several heads at once.
            command.upgrade(config, "heads")

    def dispose(self) -> None:
        self.engine.dispose()
