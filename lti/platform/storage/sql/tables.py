"""The LTI platform slice's tables (migrations in lti/platform/storage/migrations)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
)

from hub.storage.sql.signing_keys import signing_keys_table
from hub.storage.sql.tables import Seq, metadata

# --- lti platform (migration lti_platform_0001) -------------------------------
# The hub as an LTI 1.3 platform launching partner tools: its platform signing keys,
# registered tools and which catalogue entries they launch, the learners, contexts and
# resource links tools were told about, AGS line items and results, and the client
# assertion ids already used (replay protection).
lti_platform_keys = signing_keys_table("lti_platform_keys")

lti_platform_tools = Table(
    "lti_platform_tools",
    metadata,
    Column("id", Seq, primary_key=True, autoincrement=True),
    Column("client_id", String(64), nullable=False, unique=True),
    Column("deployment_id", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("organisation", String(200), nullable=False),
    Column("login_url", Text, nullable=False),
    Column("target_link_uri", Text, nullable=False),
    Column("redirect_uris", JSON, nullable=False),
    Column("jwks_url", Text, nullable=False),
    Column("deep_linking_url", Text),
    Column("custom", JSON, nullable=False),
    Column("services", Text, nullable=False),  # space separated
    Column("personal_data", Text, nullable=False),  # space separated
    Column("sub_salt", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("disabled_at", DateTime(timezone=True)),  # lti_platform_0002; NULL: enabled
)

lti_platform_placements = Table(
    "lti_platform_placements",
    metadata,
    Column("catalogue_id", String(100), primary_key=True),
    Column("tool_id", Seq, ForeignKey("lti_platform_tools.id", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("url", Text),
    Column("custom", JSON, nullable=False),
    Column("lesson_hours", Float),
    Column("passing_score", Float),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

lti_platform_assertions = Table(
    "lti_platform_assertions",
    metadata,
    Column("client_id", String(64), primary_key=True),
    Column("jti", String(255), primary_key=True),
    Column("expires_at", DateTime(timezone=True), nullable=False, index=True),
)

lti_platform_learners = Table(
    "lti_platform_learners",
    metadata,
    Column("tool_id", Seq, ForeignKey("lti_platform_tools.id", ondelete="CASCADE"),
           primary_key=True),
    Column("sub", String(64), primary_key=True),
    Column("issuer", String(255), nullable=False),
    Column("learner_sub", String(255), nullable=False),
    Column("name", Text),
    Column("given_name", Text),
    Column("family_name", Text),
    Column("email", String(320)),
    Column("nip", String(32)),
    Column("updated", DateTime(timezone=True), nullable=False),
)

lti_platform_contexts = Table(
    "lti_platform_contexts",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("kind", String(16), nullable=False),  # lms | catalogue
    Column("lms_platform_id", Seq),
    Column("lms_context_id", String(255)),
    Column("title", Text),
    Column("label", Text),
    Column("updated", DateTime(timezone=True), nullable=False),
)

lti_platform_members = Table(
    "lti_platform_members",
    metadata,
    Column("tool_id", Seq, ForeignKey("lti_platform_tools.id", ondelete="CASCADE"),
           primary_key=True),
    Column("context_id", String(64), ForeignKey("lti_platform_contexts.id",
                                                ondelete="CASCADE"), primary_key=True),
    Column("sub", String(64), primary_key=True),
    Column("roles", JSON, nullable=False),
    Column("updated", DateTime(timezone=True), nullable=False),
)

lti_platform_links = Table(
    "lti_platform_links",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("tool_id", Seq, ForeignKey("lti_platform_tools.id", ondelete="CASCADE"),
           nullable=False),
    Column("context_id", String(64), nullable=False),
    Column("catalogue_id", String(100), nullable=False),
    Column("title", Text),
    Column("lms_platform_id", Seq),
    Column("lms_resource_link_id", String(255)),
    Column("updated", DateTime(timezone=True), nullable=False),
)

lti_platform_line_items = Table(
    "lti_platform_line_items",
    metadata,
    Column("id", Seq, primary_key=True, autoincrement=True),
    Column("tool_id", Seq, ForeignKey("lti_platform_tools.id", ondelete="CASCADE"),
           nullable=False),
    Column("context_id", String(64), nullable=False),
    Column("label", Text, nullable=False),
    Column("score_maximum", Float, nullable=False),
    Column("resource_id", Text),
    Column("resource_link_id", String(64)),
    Column("tag", Text),
    Column("start_date_time", String(40)),
    Column("end_date_time", String(40)),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
Index("ix_lti_platform_line_items_tool_context", lti_platform_line_items.c.tool_id,
      lti_platform_line_items.c.context_id)

lti_platform_results = Table(
    "lti_platform_results",
    metadata,
    Column("line_item_id", Seq, ForeignKey("lti_platform_line_items.id", ondelete="CASCADE"),
           primary_key=True),
    Column("sub", String(64), primary_key=True),
    Column("score_given", Float),
    Column("score_maximum", Float),
    Column("comment", Text),
    Column("activity_progress", String(16), nullable=False),
    Column("grading_progress", String(16), nullable=False),
    Column("timestamp", DateTime(timezone=True), nullable=False),
    Column("updated", DateTime(timezone=True), nullable=False),
)
