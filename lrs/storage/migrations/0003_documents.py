"""documents (State, Activity Profile, Agent Profile) and canonical activities

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("scope_key", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("activity_id", sa.Text),
        sa.Column("agent_key", sa.Text),
        sa.Column("registration", sa.String(36)),
        sa.Column("document_id", sa.Text, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("content_type", sa.String(255), nullable=False),
        sa.Column("etag", sa.String(64), nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_documents_scope_key", "documents", ["scope_key"])
    op.create_table(
        "activities",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("activity_id", sa.Text, nullable=False),
        sa.Column("definition", sa.JSON, nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("activities")
    op.drop_index("ix_documents_scope_key", table_name="documents")
    op.drop_table("documents")
