"""The LTI platform slice's records as mongoengine documents (their collections' indexes
are in lti.platform.storage.mongo.migrations).  Instants are integer microseconds since
the epoch (hub.storage.mongo.common.micros)."""

from __future__ import annotations

from mongoengine import Document, FloatField, ListField, LongField, StringField

KEYS = "lti_platform_keys"  # hub.storage.mongo.signing_keys.SigningKeyRecord


class ToolRecord(Document):
    meta = {"collection": "lti_platform_tools", "auto_create_index": False}
    id = LongField(primary_key=True)  # allocate(): like the SQL sequence
    client_id = StringField(required=True, max_length=64)
    deployment_id = StringField(required=True, max_length=64)
    name = StringField(required=True, max_length=200)
    organisation = StringField(required=True, max_length=200)
    login_url = StringField(required=True)
    target_link_uri = StringField(required=True)
    redirect_uris = ListField(StringField())
    jwks_url = StringField(required=True)
    deep_linking_url = StringField(null=True)
    custom = StringField(required=True)  # JSON text: parameter names come from outside
    services = ListField(StringField())  # sorted
    personal_data = ListField(StringField())  # sorted
    sub_salt = StringField(required=True, max_length=64)
    created_at = LongField(required=True)
    disabled_at = LongField(null=True)


class PlacementRecord(Document):
    meta = {"collection": "lti_platform_placements", "auto_create_index": False}
    catalogue_id = StringField(primary_key=True, max_length=100)
    tool_id = LongField(required=True)
    url = StringField(null=True)
    custom = StringField(required=True)  # JSON text
    lesson_hours = FloatField(null=True)
    passing_score = FloatField(null=True)
    created_at = LongField(required=True)


class AssertionRecord(Document):
    """A client assertion id already used (replay protection)."""

    meta = {"collection": "lti_platform_assertions", "auto_create_index": False}
    client_id = StringField(required=True, max_length=64)
    jti = StringField(required=True, max_length=255)
    expires_at = LongField(required=True)


class LearnerRecord(Document):
    meta = {"collection": "lti_platform_learners", "auto_create_index": False}
    tool_id = LongField(required=True)
    sub = StringField(required=True, max_length=64)
    issuer = StringField(required=True, max_length=255)
    learner_sub = StringField(required=True, max_length=255)
    name = StringField(null=True)
    given_name = StringField(null=True)
    family_name = StringField(null=True)
    email = StringField(null=True, max_length=320)
    nip = StringField(null=True, max_length=32)
    updated = LongField(required=True)


class ContextRecord(Document):
    meta = {"collection": "lti_platform_contexts", "auto_create_index": False}
    id = StringField(primary_key=True, max_length=64)
    kind = StringField(required=True, choices=("lms", "catalogue"))
    lms_platform_id = LongField(null=True)
    lms_context_id = StringField(null=True, max_length=255)
    title = StringField(null=True)
    label = StringField(null=True)
    updated = LongField(required=True)


class MemberRecord(Document):
    meta = {"collection": "lti_platform_members", "auto_create_index": False}
    tool_id = LongField(required=True)
    context_id = StringField(required=True, max_length=64)
    sub = StringField(required=True, max_length=64)
    roles = ListField(StringField())  # role IRIs as values, never as keys
    updated = LongField(required=True)


class LinkRecord(Document):
    meta = {"collection": "lti_platform_links", "auto_create_index": False}
    id = StringField(primary_key=True, max_length=64)
    tool_id = LongField(required=True)
    context_id = StringField(required=True, max_length=64)
    catalogue_id = StringField(required=True, max_length=100)
    title = StringField(null=True)
    lms_platform_id = LongField(null=True)
    lms_resource_link_id = StringField(null=True, max_length=255)
    updated = LongField(required=True)


class LineItemRecord(Document):
    meta = {"collection": "lti_platform_line_items", "auto_create_index": False}
    id = LongField(primary_key=True)  # allocate(): like the SQL sequence
    tool_id = LongField(required=True)
    context_id = StringField(required=True, max_length=64)
    label = StringField(required=True)
    score_maximum = FloatField(required=True)
    resource_id = StringField(null=True)
    resource_link_id = StringField(null=True, max_length=64)
    tag = StringField(null=True)
    start_date_time = StringField(null=True, max_length=40)
    end_date_time = StringField(null=True, max_length=40)
    created_at = LongField(required=True)


class ResultRecord(Document):
    meta = {"collection": "lti_platform_results", "auto_create_index": False}
    line_item_id = LongField(required=True)
    sub = StringField(required=True, max_length=64)
    score_given = FloatField(null=True)
    score_maximum = FloatField(null=True)
    comment = StringField(null=True)
    activity_progress = StringField(required=True, max_length=16)
    grading_progress = StringField(required=True, max_length=16)
    timestamp = LongField(required=True)
    updated = LongField(required=True)
