"""connectors: webhook subscriptions (with their place in the statement feed) and the
outbox of signed messages

Revision ID: connectors_webhooks
Revises: connectors_0001
"""

import sqlalchemy as sa
from alembic import op

from hub.storage.migration_shapes import Seq, When

revision = "connectors_webhooks"
down_revision = "connectors_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhook_subscriptions",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("secret", sa.Text, nullable=False),
        sa.Column("events", sa.JSON, nullable=False),
        sa.Column("statement_filter", sa.JSON, nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("description", sa.String(200)),
        sa.Column("feed_cursor", sa.BigInteger, nullable=False),
        sa.Column("feed_gaps", sa.JSON, nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.Column("updated_at", When, nullable=False),
    )
    op.create_table(
        "webhook_outbox",
        sa.Column("id", Seq, primary_key=True, autoincrement=True),
        sa.Column("subscription_id", sa.String(40),
                  sa.ForeignKey("webhook_subscriptions.id"), nullable=False),
        sa.Column("event_key", sa.String(200), nullable=False),
        sa.Column("message_id", sa.String(64), nullable=False),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", When, nullable=False),
        sa.Column("leased_until", When),
        sa.Column("response_status", sa.Integer),
        sa.Column("error", sa.Text),
        sa.Column("created_at", When, nullable=False),
        sa.Column("finished_at", When),
        sa.UniqueConstraint("subscription_id", "event_key", name="uq_webhook_outbox_event"),
    )
    op.create_index("ix_webhook_outbox_due", "webhook_outbox", ["state", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_webhook_outbox_due", "webhook_outbox")
    op.drop_table("webhook_outbox")
    op.drop_table("webhook_subscriptions")
