"""connectors: the worker's heartbeats and leases, forwarding destinations, their
delivery positions, and dead letters

Revision ID: connectors_0001
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

from hub.storage.migration_shapes import Seq, When, partner_columns

revision = "connectors_0001"
down_revision = "0004"
branch_labels = ("connectors",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "connector_workers",
        sa.Column("id", sa.String(120), primary_key=True),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("started_at", When, nullable=False),
        sa.Column("heartbeat_at", When, nullable=False),
        sa.Column("stopped_at", When),
    )
    op.create_table(
        "connector_leases",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("loop", sa.String(64), nullable=False),
        sa.Column("holder", sa.String(120)),
        sa.Column("expires_at", When),
        sa.Column("last_step_at", When),
        sa.Column("processed", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("behind", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("oldest_seconds", sa.Float),
        sa.Column("last_error", sa.Text),
        sa.Column("last_error_at", When),
    )
    op.create_table(
        "connector_destinations",
        *partner_columns(),
        sa.Column("filter", sa.JSON, nullable=False),
        sa.Column("batch_size", sa.Integer, nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.Column("updated_at", When, nullable=False),
    )
    op.create_table(
        "connector_deliveries",
        sa.Column("destination_id", sa.String(64),
                  sa.ForeignKey("connector_destinations.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("cursor", sa.BigInteger, nullable=False),
        sa.Column("gaps", sa.JSON, nullable=False),  # {"seq": "noticed at"}
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("retry_at", When),
        sa.Column("last_error", sa.Text),
        sa.Column("delivered", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "connector_dead_letters",
        sa.Column("id", Seq, primary_key=True, autoincrement=True),
        sa.Column("destination_id", sa.String(64),
                  sa.ForeignKey("connector_destinations.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("statement_id", sa.String(36), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("status", sa.Integer),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("failed_at", When, nullable=False),
        sa.Column("resent_at", When),
    )
    op.create_index("ix_connector_dead_letters_destination", "connector_dead_letters",
                    ["destination_id", "id"])


def downgrade() -> None:
    for table in ("connector_dead_letters", "connector_deliveries", "connector_destinations",
                  "connector_leases", "connector_workers"):
        op.drop_table(table)
