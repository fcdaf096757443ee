"""statements, their agent and activity side tables, attachments

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

Seq = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "statements",
        sa.Column("seq", Seq, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("document", sa.JSON, nullable=False),
        sa.Column("stored", sa.DateTime(timezone=True), nullable=False),
        sa.Column("timestamp", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.String(16), nullable=False),
        sa.Column("verb_id", sa.Text, nullable=False),
        sa.Column("actor_key", sa.Text),
        sa.Column("object_agent_key", sa.Text),
        sa.Column("object_activity_id", sa.Text),
        sa.Column("object_statement_id", sa.String(36)),
        sa.Column("registration", sa.String(36)),
        sa.Column("authority_key", sa.Text, nullable=False),
        sa.Column("voiding_target", sa.String(36)),
        sa.Column("voided", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("attachment_hashes", sa.Text),
        sa.UniqueConstraint("id", name="uq_statements_id"),
    )
    # Each filter index ends in seq so that the newest-first page is an index range scan.
    op.create_index("ix_statements_verb", "statements", ["verb_id", "seq"])
    op.create_index("ix_statements_registration", "statements", ["registration", "seq"])
    op.create_index("ix_statements_authority", "statements", ["authority_key", "seq"])
    op.create_index("ix_statements_stored", "statements", ["stored", "seq"])
    op.create_index("ix_statements_object_statement", "statements", ["object_statement_id"])
    op.create_index("ix_statements_voiding_target", "statements", ["voiding_target"])
    op.create_table(
        "statement_agents",
        sa.Column("statement_seq", Seq, sa.ForeignKey("statements.seq", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("agent_key", sa.Text, nullable=False),
        sa.Column("relation", sa.String(16), nullable=False),
    )
    op.create_index("ix_statement_agents_key", "statement_agents",
                    ["agent_key", "relation", "statement_seq"])
    op.create_index("ix_statement_agents_seq", "statement_agents", ["statement_seq"])
    op.create_table(
        "statement_activities",
        sa.Column("statement_seq", Seq, sa.ForeignKey("statements.seq", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("activity_id", sa.Text, nullable=False),
        sa.Column("relation", sa.String(16), nullable=False),
    )
    op.create_index("ix_statement_activities_id", "statement_activities",
                    ["activity_id", "relation", "statement_seq"])
    op.create_index("ix_statement_activities_seq", "statement_activities", ["statement_seq"])
    op.create_table(
        "attachments",
        sa.Column("sha2", sa.String(128), primary_key=True),
        sa.Column("content_type", sa.String(255), nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("attachments")
    op.drop_table("statement_activities")
    op.drop_table("statement_agents")
    op.drop_table("statements")
