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
    Column("comparison_digest", String(64), nullable=False),
    Column("authority_key", Text, nullable=False),
    Column("object_statement_id", String(36)),
    Column("voiding_target", String(36)),
    Column("voided", Boolean, nullable=False, default=False),
    Column("attachment_hashes", Text),
)

statement_index = Table(
    "statement_index",
    metadata,
    Column("statement_seq", Seq, ForeignKey("statements.seq", ondelete="CASCADE"),
           primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("value", Text, primary_key=True),
)

attachments = Table(
    "attachments",
    metadata,
    Column("sha2", String(128), primary_key=True),
    Column("content_type", String(255), nullable=False),
    Column("content", LargeBinary, nullable=False),
)

# --- documents (migration 0003) ----------------------------------------------
# Keys are SHA-256 digests of the canonical scope (and document id): IRIs, agent keys
# and document ids are unbounded text, longer than a PostgreSQL btree entry may be.
documents = Table(
    "documents",
    metadata,
    Column("key", String(64), primary_key=True),  # scope + document id
    Column("scope_key", String(64), nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("activity_id", Text),
    Column("agent_key", Text),
    Column("registration", String(36)),
    Column("document_id", Text, nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("content_type", String(255), nullable=False),
    Column("etag", String(64), nullable=False),
    Column("updated", DateTime(timezone=True), nullable=False),
)

activities = Table(
    "activities",
    metadata,
    Column("key", String(64), primary_key=True),  # SHA-256 of the activity id
    Column("activity_id", Text, nullable=False),
    Column("definition", JSON, nullable=False),
    Column("updated", DateTime(timezone=True), nullable=False),
)
