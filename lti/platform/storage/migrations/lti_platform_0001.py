"""LTI 1.3 platform role: platform keys, partner tools and their catalogue placements,
used client assertion ids, learners, contexts, members, resource links, AGS line items
and results

Revision ID: lti_platform_0001
Revises: lti_0001
"""

import sqlalchemy as sa
from alembic import op

from hub.storage.migration_shapes import Seq, When, create_signing_keys_table

revision = "lti_platform_0001"
down_revision = "lti_0001"
branch_labels = ("lti_platform",)
depends_on = None


def upgrade() -> None:
    create_signing_keys_table("lti_platform_keys")
    op.create_table(
        "lti_platform_tools",
        sa.Column("id", Seq, primary_key=True, autoincrement=True),
        sa.Column("client_id", sa.String(64), nullable=False, unique=True),
        sa.Column("deployment_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("organisation", sa.String(200), nullable=False),
        sa.Column("login_url", sa.Text, nullable=False),
        sa.Column("target_link_uri", sa.Text, nullable=False),
        sa.Column("redirect_uris", sa.JSON, nullable=False),
        sa.Column("jwks_url", sa.Text, nullable=False),
        sa.Column("deep_linking_url", sa.Text),
        sa.Column("custom", sa.JSON, nullable=False),
        sa.Column("services", sa.Text, nullable=False),
        sa.Column("personal_data", sa.Text, nullable=False),
        sa.Column("sub_salt", sa.String(64), nullable=False),
        sa.Column("created_at", When, nullable=False),
    )
    op.create_table(
        "lti_platform_placements",
        sa.Column("catalogue_id", sa.String(100), primary_key=True),
        sa.Column("tool_id", Seq, sa.ForeignKey("lti_platform_tools.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("url", sa.Text),
        sa.Column("custom", sa.JSON, nullable=False),
        sa.Column("lesson_hours", sa.Float),
        sa.Column("passing_score", sa.Float),
        sa.Column("created_at", When, nullable=False),
    )
    op.create_index("ix_lti_platform_placements_tool_id", "lti_platform_placements",
                    ["tool_id"])
    op.create_table(
        "lti_platform_assertions",
        sa.Column("client_id", sa.String(64), primary_key=True),
        sa.Column("jti", sa.String(255), primary_key=True),
        sa.Column("expires_at", When, nullable=False),
    )
    op.create_index("ix_lti_platform_assertions_expires_at", "lti_platform_assertions",
                    ["expires_at"])
    op.create_table(
        "lti_platform_learners",
        sa.Column("tool_id", Seq, sa.ForeignKey("lti_platform_tools.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("sub", sa.String(64), primary_key=True),
        sa.Column("issuer", sa.String(255), nullable=False),
        sa.Column("learner_sub", sa.String(255), nullable=False),
        sa.Column("name", sa.Text),
        sa.Column("given_name", sa.Text),
        sa.Column("family_name", sa.Text),
        sa.Column("email", sa.String(320)),
        sa.Column("nip", sa.String(32)),
        sa.Column("updated", When, nullable=False),
    )
    op.create_table(
        "lti_platform_contexts",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("lms_platform_id", Seq),
        sa.Column("lms_context_id", sa.String(255)),
        sa.Column("title", sa.Text),
        sa.Column("label", sa.Text),
        sa.Column("updated", When, nullable=False),
    )
    op.create_table(
        "lti_platform_members",
        sa.Column("tool_id", Seq, sa.ForeignKey("lti_platform_tools.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("context_id", sa.String(64),
                  sa.ForeignKey("lti_platform_contexts.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("sub", sa.String(64), primary_key=True),
        sa.Column("roles", sa.JSON, nullable=False),
        sa.Column("updated", When, nullable=False),
    )
    op.create_table(
        "lti_platform_links",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("tool_id", Seq, sa.ForeignKey("lti_platform_tools.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("context_id", sa.String(64), nullable=False),
        sa.Column("catalogue_id", sa.String(100), nullable=False),
        sa.Column("title", sa.Text),
        sa.Column("lms_platform_id", Seq),
        sa.Column("lms_resource_link_id", sa.String(255)),
        sa.Column("updated", When, nullable=False),
    )
    op.create_table(
        "lti_platform_line_items",
        sa.Column("id", Seq, primary_key=True, autoincrement=True),
        sa.Column("tool_id", Seq, sa.ForeignKey("lti_platform_tools.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("context_id", sa.String(64), nullable=False),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("score_maximum", sa.Float, nullable=False),
        sa.Column("resource_id", sa.Text),
        sa.Column("resource_link_id", sa.String(64)),
        sa.Column("tag", sa.Text),
        sa.Column("start_date_time", sa.String(40)),
        sa.Column("end_date_time", sa.String(40)),
        sa.Column("created_at", When, nullable=False),
    )
    op.create_index("ix_lti_platform_line_items_tool_context", "lti_platform_line_items",
                    ["tool_id", "context_id"])
    op.create_table(
        "lti_platform_results",
        sa.Column("line_item_id", Seq,
                  sa.ForeignKey("lti_platform_line_items.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("sub", sa.String(64), primary_key=True),
        sa.Column("score_given", sa.Float),
        sa.Column("score_maximum", sa.Float),
        sa.Column("comment", sa.Text),
        sa.Column("activity_progress", sa.String(16), nullable=False),
        sa.Column("grading_progress", sa.String(16), nullable=False),
        sa.Column("timestamp", When, nullable=False),
        sa.Column("updated", When, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("lti_platform_results")
    op.drop_index("ix_lti_platform_line_items_tool_context",
                  table_name="lti_platform_line_items")
    op.drop_table("lti_platform_line_items")
    op.drop_table("lti_platform_links")
    op.drop_table("lti_platform_members")
    op.drop_table("lti_platform_contexts")
    op.drop_table("lti_platform_learners")
    op.drop_index("ix_lti_platform_assertions_expires_at", table_name="lti_platform_assertions")
    op.drop_table("lti_platform_assertions")
    op.drop_index("ix_lti_platform_placements_tool_id", table_name="lti_platform_placements")
    op.drop_table("lti_platform_placements")
    op.drop_table("lti_platform_tools")
    op.drop_table("lti_platform_keys")
