"""LTI 1.3 tool: keys, platforms and deployments, registration invites, OIDC/launch
session values, users, contexts, memberships, resource links, catalogue, grade jobs

Revision ID: lti_0001
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

from hub.storage.migration_shapes import Seq, When, create_signing_keys_table

revision = "lti_0001"
down_revision = "0003"
branch_labels = ("lti",)
depends_on = None


def upgrade() -> None:
    create_signing_keys_table("lti_keys")
    op.create_table(
        "lti_platforms",
        sa.Column("id", Seq, primary_key=True, autoincrement=True),
        sa.Column("issuer", sa.String(255), nullable=False),
        sa.Column("client_id", sa.String(255), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("auth_login_url", sa.Text, nullable=False),
        sa.Column("token_url", sa.Text, nullable=False),
        sa.Column("jwks_url", sa.Text, nullable=False),
        sa.Column("auth_audience", sa.Text),
        sa.Column("created_at", When, nullable=False),
        sa.UniqueConstraint("issuer", "client_id", name="uq_lti_platforms_issuer_client"),
    )
    op.create_table(
        "lti_deployments",
        sa.Column("platform_id", Seq, sa.ForeignKey("lti_platforms.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("deployment_id", sa.String(255), primary_key=True),
        sa.Column("created_at", When, nullable=False),
    )
    op.create_table(
        "lti_registration_invites",
        sa.Column("token_digest", sa.String(64), primary_key=True),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.Column("expires_at", When, nullable=False),
        sa.Column("used_at", When),
        sa.Column("platform_id", Seq, sa.ForeignKey("lti_platforms.id", ondelete="SET NULL")),
    )
    op.create_table(
        "lti_session_values",
        sa.Column("key", sa.String(128), primary_key=True),
        sa.Column("value", sa.JSON, nullable=False),
        sa.Column("expires_at", When, nullable=False),
    )
    op.create_index("ix_lti_session_values_expires_at", "lti_session_values", ["expires_at"])
    op.create_table(
        "lti_users",
        sa.Column("issuer", sa.String(255), primary_key=True),
        sa.Column("sub", sa.String(255), primary_key=True),
        sa.Column("name", sa.Text),
        sa.Column("given_name", sa.Text),
        sa.Column("family_name", sa.Text),
        sa.Column("email", sa.String(320)),
        sa.Column("sourcedid", sa.Text),
        sa.Column("nip", sa.String(32)),
        sa.Column("hub_identity", sa.Text),
        sa.Column("updated", When, nullable=False),
    )
    op.create_index("ix_lti_users_email", "lti_users", ["email"])
    op.create_table(
        "lti_contexts",
        sa.Column("platform_id", Seq, sa.ForeignKey("lti_platforms.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("context_id", sa.String(255), primary_key=True),
        sa.Column("title", sa.Text),
        sa.Column("label", sa.Text),
        sa.Column("memberships_url", sa.Text),
        sa.Column("updated", When, nullable=False),
    )
    op.create_table(
        "lti_memberships",
        sa.Column("platform_id", Seq, primary_key=True),
        sa.Column("context_id", sa.String(255), primary_key=True),
        sa.Column("sub", sa.String(255), primary_key=True),
        sa.Column("roles", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("launched", sa.Boolean, nullable=False),
        sa.Column("updated", When, nullable=False),
        sa.ForeignKeyConstraint(["platform_id", "context_id"],
                                ["lti_contexts.platform_id", "lti_contexts.context_id"],
                                ondelete="CASCADE"),
    )
    op.create_table(
        "lti_catalogue",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("activity_id", sa.Text, nullable=False),
        sa.Column("launch_url", sa.Text, nullable=False),
        sa.Column("keywords", sa.Text, nullable=False),
        sa.Column("graded", sa.Boolean, nullable=False),
        sa.Column("score_maximum", sa.Float),
        sa.Column("created_at", When, nullable=False),
    )
    op.create_table(
        "lti_resource_links",
        sa.Column("platform_id", Seq, sa.ForeignKey("lti_platforms.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("resource_link_id", sa.String(255), primary_key=True),
        sa.Column("deployment_id", sa.String(255), nullable=False),
        sa.Column("context_id", sa.String(255)),
        sa.Column("title", sa.Text),
        sa.Column("activity_key", sa.String(64), nullable=False),
        sa.Column("catalogue_id", sa.String(100)),
        sa.Column("lineitem_url", sa.Text),
        sa.Column("lineitems_url", sa.Text),
        sa.Column("ags_scopes", sa.Text, nullable=False),
        sa.Column("updated", When, nullable=False),
    )
    op.create_index("ix_lti_resource_links_activity_key", "lti_resource_links",
                    ["activity_key"])
    op.create_table(
        "lti_link_launches",
        sa.Column("platform_id", Seq, primary_key=True),
        sa.Column("resource_link_id", sa.String(255), primary_key=True),
        sa.Column("sub", sa.String(255), primary_key=True),
        sa.Column("first_launch", When, nullable=False),
        sa.Column("last_launch", When, nullable=False),
        sa.ForeignKeyConstraint(["platform_id", "resource_link_id"],
                                ["lti_resource_links.platform_id",
                                 "lti_resource_links.resource_link_id"], ondelete="CASCADE"),
    )
    op.create_table(
        "lti_grade_jobs",
        sa.Column("id", Seq, primary_key=True, autoincrement=True),
        sa.Column("platform_id", Seq, nullable=False),
        sa.Column("resource_link_id", sa.String(255), nullable=False),
        sa.Column("sub", sa.String(255), nullable=False),
        sa.Column("statement_id", sa.String(36), nullable=False),
        sa.Column("score_given", sa.Float),
        sa.Column("score_maximum", sa.Float),
        sa.Column("activity_progress", sa.String(16), nullable=False),
        sa.Column("grading_progress", sa.String(16), nullable=False),
        sa.Column("timestamp", sa.String(40), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", When, nullable=False),
        sa.Column("lease_until", When),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", When, nullable=False),
        sa.Column("done_at", When),
        sa.UniqueConstraint("statement_id", "platform_id", "resource_link_id", "sub",
                            name="uq_lti_grade_jobs_statement_link_user"),
        sa.ForeignKeyConstraint(["platform_id", "resource_link_id"],
                                ["lti_resource_links.platform_id",
                                 "lti_resource_links.resource_link_id"], ondelete="CASCADE"),
    )
    op.create_index("ix_lti_grade_jobs_due", "lti_grade_jobs", ["status", "next_attempt_at"])
    op.create_table(
        "lti_cursors",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("seq", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("lti_cursors")
    op.drop_index("ix_lti_grade_jobs_due", table_name="lti_grade_jobs")
    op.drop_table("lti_grade_jobs")
    op.drop_table("lti_link_launches")
    op.drop_index("ix_lti_resource_links_activity_key", table_name="lti_resource_links")
    op.drop_table("lti_resource_links")
    op.drop_table("lti_catalogue")
    op.drop_table("lti_memberships")
    op.drop_table("lti_contexts")
    op.drop_index("ix_lti_users_email", table_name="lti_users")
    op.drop_table("lti_users")
    op.drop_index("ix_lti_session_values_expires_at", table_name="lti_session_values")
    op.drop_table("lti_session_values")
    op.drop_table("lti_registration_invites")
    op.drop_table("lti_deployments")
    op.drop_table("lti_platforms")
    op.drop_table("lti_keys")
