"""The lrs slice's records as mongoengine documents (fields, types, required values).

xAPI JSON (statements, activity definitions) is kept as JSON text: its keys come from
outside, and MongoDB reserves `$`-prefixed field names and reads dots as paths.
Instants are integer microseconds since the epoch (hub.storage.mongo.common.micros).
"""

from __future__ import annotations

from mongoengine import (
    BinaryField,
    BooleanField,
    Document,
    ListField,
    LongField,
    StringField,
)

STATEMENTS = "statements"
ATTACHMENTS = "attachments"
DOCUMENTS = "documents"
ACTIVITIES = "activities"


class StatementEntry(Document):
    """One stored statement; written as BSON built directly on the ingest path
    (lrs.storage.mongo.statements), read back through `from_bson`."""

    meta = {"collection": STATEMENTS, "auto_create_index": False}
    id = StringField(primary_key=True, max_length=36)
    seq = LongField(required=True)  # allocate(database, "statements", n)
    document = StringField(required=True)  # the statement as JSON text
    stored = LongField(required=True)
    comparison_digest = StringField(required=True)
    authority_key = StringField(required=True)
    object_statement_id = StringField(null=True)  # absent when None (sparse index)
    voiding_target = StringField(null=True)  # absent when None (sparse index)
    voided = BooleanField(required=True)
    attachment_hashes = ListField(StringField())
    index = ListField(StringField())  # f"{kind}\0{value}" (lrs.storage.contract.IndexEntry)


class AttachmentEntry(Document):
    meta = {"collection": ATTACHMENTS, "auto_create_index": False}
    sha2 = StringField(primary_key=True, max_length=128)
    content_type = StringField(required=True)
    content = BinaryField(required=True)


class DocumentEntry(Document):
    """A State, Activity Profile or Agent Profile document; keys as in the SQL engine
    (SHA-256 of the canonical scope, and of scope + document id)."""

    meta = {"collection": DOCUMENTS, "auto_create_index": False}
    key = StringField(primary_key=True, max_length=64)
    scope_key = StringField(required=True, max_length=64)
    kind = StringField(required=True)
    activity_id = StringField(null=True)
    agent_key = StringField(null=True)
    registration = StringField(null=True)
    document_id = StringField(required=True)
    content = BinaryField(required=True)
    content_type = StringField(required=True)
    etag = StringField(required=True)
    updated = LongField(required=True)


class ActivityEntry(Document):
    meta = {"collection": ACTIVITIES, "auto_create_index": False}
    key = StringField(primary_key=True, max_length=64)  # SHA-256 of the activity id
    activity_id = StringField(required=True)
    definition = StringField(required=True)  # JSON text; "{}" when known by id only
    updated = LongField(required=True)
