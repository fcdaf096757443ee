"""The hub's own RSA signing keys, shared by the LTI tool and platform roles.

Keys live in the database so every worker signs with the same key and publishes the
same JWKS.  Rotation never surprises a platform that caches our JWKS: `publish_next_key`
adds a key to the JWKS without signing with it, and only a later `activate_next_key`
switches signing to it (retiring the old key, which stays published for
RETIRED_KEY_GRACE so tokens it signed can still be verified).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from hub import jose
from hub.storage.signing_keys import LtiKeyStore, ToolKey

log = logging.getLogger(__name__)

KEY_BITS = 2048
RETIRED_KEY_GRACE = timedelta(days=1)
# Platforms cache a tool's JWKS; a next key is switched to only after it has been
# published this long (override with `lti keys rotate --force`).
MIN_PUBLISHED_BEFORE_SWITCH = timedelta(hours=24)


class RotationTooEarly(Exception):
    """The next key has not been published long enough for platforms to have seen it."""


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_pem: str


def new_key(status: str, now: datetime | None = None) -> ToolKey:
    now = now or datetime.now(UTC)
    private = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    members = jose.thumbprint_members(jose.public_jwk(private.public_key()))
    kid = jose.thumbprint(members)  # RFC 7638: stable, derived from the key itself
    # Member order as published since the first key: e, kid, kty, n, alg, use.
    public = {"e": members["e"], "kid": kid, "kty": "RSA", "n": members["n"],
              "alg": "RS256", "use": "sig"}
    return ToolKey(kid=kid, private_pem=pem, public_jwk=public, status=status, created_at=now,
                   activated_at=now if status == "active" else None)


def signing_key(store: LtiKeyStore) -> SigningKey:
    """The active key, created on first use (concurrent workers agree on one)."""
    active = [k for k in store.list_keys() if k.status == "active"]
    if active:
        key = max(active, key=lambda k: k.activated_at or k.created_at)
    else:
        key = store.activate_first_key(new_key("active"))
        log.info("created the first LTI signing key %s", key.kid)
    return SigningKey(kid=key.kid, private_pem=key.private_pem)


def public_jwks(store: LtiKeyStore, now: datetime | None = None) -> dict[str, Any]:
    """What `/lti/jwks` publishes: the active key, a next key, recently retired keys."""
    now = now or datetime.now(UTC)
    signing_key(store)
    keys = [k.public_jwk for k in store.list_keys()
            if k.status in ("active", "next")
            or (k.retired_at is not None and now - k.retired_at < RETIRED_KEY_GRACE)]
    return {"keys": keys}


def publish_next_key(store: LtiKeyStore) -> ToolKey:
    """Step 1 of a rotation: a new key in the JWKS, not yet signing.  Idempotent."""
    signing_key(store)
    pending = [k for k in store.list_keys() if k.status == "next"]
    if pending:
        return pending[0]
    key = new_key("next")
    store.insert_key(key)
    log.info("published the next LTI signing key %s", key.kid)
    return key


def activate_next_key(store: LtiKeyStore, *, force: bool = False,
                      now: datetime | None = None) -> ToolKey:
    """Step 2: sign with the published next key; the old key is retired."""
    now = now or datetime.now(UTC)
    pending = [k for k in store.list_keys() if k.status == "next"]
    if not pending:
        raise LookupError("no next key is published; publish one first")
    key = pending[0]
    if not force and now - key.created_at < MIN_PUBLISHED_BEFORE_SWITCH:
        raise RotationTooEarly(
            f"key {key.kid} was published at {key.created_at.isoformat()}; switch after "
            f"{(key.created_at + MIN_PUBLISHED_BEFORE_SWITCH).isoformat()} so platforms "
            "that cache the JWKS have seen it")
    if not store.promote_key(key.kid, now):
        raise LookupError(f"key {key.kid} is no longer a next key")
    log.info("LTI signing switched to key %s", key.kid)
    return key
