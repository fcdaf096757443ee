"""connectors: how a source is polled (since the cursor, or everything each time)

Revision ID: connectors_0003_source_poll
Revises: connectors_imports_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "connectors_0003_source_poll"
down_revision = "connectors_imports_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Sources registered before keep asking `since`, as they did.
    op.add_column("connector_sources",
                  sa.Column("poll", sa.String(16), nullable=False, server_default="since"))


def downgrade() -> None:
    with op.batch_alter_table("connector_sources") as batch:  # SQLite rebuilds the table
        batch.drop_column("poll")
