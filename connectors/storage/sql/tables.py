"""The connectors slice's tables (migrations in connectors/storage/migrations)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)

from hub.storage.sql.tables import Seq, metadata

When = DateTime(timezone=True)


def partner_columns() -> list[Column[Any]]:
    """What destinations and sources share: the partner LRS's id and name, its endpoint,
    the xAPI version we send and how we sign in (contract.RemoteAuth; `auth_secret` sealed
    by the storage cipher).  New Column objects each call: a Column belongs to one table."""
    return [
        Column("id", String(64), primary_key=True),
        Column("name", String(200), nullable=False, unique=True),
        Column("endpoint", Text, nullable=False),
        Column("version", String(8), nullable=False),
        Column("auth_kind", String(8), nullable=False),
        Column("auth_username", String(255), nullable=False),
        Column("auth_secret", Text, nullable=False),
        Column("auth_token_url", Text),
        Column("auth_scope", Text),
    ]


# --- connectors_0001 -------------------------------------------------------------------
connector_workers = Table(
    "connector_workers",
    metadata,
    Column("id", String(120), primary_key=True),
    Column("host", String(255), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("started_at", When, nullable=False),
    Column("heartbeat_at", When, nullable=False),
    Column("stopped_at", When),
)

connector_leases = Table(
    "connector_leases",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("loop", String(64), nullable=False),
    Column("holder", String(120)),
    Column("expires_at", When),
    Column("last_step_at", When),
    Column("processed", BigInteger, nullable=False, server_default="0"),
    Column("behind", BigInteger, nullable=False, server_default="0"),
    Column("oldest_seconds", Float),
    Column("last_error", Text),
    Column("last_error_at", When),
)

connector_destinations = Table(
    "connector_destinations",
    metadata,
    *partner_columns(),
    Column("filter", JSON, nullable=False),
    Column("batch_size", Integer, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("created_at", When, nullable=False),
    Column("updated_at", When, nullable=False),
)

connector_deliveries = Table(
    "connector_deliveries",
    metadata,
    Column("destination_id", String(64),
           ForeignKey("connector_destinations.id", ondelete="CASCADE"), primary_key=True),
    Column("cursor", BigInteger, nullable=False),
    Column("gaps", JSON, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("retry_at", When),
    Column("last_error", Text),
    Column("delivered", BigInteger, nullable=False),
)

connector_dead_letters = Table(
    "connector_dead_letters",
    metadata,
    Column("id", Seq, primary_key=True, autoincrement=True),
    Column("destination_id", String(64),
           ForeignKey("connector_destinations.id", ondelete="CASCADE"), nullable=False),
    Column("statement_id", String(36), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("status", Integer),
    Column("answer", Text, nullable=False),
    Column("failed_at", When, nullable=False),
    Column("resent_at", When),
    Index("ix_connector_dead_letters_destination", "destination_id", "id"),
)

# --- connectors_0002_sources -----------------------------------------------------------
connector_sources = Table(
    "connector_sources",
    metadata,
    *partner_columns(),
    Column("credential", String(64), nullable=False),
    Column("poll_seconds", Integer, nullable=False),
    Column("page_limit", Integer, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("start", When),
    Column("created_at", When, nullable=False),
    Column("updated_at", When, nullable=False),
    # connectors_0003_source_poll
    Column("poll", String(16), nullable=False, server_default="since"),
)

connector_pulls = Table(
    "connector_pulls",
    metadata,
    Column("source_id", String(64), ForeignKey("connector_sources.id", ondelete="CASCADE"),
           primary_key=True),
    Column("cursor", When),
    Column("more", Text),
    Column("attempts", Integer, nullable=False),
    Column("retry_at", When),
    Column("last_error", Text),
    Column("pulled", BigInteger, nullable=False),
    Column("polled_at", When),
)

connector_pull_conflicts = Table(
    "connector_pull_conflicts",
    metadata,
    Column("id", Seq, primary_key=True, autoincrement=True),
    Column("source_id", String(64), ForeignKey("connector_sources.id", ondelete="CASCADE"),
           nullable=False),
    Column("statement_id", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("message", Text, nullable=False),
    Column("statement", JSON, nullable=False),
    Column("digest", String(64), nullable=False),
    Column("noticed_at", When, nullable=False),
    Index("ux_connector_pull_conflicts_seen", "source_id", "statement_id", "kind", "digest",
          unique=True),
)


# --- connectors_imports_0001 -----------------------------------------------------------
# Imports uploaded through the admin API (connectors.imports.jobs): the file, the mapping,
# progress counters and the first errors.
connector_imports = Table(
    "connector_imports",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("credential_key", String(200), nullable=False),
    Column("requested_by", String(200), nullable=False),
    Column("file_name", String(255), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("mapping", JSON, nullable=False),
    Column("rows_total", Integer),
    Column("rows_done", Integer, nullable=False),
    Column("stored", Integer, nullable=False),
    Column("present", Integer, nullable=False),
    Column("conflicts", Integer, nullable=False),
    Column("refused", Integer, nullable=False),
    Column("errors", JSON, nullable=False),
    Column("errors_total", Integer, nullable=False),
    Column("message", Text),
    Column("created_at", When, nullable=False),
    Column("updated_at", When, nullable=False),
    Column("finished_at", When),
    Index("ix_connector_imports_status_created", "status", "created_at"),
)
