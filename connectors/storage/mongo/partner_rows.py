"""The partner fields (records.PartnerRecord) as destinations and sources fill and read
them: the registration's identity, endpoint and version, and its sign-in with the secret
sealed by the storage cipher."""

from __future__ import annotations

from typing import Any

from pymongo.client_session import ClientSession
from pymongo.collection import Collection

from connectors.storage.contract import Destination, RemoteAuth, Source
from connectors.storage.mongo.records import PartnerRecord
from hub.storage.key_encryption import KeyCipher
from hub.storage.mongo.common import micros, run_transaction


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


def reseal_secrets(collection: Collection[Any], cipher: KeyCipher, field: str) -> int:
    """Seal every secret in `field` of `collection` that is plain or sealed under an
    older key, in one transaction; how many changed."""
    def reseal(session: ClientSession) -> int:
        changed = 0
        for son in collection.find({}, {field: 1}, sort=[("_id", 1)], session=session):
            resealed = cipher.reseal(son[field])
            if resealed is not None:
                collection.update_one({"_id": son["_id"]}, {"$set": {field: resealed}},
                                      session=session)
                changed += 1
        return changed

    return run_transaction(collection.database.client, reseal)
