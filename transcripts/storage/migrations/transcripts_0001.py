"""transcripts: person registry, frameworks and mapping rules, evidence, summaries,
feed cursor, access log, auditor agency limits, issuer keys

Revision ID: transcripts_0001
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

from hub.storage.migration_shapes import Seq, When

revision = "transcripts_0001"
down_revision = "0003"
branch_labels = ("transcripts",)
depends_on = None


# The access log is append-only: the contract has no method that changes an entry, and
# the database refuses UPDATE as well.  DELETE stays possible for retention purges by
# the operator (docs/transcripts.md).
_APPEND_ONLY = {
    "sqlite": [
        """CREATE TRIGGER transcript_access_log_append_only
           BEFORE UPDATE ON transcript_access_log
           BEGIN SELECT RAISE(ABORT, 'transcript_access_log is append-only'); END""",
    ],
    "postgresql": [
        """CREATE FUNCTION transcript_access_log_append_only() RETURNS trigger
           LANGUAGE plpgsql AS $$
           BEGIN RAISE EXCEPTION 'transcript_access_log is append-only'; END $$""",
        """CREATE TRIGGER transcript_access_log_append_only
           BEFORE UPDATE ON transcript_access_log
           FOR EACH ROW EXECUTE FUNCTION transcript_access_log_append_only()""",
    ],
}


def upgrade() -> None:
    op.create_table(
        "transcript_people",
        sa.Column("nip", sa.String(18), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("employee_type", sa.String(8)),
        sa.Column("agency", sa.String(200)),
        sa.Column("unit", sa.String(200)),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("updated_at", When, nullable=False),
    )
    op.create_index("ix_transcript_people_agency_unit", "transcript_people", ["agency", "unit"])
    op.create_table(
        "transcript_identities",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("identifier", sa.Text, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value", sa.JSON, nullable=False),
        sa.Column("nip", sa.String(18), sa.ForeignKey("transcript_people.nip"), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("linked_at", When, nullable=False),
    )
    op.create_index("ix_transcript_identities_nip", "transcript_identities", ["nip"])
    op.create_table(
        "transcript_identity_conflicts",
        sa.Column("id", Seq, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("identifier", sa.Text, nullable=False),
        sa.Column("value", sa.JSON, nullable=False),
        sa.Column("linked_nip", sa.String(18), nullable=False),
        sa.Column("claimed_nip", sa.String(18), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("reported_at", When, nullable=False),
        sa.Column("resolved_at", When),
    )
    op.create_index("ix_transcript_identity_conflicts_key", "transcript_identity_conflicts",
                    ["key"])
    op.create_table(
        "transcript_frameworks",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("format", sa.String(8), nullable=False),
        sa.Column("uri", sa.Text),
        sa.Column("version", sa.String(100)),
        sa.Column("imported_at", When, nullable=False),
    )
    op.create_table(
        "transcript_competencies",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("framework_id", sa.String(200),
                  sa.ForeignKey("transcript_frameworks.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("code", sa.String(200), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("levels", sa.JSON, nullable=False),
        sa.Column("uri", sa.Text),
    )
    op.create_index("ix_transcript_competencies_framework", "transcript_competencies",
                    ["framework_id"])
    op.create_table(
        "transcript_mapping_rules",
        sa.Column("id", Seq, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("pattern", sa.Text, nullable=False),
        sa.Column("pattern_key", sa.String(64), nullable=False),
        sa.Column("competency_id", sa.String(200),
                  sa.ForeignKey("transcript_competencies.id")),
        sa.Column("level", sa.Integer),
        sa.Column("jp_centi", sa.Integer),
        sa.Column("created_at", When, nullable=False),
    )
    op.create_index("ux_transcript_mapping_rules_pattern", "transcript_mapping_rules",
                    ["pattern_key"], unique=True)
    op.create_table(
        "transcript_evidence",
        sa.Column("statement_id", sa.String(36), primary_key=True),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("nip", sa.String(18), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("identity_key", sa.String(64), nullable=False),
        sa.Column("activity_id", sa.Text, nullable=False),
        sa.Column("activity_name", sa.Text, nullable=False),
        sa.Column("activity_type", sa.Text),
        sa.Column("verb", sa.Text, nullable=False),
        sa.Column("timestamp", When, nullable=False),
        sa.Column("authority", sa.Text),
        sa.Column("provider", sa.Text),
        sa.Column("platform", sa.Text),
        sa.Column("score_centi", sa.Integer),
        sa.Column("claimed_jp_centi", sa.Integer),
        sa.Column("duration_seconds", sa.BigInteger),
        sa.Column("competency_id", sa.String(200)),
        sa.Column("level", sa.Integer),
        sa.Column("jp_centi", sa.Integer, nullable=False),
        sa.Column("jp_source", sa.String(16), nullable=False),
    )
    op.create_index("ix_transcript_evidence_nip_year", "transcript_evidence", ["nip", "year"])
    op.create_index("ix_transcript_evidence_identity", "transcript_evidence", ["identity_key"])
    op.create_table(
        "transcript_summaries",
        sa.Column("nip", sa.String(18), primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("jp_centi", sa.Integer, nullable=False),
        sa.Column("jp_teknis", sa.Integer, nullable=False),
        sa.Column("jp_manajerial", sa.Integer, nullable=False),
        sa.Column("jp_sosial_kultural", sa.Integer, nullable=False),
        sa.Column("jp_unmapped", sa.Integer, nullable=False),
        sa.Column("activity_count", sa.Integer, nullable=False),
        sa.Column("updated_at", When, nullable=False),
    )
    op.create_table(
        "transcript_unlinked",
        sa.Column("statement_id", sa.String(36), primary_key=True),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("identity_key", sa.String(64), nullable=False),
    )
    op.create_index("ix_transcript_unlinked_identity", "transcript_unlinked", ["identity_key"])
    op.create_table(
        "transcript_feed_state",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("cursor", sa.BigInteger, nullable=False),
        sa.Column("gaps", sa.JSON, nullable=False),
        sa.Column("updated_at", When, nullable=False),
    )
    op.create_table(
        "transcript_access_log",
        sa.Column("id", Seq, primary_key=True, autoincrement=True),
        sa.Column("at", When, nullable=False),
        sa.Column("credential_key", sa.String(64)),
        sa.Column("credential_name", sa.String(200), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("subject", sa.String(250), nullable=False),
        sa.Column("year", sa.Integer),
        sa.Column("detail", sa.JSON, nullable=False),
        sa.Column("request_id", sa.String(64)),
    )
    op.create_index("ix_transcript_access_log_subject", "transcript_access_log", ["subject"])
    op.create_index("ix_transcript_access_log_at", "transcript_access_log", ["at"])
    op.create_table(
        "transcript_auditor_agencies",
        sa.Column("credential_key", sa.String(64), primary_key=True),
        sa.Column("agency", sa.String(200), primary_key=True),
    )
    op.create_table(
        "transcript_issuer_keys",
        sa.Column("kid", sa.String(64), primary_key=True),
        sa.Column("algorithm", sa.String(10), nullable=False),
        sa.Column("private_pem", sa.Text, nullable=False),
        sa.Column("public_jwk", sa.JSON, nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.Column("retired_at", When),
    )
    for statement in _APPEND_ONLY.get(op.get_bind().dialect.name, []):
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.execute("DROP TRIGGER IF EXISTS transcript_access_log_append_only"
               + (" ON transcript_access_log" if dialect == "postgresql" else ""))
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS transcript_access_log_append_only()")
    for table in ("transcript_issuer_keys", "transcript_auditor_agencies",
                  "transcript_access_log", "transcript_feed_state", "transcript_unlinked",
                  "transcript_summaries", "transcript_evidence", "transcript_mapping_rules",
                  "transcript_competencies", "transcript_frameworks",
                  "transcript_identity_conflicts", "transcript_identities",
                  "transcript_people"):
        op.drop_table(table)
