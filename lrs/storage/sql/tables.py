"""The lrs slice's tables (migrations in lrs/storage/migrations)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    LargeBinary,
    String,
    Table,
    Text,
)

from hub.storage.sql.tables import Seq, metadata

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

# No foreign key (migration 0004): rows are written with their statement, in its
# transaction, and statements are never deleted.
statement_index = Table(
    "statement_index",
    metadata,
    Column("statement_seq", Seq, primary_key=True),
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
