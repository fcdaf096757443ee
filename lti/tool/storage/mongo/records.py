"""The LTI tool slice's records as mongoengine documents (their collections' indexes are
in lti.tool.storage.mongo.migrations).  Instants are integer microseconds since the
epoch (hub.storage.mongo.common.micros)."""

from __future__ import annotations

from mongoengine import (
    BooleanField,
    Document,
    EmbeddedDocument,
    EmbeddedDocumentListField,
    FloatField,
    IntField,
    ListField,
    LongField,
    StringField,
)

KEYS = "lti_keys"  # hub.storage.mongo.signing_keys.SigningKeyRecord


class DeploymentRecord(EmbeddedDocument):
    """A deployment of a platform, kept inside the platform's document: a handful per
    platform, read with it every time."""

    deployment_id = StringField(required=True, max_length=255)
    created_at = LongField(required=True)


class PlatformRecord(Document):
    meta = {"collection": "lti_platforms", "auto_create_index": False}
    id = LongField(primary_key=True)  # allocate(): like the SQL sequence
    issuer = StringField(required=True, max_length=255)
    client_id = StringField(required=True, max_length=255)
    name = StringField(required=True, max_length=200)
    auth_login_url = StringField(required=True)
    token_url = StringField(required=True)
    jwks_url = StringField(required=True)
    auth_audience = StringField(null=True)
    created_at = LongField(required=True)
    disabled_at = LongField(null=True)
    deployments = EmbeddedDocumentListField(DeploymentRecord)


class InviteRecord(Document):
    meta = {"collection": "lti_registration_invites", "auto_create_index": False}
    token_digest = StringField(primary_key=True, max_length=64)
    note = StringField(required=True)
    created_at = LongField(required=True)
    expires_at = LongField(required=True)
    used_at = LongField(null=True)
    platform_id = LongField(null=True)


class SessionValueRecord(Document):
    """OIDC state and nonces, launch data, cached key sets: `value` is JSON text (LTI
    claims have keys from outside, some of them dotted IRIs)."""

    meta = {"collection": "lti_session_values", "auto_create_index": False}
    key = StringField(primary_key=True, max_length=128)
    value = StringField(required=True)
    expires_at = LongField(required=True)


class UserRecord(Document):
    meta = {"collection": "lti_users", "auto_create_index": False}
    issuer = StringField(required=True, max_length=255)
    sub = StringField(required=True, max_length=255)
    name = StringField(null=True)
    given_name = StringField(null=True)
    family_name = StringField(null=True)
    email = StringField(null=True, max_length=320)
    email_key = StringField(null=True)  # the e-mail lower-cased: found case-insensitively
    sourcedid = StringField(null=True)
    nip = StringField(null=True, max_length=32)
    hub_identity = StringField(null=True)
    updated = LongField(required=True)


class ContextRecord(Document):
    meta = {"collection": "lti_contexts", "auto_create_index": False}
    platform_id = LongField(required=True)
    context_id = StringField(required=True, max_length=255)
    title = StringField(null=True)
    label = StringField(null=True)
    memberships_url = StringField(null=True)
    updated = LongField(required=True)


class MembershipRecord(Document):
    meta = {"collection": "lti_memberships", "auto_create_index": False}
    platform_id = LongField(required=True)
    context_id = StringField(required=True, max_length=255)
    sub = StringField(required=True, max_length=255)
    roles = ListField(StringField(), required=False)  # role IRIs as values, never as keys
    status = StringField(required=True, choices=("Active", "Inactive", "Deleted"))
    launched = BooleanField(required=True)
    updated = LongField(required=True)


class ResourceLinkRecord(Document):
    meta = {"collection": "lti_resource_links", "auto_create_index": False}
    platform_id = LongField(required=True)
    resource_link_id = StringField(required=True, max_length=255)
    deployment_id = StringField(required=True, max_length=255)
    context_id = StringField(null=True, max_length=255)
    title = StringField(null=True)
    activity_key = StringField(required=True, max_length=64)  # SHA-256 of its IRI
    catalogue_id = StringField(null=True, max_length=100)
    lineitem_url = StringField(null=True)
    lineitems_url = StringField(null=True)
    ags_scopes = ListField(StringField(), required=False)
    updated = LongField(required=True)


class LinkLaunchRecord(Document):
    meta = {"collection": "lti_link_launches", "auto_create_index": False}
    platform_id = LongField(required=True)
    resource_link_id = StringField(required=True, max_length=255)
    sub = StringField(required=True, max_length=255)
    first_launch = LongField(required=True)
    last_launch = LongField(required=True)


class CatalogueRecord(Document):
    meta = {"collection": "lti_catalogue", "auto_create_index": False}
    id = StringField(primary_key=True, max_length=100)
    title = StringField(required=True)
    description = StringField(required=True)
    activity_id = StringField(required=True)
    launch_url = StringField(required=True)
    keywords = StringField(required=True)
    graded = BooleanField(required=True)
    score_maximum = FloatField(null=True)
    created_at = LongField(required=True)
    # title, description, keywords and id lower-cased: what search_entries looks in
    haystack = StringField(required=True)


class GradeJobRecord(Document):
    meta = {"collection": "lti_grade_jobs", "auto_create_index": False}
    id = LongField(primary_key=True)  # allocate(): like the SQL sequence
    platform_id = LongField(required=True)
    resource_link_id = StringField(required=True, max_length=255)
    sub = StringField(required=True, max_length=255)
    statement_id = StringField(required=True, max_length=36)
    score_given = FloatField(null=True)
    score_maximum = FloatField(null=True)
    activity_progress = StringField(required=True, max_length=16)
    grading_progress = StringField(required=True, max_length=16)
    timestamp = StringField(required=True, max_length=40)
    status = StringField(required=True, choices=("pending", "done", "failed"))
    attempts = IntField(required=True)
    next_attempt_at = LongField(required=True)
    lease_until = LongField(null=True)
    last_error = StringField(null=True)
    created_at = LongField(required=True)
    done_at = LongField(null=True)


class CursorRecord(Document):
    meta = {"collection": "lti_cursors", "auto_create_index": False}
    name = StringField(primary_key=True, max_length=64)
    seq = LongField(required=True)
