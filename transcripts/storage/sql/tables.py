"""The transcripts slice's tables (migrations in transcripts/storage/migrations)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
)

from hub.storage.sql.tables import Seq, metadata

# --- transcripts (migrations transcripts_0001, _0002) -----------------------------
# Competency transcripts: the person registry (NIP ↔ identifiers), competency
# frameworks and mapping rules, evidence derived from the statement feed, per-year
# summaries, the access log and the issuer's signing keys.  JP are centi-JP integers.
transcript_people = Table(
    "transcript_people",
    metadata,
    Column("nip", String(18), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("employee_type", String(8)),
    Column("agency", String(200)),
    Column("unit", String(200)),
    Column("source", String(16), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

transcript_identities = Table(
    "transcript_identities",
    metadata,
    Column("key", String(64), primary_key=True),  # SHA-256 of `identifier`
    Column("identifier", Text, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("value", JSON, nullable=False),
    Column("nip", String(18), ForeignKey("transcript_people.nip"), nullable=False),
    Column("source", String(16), nullable=False),
    Column("linked_at", DateTime(timezone=True), nullable=False),
)

transcript_identity_conflicts = Table(
    "transcript_identity_conflicts",
    metadata,
    Column("id", Seq, primary_key=True, autoincrement=True),
    Column("key", String(64), nullable=False),
    Column("identifier", Text, nullable=False),
    Column("value", JSON, nullable=False),
    Column("linked_nip", String(18), nullable=False),
    Column("claimed_nip", String(18), nullable=False),
    Column("source", String(16), nullable=False),
    Column("reported_at", DateTime(timezone=True), nullable=False),
    Column("resolved_at", DateTime(timezone=True)),
)

transcript_frameworks = Table(
    "transcript_frameworks",
    metadata,
    Column("id", String(200), primary_key=True),
    Column("title", Text, nullable=False),
    Column("format", String(8), nullable=False),
    Column("uri", Text),
    Column("version", String(100)),
    Column("imported_at", DateTime(timezone=True), nullable=False),
)

transcript_competencies = Table(
    "transcript_competencies",
    metadata,
    Column("id", String(200), primary_key=True),
    Column("framework_id", String(200),
           ForeignKey("transcript_frameworks.id", ondelete="CASCADE"), nullable=False),
    Column("code", String(200), nullable=False),
    Column("name", Text, nullable=False),
    Column("type", String(20), nullable=False),
    Column("levels", JSON, nullable=False),
    Column("uri", Text),
)

transcript_mapping_rules = Table(
    "transcript_mapping_rules",
    metadata,
    Column("id", Seq, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
    Column("pattern", Text, nullable=False),
    Column("pattern_key", String(64), nullable=False),  # SHA-256 of kind + pattern, unique
    Column("competency_id", String(200), ForeignKey("transcript_competencies.id")),
    Column("level", Integer),
    Column("jp_centi", Integer),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

transcript_evidence = Table(
    "transcript_evidence",
    metadata,
    Column("statement_id", String(36), primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("nip", String(18), nullable=False),
    Column("year", Integer, nullable=False),
    Column("identity_key", String(64), nullable=False),
    Column("activity_id", Text, nullable=False),
    Column("activity_name", Text, nullable=False),
    Column("activity_type", Text),
    Column("verb", Text, nullable=False),
    Column("timestamp", DateTime(timezone=True), nullable=False),
    Column("authority", Text),
    Column("provider", Text),
    Column("platform", Text),
    Column("score_centi", Integer),
    Column("claimed_jp_centi", Integer),
    Column("duration_seconds", BigInteger),
    Column("competency_id", String(200)),
    Column("level", Integer),
    Column("jp_centi", Integer, nullable=False),
    Column("jp_source", String(16), nullable=False),
    Column("claimed_competency", String(200)),  # migration transcripts_0002
    Column("claim_outcome", String(16)),
)

transcript_summaries = Table(
    "transcript_summaries",
    metadata,
    Column("nip", String(18), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("jp_centi", Integer, nullable=False),
    Column("jp_teknis", Integer, nullable=False),
    Column("jp_manajerial", Integer, nullable=False),
    Column("jp_sosial_kultural", Integer, nullable=False),
    Column("jp_unmapped", Integer, nullable=False),
    Column("activity_count", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

transcript_unlinked = Table(
    "transcript_unlinked",
    metadata,
    Column("statement_id", String(36), primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("identity_key", String(64), nullable=False),
)

transcript_feed_state = Table(
    "transcript_feed_state",
    metadata,
    Column("id", Integer, primary_key=True),  # always 1: one cursor
    Column("cursor", BigInteger, nullable=False),
    Column("gaps", JSON, nullable=False),  # {"<seq>": "<ISO time noticed>"}
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

transcript_access_log = Table(
    "transcript_access_log",
    metadata,
    Column("id", Seq, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("credential_key", String(64)),
    Column("credential_name", String(200), nullable=False),
    Column("action", String(40), nullable=False),
    Column("subject", String(250), nullable=False),
    Column("year", Integer),
    Column("detail", JSON, nullable=False),
    Column("request_id", String(64)),
)

transcript_auditor_agencies = Table(
    "transcript_auditor_agencies",
    metadata,
    Column("credential_key", String(64), primary_key=True),
    Column("agency", String(200), primary_key=True),
)

transcript_issuer_keys = Table(
    "transcript_issuer_keys",
    metadata,
    Column("kid", String(64), primary_key=True),
    Column("algorithm", String(10), nullable=False),
    Column("private_pem", Text, nullable=False),
    Column("public_jwk", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("retired_at", DateTime(timezone=True)),
)
