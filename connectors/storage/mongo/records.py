"""The connectors slice's records as mongoengine documents: their fields, types and
required values (stores convert them with hub.storage.mongo.records.to_bson/from_bson
and write them through pymongo in the unit of work's session).

Instants are integer microseconds since the epoch (hub.storage.mongo.common.micros).
Payloads whose keys come from outside (a pulled statement, an import's mapping and
errors) are JSON text: MongoDB treats `$`-prefixed and dotted field names specially.
"""

from __future__ import annotations

from typing import Any

from mongoengine import (
    BinaryField,
    BooleanField,
    DictField,
    Document,
    FloatField,
    IntField,
    ListField,
    LongField,
    StringField,
)


# --- the worker ------------------------------------------------------------------------
class WorkerRecordDocument(Document):
    meta = {"collection": "connector_workers", "auto_create_index": False}
    id = StringField(primary_key=True, max_length=120)
    host = StringField(required=True)
    pid = IntField(required=True)
    started_at = LongField(required=True)
    heartbeat_at = LongField(required=True)
    stopped_at = LongField(null=True)


class LeaseRecord(Document):
    meta = {"collection": "connector_leases", "auto_create_index": False}
    name = StringField(primary_key=True, max_length=200)
    loop = StringField(required=True)
    holder = StringField(null=True)
    expires_at = LongField(null=True)
    last_step_at = LongField(null=True)
    processed = LongField(required=True, default=0)
    behind = LongField(required=True, default=0)
    oldest_seconds = FloatField(null=True)
    last_error = StringField(null=True)
    last_error_at = LongField(null=True)
    # Bumped by `confirm` inside a unit of work: the write that keeps the lease from
    # changing hands until that unit ends (the SQL engines' FOR UPDATE).
    confirmations = LongField(required=True, default=0)


# --- partners (destinations and sources) --------------------------------------------------
class PartnerRecord(Document):
    """What destinations and sources share: identity, endpoint, version and sign-in
    (`auth_secret` sealed by the storage cipher)."""

    meta: dict[str, Any] = {"abstract": True}
    id = StringField(primary_key=True, max_length=64)
    name = StringField(required=True, max_length=200)
    endpoint = StringField(required=True)
    version = StringField(required=True, max_length=8)
    auth_kind = StringField(required=True, choices=("basic", "oauth2"))
    auth_username = StringField(required=True)
    auth_secret = StringField(required=True)
    auth_token_url = StringField(null=True)
    auth_scope = StringField(null=True)
    created_at = LongField(required=True)
    updated_at = LongField(required=True)


class DestinationRecord(PartnerRecord):
    meta = {"collection": "connector_destinations", "auto_create_index": False}
    # Fixed keys; the values (credential keys, verb IRIs, agencies) are never field names.
    filter = DictField(required=True)
    batch_size = IntField(required=True)
    enabled = BooleanField(required=True)


class DeliveryRecord(Document):
    meta = {"collection": "connector_deliveries", "auto_create_index": False}
    destination_id = StringField(primary_key=True, max_length=64)
    cursor = LongField(required=True)
    gaps = ListField(ListField(LongField()), required=False)  # [[seq, noticed micros], ...]
    attempts = IntField(required=True)
    retry_at = LongField(null=True)
    last_error = StringField(null=True)
    delivered = LongField(required=True)


class DeadLetterRecord(Document):
    meta = {"collection": "connector_dead_letters", "auto_create_index": False}
    id = LongField(primary_key=True)  # numbered by hub.storage.mongo.common.allocate
    destination_id = StringField(required=True)
    statement_id = StringField(required=True)
    seq = LongField(required=True)
    status = IntField(null=True)
    answer = StringField(required=True)
    failed_at = LongField(required=True)
    resent_at = LongField(null=True)


class SourceRecord(PartnerRecord):
    meta = {"collection": "connector_sources", "auto_create_index": False}
    credential = StringField(required=True)
    poll_seconds = IntField(required=True)
    page_limit = IntField(required=True)
    enabled = BooleanField(required=True)
    start = LongField(null=True)
    poll = StringField(required=True)


class PullRecord(Document):
    meta = {"collection": "connector_pulls", "auto_create_index": False}
    source_id = StringField(primary_key=True, max_length=64)
    cursor = LongField(null=True)
    more = StringField(null=True)
    attempts = IntField(required=True)
    retry_at = LongField(null=True)
    last_error = StringField(null=True)
    pulled = LongField(required=True)
    polled_at = LongField(null=True)


class PullConflictRecord(Document):
    meta = {"collection": "connector_pull_conflicts", "auto_create_index": False}
    id = LongField(primary_key=True)  # allocate()
    source_id = StringField(required=True)
    statement_id = StringField(required=True)
    kind = StringField(required=True, choices=("conflict", "refused"))
    message = StringField(required=True)
    statement = StringField(required=True)  # JSON text, as the source sent it
    digest = StringField(required=True)
    noticed_at = LongField(required=True)


# --- webhooks --------------------------------------------------------------------------
class SubscriptionRecord(Document):
    meta = {"collection": "webhook_subscriptions", "auto_create_index": False}
    id = StringField(primary_key=True, max_length=40)
    url = StringField(required=True)
    secret = StringField(required=True)  # sealed with the storage's KeyCipher
    events = ListField(StringField(), required=True)
    statement_filter = DictField(required=False)  # fixed keys: verb, activity_prefix, ...
    enabled = BooleanField(required=True)
    description = StringField(null=True)
    feed_cursor = LongField(required=True)
    feed_gaps = ListField(ListField(LongField()), required=False)
    created_at = LongField(required=True)
    updated_at = LongField(required=True)
    # Bumped by `lock_feed_state`: the write that serialises collectors (FOR UPDATE).
    feed_locks = LongField(required=True, default=0)


class OutboxRecord(Document):
    meta = {"collection": "webhook_outbox", "auto_create_index": False}
    id = LongField(primary_key=True)  # allocate()
    subscription_id = StringField(required=True)
    event_key = StringField(required=True)
    message_id = StringField(required=True)
    type = StringField(required=True)
    body = StringField(required=True)
    state = StringField(required=True, choices=("pending", "delivered", "dead"))
    attempts = IntField(required=True)
    next_attempt_at = LongField(required=True)
    leased_until = LongField(null=True)
    response_status = IntField(null=True)
    error = StringField(null=True)
    created_at = LongField(required=True)
    finished_at = LongField(null=True)


# --- imports ---------------------------------------------------------------------------
class ImportRecord(Document):
    meta = {"collection": "connector_imports", "auto_create_index": False}
    id = StringField(primary_key=True, max_length=36)
    status = StringField(required=True, choices=("pending", "running", "done", "failed"))
    credential_key = StringField(required=True)
    requested_by = StringField(required=True)
    file_name = StringField(required=True)
    content = BinaryField(required=False)
    mapping = StringField(required=True)  # JSON text: its keys are the file's columns
    rows_total = IntField(null=True)
    rows_done = IntField(required=True)
    stored = IntField(required=True)
    present = IntField(required=True)
    conflicts = IntField(required=True)
    refused = IntField(required=True)
    errors = StringField(required=True)  # JSON text
    errors_total = IntField(required=True)
    message = StringField(null=True)
    created_at = LongField(required=True)
    updated_at = LongField(required=True)
    finished_at = LongField(null=True)
