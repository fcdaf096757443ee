"""connectors: pulling sources, their positions, and the statements they gave that were
not stored (conflicts and refusals)

Revision ID: connectors_0002_sources
Revises: connectors_webhooks
"""

import sqlalchemy as sa
from alembic import op

from hub.storage.migration_shapes import Seq, When, partner_columns

revision = "connectors_0002_sources"
down_revision = "connectors_webhooks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "connector_sources",
        *partner_columns(),
        sa.Column("credential", sa.String(64), nullable=False),  # a hub credential key
        sa.Column("poll_seconds", sa.Integer, nullable=False),
        sa.Column("page_limit", sa.Integer, nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("start", When),
        sa.Column("created_at", When, nullable=False),
        sa.Column("updated_at", When, nullable=False),
    )
    op.create_table(
        "connector_pulls",
        sa.Column("source_id", sa.String(64),
                  sa.ForeignKey("connector_sources.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("cursor", When),
        sa.Column("more", sa.Text),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("retry_at", When),
        sa.Column("last_error", sa.Text),
        sa.Column("pulled", sa.BigInteger, nullable=False),
        sa.Column("polled_at", When),
    )
    op.create_table(
        "connector_pull_conflicts",
        sa.Column("id", Seq, primary_key=True, autoincrement=True),
        sa.Column("source_id", sa.String(64),
                  sa.ForeignKey("connector_sources.id", ondelete="CASCADE"), nullable=False),
        sa.Column("statement_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),  # conflict | refused
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("statement", sa.JSON, nullable=False),  # as the source sent it
        sa.Column("digest", sa.String(64), nullable=False),  # of `statement`, for repeats
        sa.Column("noticed_at", When, nullable=False),
    )
    op.create_index("ux_connector_pull_conflicts_seen", "connector_pull_conflicts",
                    ["source_id", "statement_id", "kind", "digest"], unique=True)


def downgrade() -> None:
    for table in ("connector_pull_conflicts", "connector_pulls", "connector_sources"):
        op.drop_table(table)
