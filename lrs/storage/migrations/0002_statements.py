"""statements, their filter index, attachments

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from hub.storage.migration_shapes import Seq

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "statements",
        sa.Column("seq", Seq, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("document", sa.JSON, nullable=False),
        sa.Column("stored", sa.DateTime(timezone=True), nullable=False),
        sa.Column("comparison_digest", sa.String(64), nullable=False),
        sa.Column("authority_key", sa.Text, nullable=False),
        sa.Column("object_statement_id", sa.String(36)),
        sa.Column("voiding_target", sa.String(36)),
        sa.Column("voided", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("attachment_hashes", sa.Text),
        sa.UniqueConstraint("id", name="uq_statements_id"),
    )
    op.create_index("ix_statements_authority", "statements", ["authority_key", "seq"])
    op.create_index("ix_statements_stored", "statements", ["stored", "seq"])
    op.create_index("ix_statements_object_statement", "statements", ["object_statement_id"])
    op.create_index("ix_statements_voiding_target", "statements", ["voiding_target"])
    # One row per (statement, kind, value): every filter is a backward range scan
    # of this index that stops after one page.
    op.create_table(
        "statement_index",
        sa.Column("statement_seq", Seq, sa.ForeignKey("statements.seq", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("kind", "value", "statement_seq", name="pk_statement_index"),
    )
    op.create_index("ix_statement_index_seq", "statement_index", ["statement_seq"])
    op.create_table(
        "attachments",
        sa.Column("sha2", sa.String(128), primary_key=True),
        sa.Column("content_type", sa.String(255), nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("attachments")
    op.drop_table("statement_index")
    op.drop_table("statements")
