"""The webhooks' tables (migration connectors/storage/migrations/connectors_webhooks.py)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from hub.storage.sql.tables import Seq, metadata

When = DateTime(timezone=True)

webhook_subscriptions = Table(
    "webhook_subscriptions",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("url", Text, nullable=False),
    Column("secret", Text, nullable=False),  # sealed with the storage's KeyCipher
    Column("events", JSON, nullable=False),  # ["statement.stored", ...]
    Column("statement_filter", JSON, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("description", String(200)),
    Column("feed_cursor", BigInteger, nullable=False),
    Column("feed_gaps", JSON, nullable=False),  # {"<seq>": "<ISO time noticed>"}
    Column("created_at", When, nullable=False),
    Column("updated_at", When, nullable=False),
)

webhook_outbox = Table(
    "webhook_outbox",
    metadata,
    Column("id", Seq, primary_key=True, autoincrement=True),
    Column("subscription_id", String(40), ForeignKey("webhook_subscriptions.id"),
           nullable=False),
    Column("event_key", String(200), nullable=False),
    Column("message_id", String(64), nullable=False),
    Column("type", String(40), nullable=False),
    Column("body", Text, nullable=False),
    Column("state", String(12), nullable=False),  # pending | delivered | dead
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", When, nullable=False),
    Column("leased_until", When),
    Column("response_status", Integer),
    Column("error", Text),
    Column("created_at", When, nullable=False),
    Column("finished_at", When),
    UniqueConstraint("subscription_id", "event_key", name="uq_webhook_outbox_event"),
    Index("ix_webhook_outbox_due", "state", "next_attempt_at"),
)
