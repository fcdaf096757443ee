"""SQLAlchemy Core tables.  Alembic migrations in hub/storage/migrations create them;
this module only describes them for queries."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
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

statements = Table(
    "statements",
    metadata,
    Column("seq", Seq, primary_key=True, autoincrement=True),
    Column("id", String(36), nullable=False, unique=True),
    Column("document", JSON, nullable=False),
    Column("stored", DateTime(timezone=True), nullable=False),
    Column("timestamp", DateTime(timezone=True), nullable=False),
    Column("version", String(16), nullable=False),
    Column("verb_id", Text, nullable=False),
    Column("actor_key", Text),
    Column("object_agent_key", Text),
    Column("object_activity_id", Text),
    Column("object_statement_id", String(36)),
    Column("registration", String(36)),
    Column("authority_key", Text, nullable=False),
    Column("voiding_target", String(36)),
    Column("voided", Boolean, nullable=False, default=False),
    Column("attachment_hashes", Text),
)

statement_agents = Table(
    "statement_agents",
    metadata,
    Column("statement_seq", Seq, ForeignKey("statements.seq", ondelete="CASCADE"), nullable=False),
    Column("agent_key", Text, nullable=False),
    Column("relation", String(16), nullable=False),  # "direct" (actor/object) or "related"
)

statement_activities = Table(
    "statement_activities",
    metadata,
    Column("statement_seq", Seq, ForeignKey("statements.seq", ondelete="CASCADE"), nullable=False),
    Column("activity_id", Text, nullable=False),
    Column("relation", String(16), nullable=False),  # "direct" (object) or "related"
)

attachments = Table(
    "attachments",
    metadata,
    Column("sha2", String(128), primary_key=True),
    Column("content_type", String(255), nullable=False),
    Column("content", LargeBinary, nullable=False),
)
