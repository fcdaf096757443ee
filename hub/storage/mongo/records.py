"""The hub's own records as mongoengine documents: their fields, types and required
values, and their conversion to and from BSON.  Stores write them through pymongo in
the unit of work's session (hub.storage.mongo.common says why)."""

from __future__ import annotations

from typing import Any, TypeVar

from mongoengine import (
    DictField,
    Document,
    ListField,
    LongField,
    StringField,
)

RecordT = TypeVar("RecordT", bound=Document)


class CredentialRecord(Document):
    meta = {"collection": "credentials", "auto_create_index": False}
    key = StringField(primary_key=True, max_length=64)
    secret_digest = StringField(required=True)
    name = StringField(required=True)
    owner = StringField(required=True)
    # The authority Agent: plain JSON keys (homePage, name, mbox), no dotted IRIs.
    authority = DictField(required=True)
    scopes = ListField(StringField(), required=True)
    created_at = LongField(required=True)  # microseconds since the epoch (common.micros)
    revoked_at = LongField(null=True)


class SignInSessionRecord(Document):
    meta = {"collection": "sign_in_sessions", "auto_create_index": False}
    id_digest = StringField(primary_key=True, max_length=64)
    kind = StringField(required=True)
    credential_key = StringField(required=True)
    started_at = LongField(required=True)
    last_seen_at = LongField(required=True)
    expires_at = LongField(required=True)
    ended_at = LongField(null=True)
    end_reason = StringField(null=True)


class SigningKeyRecord(Document):
    """One RSA signing key; each LTI role keeps its own collection of these."""

    meta = {"collection": "signing_keys", "auto_create_index": False}
    kid = StringField(primary_key=True, max_length=64)
    private_pem = StringField(required=True)  # sealed (hub.storage.key_encryption)
    public_jwk = DictField(required=True)
    status = StringField(required=True, choices=("next", "active", "retired"))
    created_at = LongField(required=True)
    activated_at = LongField(null=True)
    retired_at = LongField(null=True)


def to_bson(record: Document) -> dict[str, Any]:
    """The record's BSON document, validated first (mongoengine's field rules)."""
    record.validate()
    return dict(record.to_mongo())


def from_bson(kind: type[RecordT], son: dict[str, Any]) -> RecordT:
    return kind._from_son(son)
