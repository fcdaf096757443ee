"""Verifiable transcripts: OB 3.0 credentials as VC-JWT signed with the hub's key;
verification detects tampering with any field and transcripts that changed."""

from __future__ import annotations

import base64
import json

import jwt
import pytest
from jwcrypto.jwk import JWK
from transcript_fixtures import KEUANGAN, SITI, learning, siasn, voiding

from transcripts.signing import generate_key


def b64(data: dict) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64(part: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


@pytest.fixture
def issuer_key(app):
    """An Ed25519 issuer key (fast to make); the RS256 default has its own test."""
    key = generate_key("EdDSA")
    app.extensions["hub.storage"].issuer_keys.insert_key(key, retire_others_at=key.created_at)
    return key


@pytest.fixture
def issued(registry, partners, send, issuer_key, client, auditor):
    [statement] = send(partners["akademi"], learning(siasn(SITI), KEUANGAN, jp=21))
    response = client.post(f"/api/transcripts/people/{SITI}/transcripts/2026/credential",
                           headers={"Authorization": auditor["Authorization"]})
    assert response.status_code == 201, response.json
    return {**response.json, "statement": statement}


def verify(client, token: str) -> dict:
    response = client.post("/api/transcripts/verify", data=token,
                           content_type="text/plain")
    assert response.status_code == 200
    return response.json


def test_an_issued_credential_is_an_ob3_vc_jwt_with_the_transcript(issued, issuer_key):
    header, payload, _ = issued["credential"].split(".")
    assert unb64(header) == {"alg": "EdDSA", "typ": "JWT",
                             "kid": f"http://localhost:5000/api/transcripts/issuer/keys/"
                                    f"{issuer_key.kid}"}
    claims = unb64(payload)
    assert claims["iss"] == claims["issuer"]["id"] == \
        "http://localhost:5000/api/transcripts/issuer"
    assert claims["sub"] == claims["credentialSubject"]["id"]
    assert claims["jti"] == claims["id"]
    assert claims["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert claims["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    subject = claims["credentialSubject"]
    assert subject["identifier"][0]["identityHash"] == SITI
    assert subject["creditsEarned"] == 21.0
    results = {r["resultDescription"].rsplit("#", 1)[1]: r for r in subject["result"]}
    assert results["total"]["value"] == "21"
    assert results["compliance"]["status"] == "Completed"
    assert claims["evidence"][0]["narrative"] == f"xAPI statements: {issued['statement']}"
    assert claims["relatedResource"][0]["digestSRI"].startswith("sha256-")


def test_a_fresh_credential_verifies_and_is_current(issued, client):
    result = verify(client, issued["credential"])
    assert (result["valid"], result["signature"], result["issuer"], result["claims"],
            result["current"]) == (True, True, True, True, True)
    assert (result["nip"], result["year"], result["errors"]) == (SITI, 2026, [])


@pytest.mark.parametrize("tamper", [
    lambda c: c["credentialSubject"]["result"][0].update(value="40"),
    lambda c: c["credentialSubject"]["identifier"][0].update(identityHash="198805172022061002"),
    lambda c: c["issuer"].update(name="Badan Lain"),
    lambda c: c["evidence"][0].update(name="Kursus lain"),
    lambda c: c["relatedResource"][0].update(digestSRI="sha256-AAAA"),
    lambda c: c.update(validFrom="2020-01-01T00:00:00Z"),
    lambda c: c.update(nbf=c["nbf"] - 3600),
    lambda c: c.pop("evidence"),
    lambda c: c.update(extra="added"),
])
def test_tampering_with_any_field_breaks_the_signature(issued, client, tamper):
    header, payload, signature = issued["credential"].split(".")
    claims = unb64(payload)
    tamper(claims)
    result = verify(client, f"{header}.{b64(claims)}.{signature}")
    assert result["valid"] is False and result["signature"] is False
    assert result["errors"] == ["the signature does not match the content"]


def test_a_credential_signed_by_another_key_claiming_our_kid_is_refused(issued, client):
    header, payload, _ = issued["credential"].split(".")
    forger = generate_key("EdDSA")
    from cryptography.hazmat.primitives import serialization
    private = serialization.load_pem_private_key(forger.private_pem.encode(), password=None)
    forged = jwt.encode(unb64(payload), private, algorithm="EdDSA", headers=unb64(header))
    result = verify(client, forged)
    assert (result["valid"], result["signature"]) == (False, False)


@pytest.mark.parametrize(("header_change", "message"), [
    ({"kid": "https://evil.example/keys/1"}, "not one of this hub's issuer keys"),
    ({"alg": "none"}, "signs with EdDSA"),
    ({"alg": "HS256"}, "signs with EdDSA"),
    ({"jwk": {"kty": "OKP"}}, "does not allow: jwk"),
])
def test_a_changed_jose_header_is_refused(issued, client, header_change, message):
    header, payload, signature = issued["credential"].split(".")
    result = verify(client, f"{b64({**unb64(header), **header_change})}.{payload}.{signature}")
    assert result["valid"] is False
    assert any(message in error for error in result["errors"])


def test_a_transcript_that_changed_since_issue_is_reported(issued, client, partners, send):
    send(partners["akademi"], voiding(issued["statement"]))
    result = verify(client, issued["credential"])
    assert (result["valid"], result["current"]) == (True, False)
    assert result["errors"] == ["the transcript has changed since this credential was issued"]


def test_new_learning_also_makes_an_earlier_copy_not_current(issued, client, partners, send):
    send(partners["akademi"], learning(siasn(SITI), "https://akademi.example.id/kelas/b", jp=1))
    assert verify(client, issued["credential"])["current"] is False


def test_a_rotated_key_still_verifies_older_credentials(issued, client, app):
    newer = generate_key("EdDSA")
    app.extensions["hub.storage"].issuer_keys.insert_key(newer, retire_others_at=newer.created_at)
    assert verify(client, issued["credential"])["valid"] is True
    keys = client.get("/api/transcripts/issuer/jwks").json["keys"]
    assert {k["kid"] for k in keys} == {newer.kid, issued["kid"]}
    assert all("d" not in k for k in keys)


def test_issuing_without_a_key_is_a_503_telling_how_to_make_one(registry, client, auditor):
    response = client.post(f"/api/transcripts/people/{SITI}/transcripts/2026/credential",
                           headers={"Authorization": auditor["Authorization"]})
    assert response.status_code == 503
    assert "transcripts keys generate" in response.json["error"]["message"]


def test_garbage_is_not_a_credential(registry, client):
    result = verify(client, "not-a-jws")
    assert result["valid"] is False
    assert result["errors"] == ["not a compact JWS (header.payload.signature)"]
    empty = client.post("/api/transcripts/verify", json={"credential": ""})
    assert (empty.status_code, empty.json["error"]["pointer"]) == (400, "/credential")
    extra = client.post("/api/transcripts/verify", json={"credential": "a.b.c", "kid": "x"})
    assert (extra.status_code, extra.json["error"]["pointer"]) == (400, "/kid")
    assert "unknown field /kid" in extra.json["error"]["message"]
    missing = client.post("/api/transcripts/verify", json={})
    assert (missing.status_code, missing.json["error"]["pointer"]) == (400, "/credential")


def test_the_key_url_in_kid_dereferences_to_the_public_jwk(issued, client, issuer_key):
    kid_url = unb64(issued["credential"].split(".")[0])["kid"]
    jwk = client.get(kid_url.removeprefix("http://localhost:5000")).json
    assert jwk["kid"] == issuer_key.kid == JWK(**jwk).thumbprint()  # a second RFC 7638 reading
    assert "d" not in jwk
    profile = client.get("/api/transcripts/issuer").json
    assert profile["type"] == ["Profile"] and profile["name"] == "Berpijar Learning Hub"


def test_the_default_key_is_rsa_signing_rs256(registry, runner, client, auditor, partners, send):
    result = runner.invoke(args=["transcripts", "keys", "generate"])
    assert result.exit_code == 0, result.output
    assert "(RS256)" in result.output
    send(partners["akademi"], learning(siasn(SITI), KEUANGAN, jp=5))
    token = client.post(f"/api/transcripts/people/{SITI}/transcripts/2026/credential",
                        headers={"Authorization": auditor["Authorization"]}).json["credential"]
    assert unb64(token.split(".")[0])["alg"] == "RS256"
    assert verify(client, token)["valid"] is True
    [jwk] = client.get("/api/transcripts/issuer/jwks").json["keys"]
    assert (jwk["kty"], len(base64.urlsafe_b64decode(jwk["n"] + "==")) * 8) == ("RSA", 3072)


def test_the_cli_issues_and_verifies(issued, runner, tmp_path, partners, send):
    out = tmp_path / "transkrip.jwt"
    result = runner.invoke(args=["transcripts", "issue", SITI, "2026", "--output", str(out)])
    assert result.exit_code == 0, result.output
    checked = runner.invoke(args=["transcripts", "verify", str(out)])
    assert checked.exit_code == 0, checked.output
    assert "signature  ok" in checked.output and "unchanged since issue" in checked.output
    send(partners["akademi"], voiding(issued["statement"]))
    changed = runner.invoke(args=["transcripts", "verify", str(out)])
    assert changed.exit_code == 1
    assert "CHANGED since issue" in changed.output


def test_issuing_and_verifying_are_in_the_access_log(issued, client, admin):
    verify(client, issued["credential"])
    entries = client.get("/api/transcripts/admin/access-log", query_string={"subject": SITI},
                         headers={"Authorization": admin["Authorization"]}).json["entries"]
    assert [(e["action"], e["credential_name"]) for e in entries] == [
        ("credential.issue", "Inspektorat Jenderal"), ("credential.verify", "verifier")]
