"""hub.jose: the one place our code builds JWKs, signs and verifies (PyJWT underneath)."""

from __future__ import annotations

import time

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from jwcrypto.jwk import JWK

from hub import jose

# RFC 7638 §3.1: the example RSA key and its SHA-256 thumbprint.
RFC_7638_KEY = {
    "kty": "RSA", "e": "AQAB", "alg": "RS256", "kid": "2011-04-29",
    "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tS"
         "oc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65Y"
         "GjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrd"
         "kt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnq"
         "DKgw",
}


def test_the_thumbprint_is_rfc_7638s():
    assert jose.thumbprint(RFC_7638_KEY) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
    assert jose.thumbprint_members(RFC_7638_KEY) == {"e": "AQAB", "kty": "RSA",
                                                     "n": RFC_7638_KEY["n"]}


@pytest.mark.parametrize("private", [rsa.generate_private_key(65537, 2048),
                                     ed25519.Ed25519PrivateKey.generate()],
                         ids=["rsa", "ed25519"])
def test_a_public_jwk_has_no_private_member_and_agrees_with_jwcrypto(private):
    jwk = jose.public_jwk(private.public_key())
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(jwk)
    assert jose.thumbprint(jwk) == JWK(**jwk).thumbprint()


def test_a_signed_jwt_verifies_with_its_public_jwk_and_checks_aud_and_iss():
    private = rsa.generate_private_key(65537, 2048)
    now = int(time.time())
    token = jose.sign({"iss": "https://hub", "aud": "tool", "iat": now, "exp": now + 60},
                      private, algorithm="RS256", headers={"kid": "k1"})
    assert jose.unverified_header(token)["kid"] == "k1"
    assert jose.unverified_claims(token)["iss"] == "https://hub"
    key = jose.public_key_from_jwk(jose.public_jwk(private.public_key()))
    claims = jose.verify(token, key, algorithms=["RS256"], audience="tool",
                         issuer="https://hub", require=["exp", "iat"])
    assert claims["aud"] == "tool"
    with pytest.raises(jose.InvalidAudienceError):
        jose.verify(token, key, algorithms=["RS256"], audience="another tool")
    with pytest.raises(jose.InvalidTokenError, match="issuer"):
        jose.verify(token, key, algorithms=["RS256"], audience="tool", issuer="https://else")
    with pytest.raises(jose.MissingRequiredClaimError):
        jose.verify(token, key, algorithms=["RS256"], audience="tool", require=["nonce"])


def test_an_expired_or_foreign_jwt_is_refused():
    private, other = rsa.generate_private_key(65537, 2048), rsa.generate_private_key(65537, 2048)
    expired = jose.sign({"exp": int(time.time()) - 120}, private, algorithm="RS256",
                        headers={})
    with pytest.raises(jose.ExpiredSignatureError):
        jose.verify(expired, private.public_key(), algorithms=["RS256"])
    assert jose.verify(expired, private.public_key(), algorithms=["RS256"], leeway=300)
    fresh = jose.sign({"sub": "x"}, private, algorithm="RS256", headers={})
    with pytest.raises(jose.InvalidSignatureError):
        jose.verify(fresh, other.public_key(), algorithms=["RS256"])
    with pytest.raises(jose.PyJWTError):
        jose.unverified_header("not-a-jws")
