"""LTI 1.3 platform role: a partner tool can be disabled (and enabled again)

`disabled_at` is NULL for a tool that may be launched and call the services; launches,
token requests and service calls read it from the database, so a disable holds at once
on every worker (access tokens already issued stop working too).

Revision ID: lti_platform_0002
Revises: lti_platform_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "lti_platform_0002"
down_revision = "lti_platform_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("lti_platform_tools", sa.Column("disabled_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("lti_platform_tools") as batch:
        batch.drop_column("disabled_at")
