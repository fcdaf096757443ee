"""The LTI tool slice's tables (migrations in lti/tool/storage/migrations)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from hub.storage.sql.signing_keys import signing_keys_table
from hub.storage.sql.tables import Seq, metadata

# --- lti (migration lti_0001) ------------------------------------------------
# The hub as an LTI 1.3 tool: its own signing keys, the platforms (LMSs) that launch
# it, short-lived OIDC/launch values shared by every worker, who launched what, the
# catalogue offered by Deep Linking, and durable grade-passback jobs.
lti_keys = signing_keys_table("lti_keys")

lti_platforms = Table(
    "lti_platforms",
    metadata,
    Column("id", Seq, primary_key=True, autoincrement=True),
    Column("issuer", String(255), nullable=False),
    Column("client_id", String(255), nullable=False),
    Column("name", String(200), nullable=False),
    Column("auth_login_url", Text, nullable=False),
    Column("token_url", Text, nullable=False),
    Column("jwks_url", Text, nullable=False),
    Column("auth_audience", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("disabled_at", DateTime(timezone=True)),  # lti_0002; NULL: enabled
    UniqueConstraint("issuer", "client_id", name="uq_lti_platforms_issuer_client"),
)

lti_deployments = Table(
    "lti_deployments",
    metadata,
    Column("platform_id", Seq, ForeignKey("lti_platforms.id", ondelete="CASCADE"),
           primary_key=True),
    Column("deployment_id", String(255), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

lti_registration_invites = Table(
    "lti_registration_invites",
    metadata,
    Column("token_digest", String(64), primary_key=True),
    Column("note", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True)),
    Column("platform_id", Seq, ForeignKey("lti_platforms.id", ondelete="SET NULL")),
)

# OIDC state and nonces, launch data and cached platform key sets, with an expiry.
lti_session_values = Table(
    "lti_session_values",
    metadata,
    Column("key", String(128), primary_key=True),
    Column("value", JSON, nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False, index=True),
)

lti_users = Table(
    "lti_users",
    metadata,
    Column("issuer", String(255), primary_key=True),
    Column("sub", String(255), primary_key=True),
    Column("name", Text),
    Column("given_name", Text),
    Column("family_name", Text),
    Column("email", String(320), index=True),
    Column("sourcedid", Text),
    Column("nip", String(32)),
    Column("hub_identity", Text),
    Column("updated", DateTime(timezone=True), nullable=False),
)

lti_contexts = Table(
    "lti_contexts",
    metadata,
    Column("platform_id", Seq, ForeignKey("lti_platforms.id", ondelete="CASCADE"),
           primary_key=True),
    Column("context_id", String(255), primary_key=True),
    Column("title", Text),
    Column("label", Text),
    Column("memberships_url", Text),
    Column("updated", DateTime(timezone=True), nullable=False),
)

lti_memberships = Table(
    "lti_memberships",
    metadata,
    Column("platform_id", Seq, primary_key=True),
    Column("context_id", String(255), primary_key=True),
    Column("sub", String(255), primary_key=True),
    Column("roles", JSON, nullable=False),
    Column("status", String(16), nullable=False),  # Active | Inactive | Deleted
    Column("launched", Boolean, nullable=False),
    Column("updated", DateTime(timezone=True), nullable=False),
    ForeignKeyConstraint(["platform_id", "context_id"],
                         ["lti_contexts.platform_id", "lti_contexts.context_id"],
                         ondelete="CASCADE"),
)

lti_catalogue = Table(
    "lti_catalogue",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("title", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("activity_id", Text, nullable=False),
    Column("launch_url", Text, nullable=False),
    Column("keywords", Text, nullable=False),
    Column("graded", Boolean, nullable=False),
    Column("score_maximum", Float),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

lti_resource_links = Table(
    "lti_resource_links",
    metadata,
    Column("platform_id", Seq, ForeignKey("lti_platforms.id", ondelete="CASCADE"),
           primary_key=True),
    Column("resource_link_id", String(255), primary_key=True),
    Column("deployment_id", String(255), nullable=False),
    Column("context_id", String(255)),
    Column("title", Text),
    Column("activity_key", String(64), nullable=False, index=True),  # SHA-256 of its IRI
    Column("catalogue_id", String(100)),
    Column("lineitem_url", Text),
    Column("lineitems_url", Text),
    Column("ags_scopes", Text, nullable=False),  # space separated
    Column("updated", DateTime(timezone=True), nullable=False),
)

lti_link_launches = Table(
    "lti_link_launches",
    metadata,
    Column("platform_id", Seq, primary_key=True),
    Column("resource_link_id", String(255), primary_key=True),
    Column("sub", String(255), primary_key=True),
    Column("first_launch", DateTime(timezone=True), nullable=False),
    Column("last_launch", DateTime(timezone=True), nullable=False),
    ForeignKeyConstraint(["platform_id", "resource_link_id"],
                         ["lti_resource_links.platform_id",
                          "lti_resource_links.resource_link_id"], ondelete="CASCADE"),
)

lti_grade_jobs = Table(
    "lti_grade_jobs",
    metadata,
    Column("id", Seq, primary_key=True, autoincrement=True),
    Column("platform_id", Seq, nullable=False),
    Column("resource_link_id", String(255), nullable=False),
    Column("sub", String(255), nullable=False),
    Column("statement_id", String(36), nullable=False),
    Column("score_given", Float),
    Column("score_maximum", Float),
    Column("activity_progress", String(16), nullable=False),
    Column("grading_progress", String(16), nullable=False),
    Column("timestamp", String(40), nullable=False),
    Column("status", String(8), nullable=False),  # pending | done | failed
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("lease_until", DateTime(timezone=True)),
    Column("last_error", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("done_at", DateTime(timezone=True)),
    UniqueConstraint("statement_id", "platform_id", "resource_link_id", "sub",
                     name="uq_lti_grade_jobs_statement_link_user"),
    ForeignKeyConstraint(["platform_id", "resource_link_id"],
                         ["lti_resource_links.platform_id",
                          "lti_resource_links.resource_link_id"], ondelete="CASCADE"),
)
Index("ix_lti_grade_jobs_due", lti_grade_jobs.c.status, lti_grade_jobs.c.next_attempt_at)

lti_cursors = Table(
    "lti_cursors",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("seq", BigInteger, nullable=False),
)
