"""LTI 1.3 tool: a registered platform can be disabled (and enabled again)

`disabled_at` is NULL for a platform that may launch; every login, launch and service
call reads it from the database, so a disable holds at once on every worker.

Revision ID: lti_0002
Revises: lti_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "lti_0002"
down_revision = "lti_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("lti_platforms", sa.Column("disabled_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("lti_platforms") as batch:
        batch.drop_column("disabled_at")
