"""connectors: import jobs (uploaded files, progress, errors)

Revision ID: connectors_imports_0001
Revises: connectors_0002_sources
"""

import sqlalchemy as sa
from alembic import op

from hub.storage.migration_shapes import When

revision = "connectors_imports_0001"
down_revision = "connectors_0002_sources"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "connector_imports",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("credential_key", sa.String(200), nullable=False),
        sa.Column("requested_by", sa.String(200), nullable=False),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("mapping", sa.JSON, nullable=False),
        sa.Column("rows_total", sa.Integer),
        sa.Column("rows_done", sa.Integer, nullable=False),
        sa.Column("stored", sa.Integer, nullable=False),
        sa.Column("present", sa.Integer, nullable=False),
        sa.Column("conflicts", sa.Integer, nullable=False),
        sa.Column("refused", sa.Integer, nullable=False),
        sa.Column("errors", sa.JSON, nullable=False),
        sa.Column("errors_total", sa.Integer, nullable=False),
        sa.Column("message", sa.Text),
        sa.Column("created_at", When, nullable=False),
        sa.Column("updated_at", When, nullable=False),
        sa.Column("finished_at", When),
    )
    op.create_index("ix_connector_imports_status_created", "connector_imports",
                    ["status", "created_at"])


def downgrade() -> None:
    op.drop_table("connector_imports")
