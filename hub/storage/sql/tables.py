"""SQLAlchemy Core tables.  Alembic migrations in hub/storage/migrations create them;
this module only describes them for queries."""

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
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL wants BIGINT identity.
Seq = BigInteger().with_variant(Integer(), "sqlite")

credentials = Table(
    "credentials",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("secret_digest", String(128), nullable=False),
    Column("name", String(200), nullable=False),
    Column("owner", String(200), nullable=False),
    Column("authority", JSON, nullable=False),
    Column("scopes", Text, nullable=False),  # space separated, as OAuth scopes are
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
)

# Browser sign-in sessions (hub.sessions; migration sessions_0001).
sign_in_sessions = Table(
    "sign_in_sessions",
    metadata,
    Column("id_digest", String(64), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("credential_key", String(64), ForeignKey("credentials.key"), nullable=False,
           index=True),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True), nullable=False, index=True),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("ended_at", DateTime(timezone=True)),
    Column("end_reason", String(32)),
)

statements = Table(
    "statements",
    metadata,
    Column("seq", Seq, primary_key=True, autoincrement=True),
    Column("id", String(36), nullable=False, unique=True),
    Column("document", JSON, nullable=False),
    Column("stored", DateTime(timezone=True), nullable=False),
    Column("comparison_digest", String(64), nullable=False),
    Column("authority_key", Text, nullable=False),
    Column("object_statement_id", String(36)),
    Column("voiding_target", String(36)),
    Column("voided", Boolean, nullable=False, default=False),
    Column("attachment_hashes", Text),
)

# No foreign key (migration 0004): rows are written with their statement, in its
# transaction, and statements are never deleted.
statement_index = Table(
    "statement_index",
    metadata,
    Column("statement_seq", Seq, primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("value", Text, primary_key=True),
)

attachments = Table(
    "attachments",
    metadata,
    Column("sha2", String(128), primary_key=True),
    Column("content_type", String(255), nullable=False),
    Column("content", LargeBinary, nullable=False),
)

# --- documents (migration 0003) ----------------------------------------------
# Keys are SHA-256 digests of the canonical scope (and document id): IRIs, agent keys
# and document ids are unbounded text, longer than a PostgreSQL btree entry may be.
documents = Table(
    "documents",
    metadata,
    Column("key", String(64), primary_key=True),  # scope + document id
    Column("scope_key", String(64), nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("activity_id", Text),
    Column("agent_key", Text),
    Column("registration", String(36)),
    Column("document_id", Text, nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("content_type", String(255), nullable=False),
    Column("etag", String(64), nullable=False),
    Column("updated", DateTime(timezone=True), nullable=False),
)

activities = Table(
    "activities",
    metadata,
    Column("key", String(64), primary_key=True),  # SHA-256 of the activity id
    Column("activity_id", Text, nullable=False),
    Column("definition", JSON, nullable=False),
    Column("updated", DateTime(timezone=True), nullable=False),
)

# --- lti (migration lti_0001) ------------------------------------------------
# The hub as an LTI 1.3 tool: its own signing keys, the platforms (LMSs) that launch
# it, short-lived OIDC/launch values shared by every worker, who launched what, the
# catalogue offered by Deep Linking, and durable grade-passback jobs.
def _signing_keys(name: str) -> Table:
    """RSA signing keys with their rotation state; the tool and platform roles each
    keep their own (one SqlLtiKeyStore serves both)."""
    return Table(
        name,
        metadata,
        Column("kid", String(64), primary_key=True),
        Column("private_pem", Text, nullable=False),
        Column("public_jwk", JSON, nullable=False),
        Column("status", String(16), nullable=False),  # next | active | retired
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("activated_at", DateTime(timezone=True)),
        Column("retired_at", DateTime(timezone=True)),
    )


lti_keys = _signing_keys("lti_keys")

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

# --- transcripts (migration transcripts_0001) --------------------------------
# Competency transcripts: the person registry (NIP ↔ identifiers), competency
# frameworks and mapping rules, evidence derived from the statement feed, per-year
# summaries, the access log and the issuer's signing keys.  JP are centi-JP integers.
transcript_people = Table(
    "transcript_people",
    metadata,
    Column("nip", String(18), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("employee_type", String(8)),
    Column("agency", String(200)),
    Column("unit", String(200)),
    Column("source", String(16), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

transcript_identities = Table(
    "transcript_identities",
    metadata,
    Column("key", String(64), primary_key=True),  # SHA-256 of `identifier`
    Column("identifier", Text, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("value", JSON, nullable=False),
    Column("nip", String(18), ForeignKey("transcript_people.nip"), nullable=False),
    Column("source", String(16), nullable=False),
    Column("linked_at", DateTime(timezone=True), nullable=False),
)

transcript_identity_conflicts = Table(
    "transcript_identity_conflicts",
    metadata,
    Column("id", Seq, primary_key=True, autoincrement=True),
    Column("key", String(64), nullable=False),
    Column("identifier", Text, nullable=False),
    Column("value", JSON, nullable=False),
    Column("linked_nip", String(18), nullable=False),
    Column("claimed_nip", String(18), nullable=False),
    Column("source", String(16), nullable=False),
    Column("reported_at", DateTime(timezone=True), nullable=False),
    Column("resolved_at", DateTime(timezone=True)),
)

transcript_frameworks = Table(
    "transcript_frameworks",
    metadata,
    Column("id", String(200), primary_key=True),
    Column("title", Text, nullable=False),
    Column("format", String(8), nullable=False),
    Column("uri", Text),
    Column("version", String(100)),
    Column("imported_at", DateTime(timezone=True), nullable=False),
)

transcript_competencies = Table(
    "transcript_competencies",
    metadata,
    Column("id", String(200), primary_key=True),
    Column("framework_id", String(200),
           ForeignKey("transcript_frameworks.id", ondelete="CASCADE"), nullable=False),
    Column("code", String(200), nullable=False),
    Column("name", Text, nullable=False),
    Column("type", String(20), nullable=False),
    Column("levels", JSON, nullable=False),
    Column("uri", Text),
)

transcript_mapping_rules = Table(
    "transcript_mapping_rules",
    metadata,
    Column("id", Seq, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
    Column("pattern", Text, nullable=False),
    Column("pattern_key", String(64), nullable=False),  # SHA-256 of kind + pattern, unique
    Column("competency_id", String(200), ForeignKey("transcript_competencies.id")),
    Column("level", Integer),
    Column("jp_centi", Integer),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

transcript_evidence = Table(
    "transcript_evidence",
    metadata,
    Column("statement_id", String(36), primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("nip", String(18), nullable=False),
    Column("year", Integer, nullable=False),
    Column("identity_key", String(64), nullable=False),
    Column("activity_id", Text, nullable=False),
    Column("activity_name", Text, nullable=False),
    Column("activity_type", Text),
    Column("verb", Text, nullable=False),
    Column("timestamp", DateTime(timezone=True), nullable=False),
    Column("authority", Text),
    Column("provider", Text),
    Column("platform", Text),
    Column("score_centi", Integer),
    Column("claimed_jp_centi", Integer),
    Column("duration_seconds", BigInteger),
    Column("competency_id", String(200)),
    Column("level", Integer),
    Column("jp_centi", Integer, nullable=False),
    Column("jp_source", String(16), nullable=False),
)

transcript_summaries = Table(
    "transcript_summaries",
    metadata,
    Column("nip", String(18), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("jp_centi", Integer, nullable=False),
    Column("jp_teknis", Integer, nullable=False),
    Column("jp_manajerial", Integer, nullable=False),
    Column("jp_sosial_kultural", Integer, nullable=False),
    Column("jp_unmapped", Integer, nullable=False),
    Column("activity_count", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

transcript_unlinked = Table(
    "transcript_unlinked",
    metadata,
    Column("statement_id", String(36), primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("identity_key", String(64), nullable=False),
)

transcript_feed_state = Table(
    "transcript_feed_state",
    metadata,
    Column("id", Integer, primary_key=True),  # always 1: one cursor
    Column("cursor", BigInteger, nullable=False),
    Column("gaps", JSON, nullable=False),  # {"<seq>": "<ISO time noticed>"}
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

transcript_access_log = Table(
    "transcript_access_log",
    metadata,
    Column("id", Seq, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("credential_key", String(64)),
    Column("credential_name", String(200), nullable=False),
    Column("action", String(40), nullable=False),
    Column("subject", String(250), nullable=False),
    Column("year", Integer),
    Column("detail", JSON, nullable=False),
    Column("request_id", String(64)),
)

transcript_auditor_agencies = Table(
    "transcript_auditor_agencies",
    metadata,
    Column("credential_key", String(64), primary_key=True),
    Column("agency", String(200), primary_key=True),
)

transcript_issuer_keys = Table(
    "transcript_issuer_keys",
    metadata,
    Column("kid", String(64), primary_key=True),
    Column("algorithm", String(10), nullable=False),
    Column("private_pem", Text, nullable=False),
    Column("public_jwk", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("retired_at", DateTime(timezone=True)),
)

# --- lti platform (migration lti_platform_0001) -------------------------------
# The hub as an LTI 1.3 platform launching partner tools: its platform signing keys,
# registered tools and which catalogue entries they launch, the learners, contexts and
# resource links tools were told about, AGS line items and results, and the client
# assertion ids already used (replay protection).
lti_platform_keys = _signing_keys("lti_platform_keys")

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
