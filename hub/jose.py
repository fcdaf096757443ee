"""JOSE for the whole hub — JWKs, JWKS members, signing and verifying JWTs — on PyJWT.

pylti1p3 also pulls in jwcrypto, but our code builds keys, signs and verifies only through
this module, so one library's rules (claim checks, algorithms, error types and their
messages, which reach error bodies) apply to the LTI tool, the LTI platform, signed
xAPI statements and verifiable transcripts alike.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from jwt.algorithms import OKPAlgorithm, RSAAlgorithm

# The errors PyJWT raises, under the names callers match on (each is an InvalidTokenError,
# which is a PyJWTError).
from jwt.exceptions import (
    ExpiredSignatureError,
    ImmatureSignatureError,
    InvalidAlgorithmError,
    InvalidAudienceError,
    InvalidSignatureError,
    InvalidTokenError,
    MissingRequiredClaimError,
    PyJWTError,
)
from jwt.types import Options

__all__ = [
    "ExpiredSignatureError", "ImmatureSignatureError", "InvalidAlgorithmError",
    "InvalidAudienceError", "InvalidSignatureError", "InvalidTokenError",
    "MissingRequiredClaimError", "PyJWTError", "load_private_key", "public_jwk",
    "public_key_from_jwk", "sign", "thumbprint", "thumbprint_members", "unverified_claims",
    "unverified_header", "verify", "verify_jws",
]

PublicKey = rsa.RSAPublicKey | ed25519.Ed25519PublicKey
PrivateKey = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey
# RFC 7638 §3.2: the members a thumbprint covers, per key type.
_THUMBPRINT_MEMBERS = {"RSA": ("e", "kty", "n"), "OKP": ("crv", "kty", "x")}


# --- keys ------------------------------------------------------------------------------
def load_private_key(pem: str) -> PrivateKey:
    """A PKCS#8 PEM private key (unencrypted, as the hub stores them)."""
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey):
        raise TypeError(f"the hub signs with RSA or Ed25519 keys, not {type(key).__name__}")
    return key


def public_jwk(key: PublicKey) -> dict[str, Any]:
    """The public JWK of an RSA (RFC 7518 §6.3) or Ed25519 (RFC 8037) key, as PyJWT writes it."""
    if isinstance(key, rsa.RSAPublicKey):
        return RSAAlgorithm.to_jwk(key, as_dict=True)
    if isinstance(key, ed25519.Ed25519PublicKey):
        return OKPAlgorithm.to_jwk(key, as_dict=True)
    raise TypeError(f"no JWK for a {type(key).__name__}")


def public_key_from_jwk(jwk: Mapping[str, Any]) -> rsa.RSAPublicKey:
    """The RSA public key a JWK (a member of someone's JWKS) describes."""
    key = RSAAlgorithm.from_jwk(dict(jwk))
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("the JWK is an RSA private key, not a public one")
    return key


def thumbprint(jwk: Mapping[str, Any]) -> str:
    """RFC 7638 JWK thumbprint (SHA-256, base64url), the key id the hub gives its keys."""
    members = _THUMBPRINT_MEMBERS[jwk["kty"]]
    canonical = json.dumps({m: jwk[m] for m in members}, separators=(",", ":"), sort_keys=True)
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def thumbprint_members(jwk: Mapping[str, Any]) -> dict[str, Any]:
    """Only the members RFC 7638 names (no key_ops, kid, alg, use), in sorted order."""
    return {m: jwk[m] for m in _THUMBPRINT_MEMBERS[jwk["kty"]]}


# --- tokens ----------------------------------------------------------------------------
def sign(claims: Mapping[str, Any], key: str | PrivateKey, *, algorithm: str,
         headers: Mapping[str, Any]) -> str:
    """A compact JWS of `claims` (a JWT) signed with `key` (a PEM or a private key)."""
    return jwt.encode(dict(claims), key, algorithm=algorithm, headers=dict(headers))


def verify(token: str, key: Any, *, algorithms: Iterable[str], audience: Any = None,
           issuer: str | None = None, require: Iterable[str] = (), leeway: float = 0,
           verify_aud: bool = True, verify_iat: bool = True) -> dict[str, Any]:
    """The claims of a JWT whose signature, exp, nbf, iat, aud and iss check out;
    raises an InvalidTokenError (its message says which check failed)."""
    options: Options = {"require": list(require)}
    if not verify_aud:
        options["verify_aud"] = False
    if not verify_iat:
        options["verify_iat"] = False
    return jwt.decode(token, key, algorithms=list(algorithms), audience=audience,
                      issuer=issuer, leeway=leeway, options=options)


def verify_jws(token: str, key: Any, *, algorithms: Iterable[str]) -> bytes:
    """The payload of a compact JWS that is not a JWT (xAPI signed statements)."""
    return jwt.api_jws.PyJWS().decode(token, key=key, algorithms=list(algorithms))


def unverified_header(token: str) -> dict[str, Any]:
    """The JOSE header, before the key to check it with is known; raises InvalidTokenError
    (a DecodeError) for what is not a compact JWS."""
    return jwt.get_unverified_header(token)


def unverified_claims(token: str) -> dict[str, Any]:
    """The claims, unchecked: only to find out who says they signed it."""
    return jwt.decode(token, options={"verify_signature": False})
