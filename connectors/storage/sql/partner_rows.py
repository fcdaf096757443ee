"""The partner columns (tables.partner_columns) as destinations and sources fill and read
them: the registration's identity, endpoint and version, and its sign-in with the secret
sealed by the storage cipher."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row

from connectors.storage.contract import Destination, RemoteAuth, Source
from hub.storage.key_encryption import KeyCipher
from hub.storage.sql.common import utc


def partner_values(partner: Destination | Source, cipher: KeyCipher) -> dict[str, Any]:
    """The partner columns but `id`, and the registration times."""
    auth = partner.auth
    return {"name": partner.name, "endpoint": partner.endpoint, "version": partner.version,
            "auth_kind": auth.kind, "auth_username": auth.username,
            "auth_secret": cipher.seal(auth.secret), "auth_token_url": auth.token_url,
            "auth_scope": auth.scope, "created_at": utc(partner.created_at),
            "updated_at": utc(partner.updated_at)}


def remote_auth_of(row: Row[Any], cipher: KeyCipher) -> RemoteAuth:
    return RemoteAuth(kind=row.auth_kind, username=row.auth_username,
                      secret=cipher.open(row.auth_secret), token_url=row.auth_token_url,
                      scope=row.auth_scope)
