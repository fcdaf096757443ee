"""SQLAlchemy Core tables.  the hub's own (credentials, sign-in sessions) and the
shared MetaData and helpers every slice's tables use.  Alembic migrations create them;
these modules only describe them for queries."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL wants BIGINT identity.
Seq = BigInteger().with_variant(Integer(), "sqlite")

credentials = Table(
    "credentials",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("secret_digest", String(128), nullable=False),
    Column("name", String(200), nullable=False),
    Column("owner", String(200), nullable=False),
    Column("authority", JSON, nullable=False),
    Column("scopes", Text, nullable=False),  # space separated, as OAuth scopes are
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
)

# Browser sign-in sessions (hub.sessions; migration sessions_0001).
sign_in_sessions = Table(
    "sign_in_sessions",
    metadata,
    Column("id_digest", String(64), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("credential_key", String(64), ForeignKey("credentials.key"), nullable=False,
           index=True),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True), nullable=False, index=True),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("ended_at", DateTime(timezone=True)),
    Column("end_reason", String(32)),
)

