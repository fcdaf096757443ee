"""The partner fields (records.PartnerRecord) as destinations and sources fill and read
them: the registration's identity, endpoint and version, and its sign-in with the secret
sealed by the storage cipher (resealed by hub.storage.mongo.sealed)."""

from __future__ import annotations

from typing import Any

from connectors.storage.contract import Destination, RemoteAuth, Source
from connectors.storage.mongo.records import PartnerRecord
from hub.storage.key_encryption import KeyCipher
from hub.storage.mongo.common import micros


def partner_values(partner: Destination | Source, cipher: KeyCipher) -> dict[str, Any]:
    """The partner fields but `id`, and the registration times."""
    auth = partner.auth
    return {"name": partner.name, "endpoint": partner.endpoint, "version": partner.version,
            "auth_kind": auth.kind, "auth_username": auth.username,
            "auth_secret": cipher.seal(auth.secret), "auth_token_url": auth.token_url,
            "auth_scope": auth.scope, "created_at": micros(partner.created_at),
            "updated_at": micros(partner.updated_at)}


def remote_auth_of(record: PartnerRecord, cipher: KeyCipher) -> RemoteAuth:
    return RemoteAuth(kind=record.auth_kind, username=record.auth_username,
                      secret=cipher.open(record.auth_secret), token_url=record.auth_token_url,
                      scope=record.auth_scope)
