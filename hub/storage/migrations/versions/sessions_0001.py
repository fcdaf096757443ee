"""sessions: browser sign-in sessions kept on the server (auditor pages, later the
operator console), so that sign-out, revocation and the idle timeout end them on every
worker at once

Revision ID: sessions_0001
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

from hub.storage.migration_shapes import When

revision = "sessions_0001"
down_revision = "0003"
branch_labels = ("sessions",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sign_in_sessions",
        # sha256 of the session id: a copy of the database holds no usable session
        sa.Column("id_digest", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("credential_key", sa.String(64), sa.ForeignKey("credentials.key"),
                  nullable=False),
        sa.Column("started_at", When, nullable=False),
        sa.Column("last_seen_at", When, nullable=False),
        sa.Column("expires_at", When, nullable=False),
        sa.Column("ended_at", When),
        sa.Column("end_reason", sa.String(32)),
    )
    op.create_index("ix_sign_in_sessions_credential_key", "sign_in_sessions",
                    ["credential_key"])
    op.create_index("ix_sign_in_sessions_last_seen_at", "sign_in_sessions", ["last_seen_at"])


def downgrade() -> None:
    op.drop_table("sign_in_sessions")
