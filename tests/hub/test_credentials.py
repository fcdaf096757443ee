"""Credentials: HTTP Basic key:secret, digests at rest, scopes, and the credentials API."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

import hub.auth
from hub.app import create_app
from hub.auth import digest, effective_scopes, issue_credential, verify


def basic(key: str, secret: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()}


def issue(storage, *scopes: str):
    return issue_credential(storage.credentials, name="LMS", owner="Org", scopes=scopes,
                            authority_home_page="https://hub.example/partners")


# --- secrets -------------------------------------------------------------------
def test_secrets_are_at_least_32_random_bytes_and_never_repeat(storage):
    secrets_seen = {issue(storage, "all").secret for _ in range(20)}
    assert len(secrets_seen) == 20
    for secret in secrets_seen:
        assert len(base64.urlsafe_b64decode(secret + "=" * (-len(secret) % 4))) >= 32


def test_only_the_digest_of_a_secret_is_stored(storage):
    issued = issue(storage, "all")
    stored = storage.credentials.find_credential(issued.credential.key)
    assert stored.secret_digest == hashlib.sha256(issued.secret.encode()).hexdigest()
    assert issued.secret not in repr(stored)


def test_the_digest_is_one_fast_sha256_not_a_slow_password_hash():
    # Secrets are 32 random bytes, not passwords: see docs/security.md.
    for secret in ("", "abc", "x" * 64):
        assert digest(secret) == hashlib.sha256(secret.encode()).hexdigest()


def test_verification_compares_digests_in_constant_time(storage, monkeypatch):
    issued = issue(storage, "all")
    calls = []
    real_compare = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real_compare(a, b)

    monkeypatch.setattr(hub.auth.hmac, "compare_digest", spy)
    assert verify(storage.credentials, issued.credential.key, issued.secret) is not None
    assert calls == [(issued.credential.secret_digest, digest(issued.secret))]
    # An unknown key still costs one comparison, so timing does not reveal which keys exist.
    assert verify(storage.credentials, "no-such-key", issued.secret) is None
    assert len(calls) == 2


def test_all_implies_the_xapi_scopes_but_not_the_hub_roles():
    granted = effective_scopes({"all"})
    assert {"statements/write", "statements/read", "state", "profile", "define"} <= granted
    assert not granted & {"admin", "auditor"}


# --- authentication on the wire ------------------------------------------------------
def test_my_credential_describes_itself_without_its_digest(client, storage):
    issued = issue(storage, "statements/write", "statements/read/mine")
    response = client.get("/api/credentials/me", headers=basic(issued.credential.key,
                                                               issued.secret))
    assert response.status_code == 200
    assert response.json == {
        "key": issued.credential.key, "name": "LMS", "owner": "Org",
        "scopes": ["statements/read/mine", "statements/write"],
        "authority": issued.credential.authority,
        "created_at": issued.credential.created_at.isoformat(), "revoked_at": None,
    }
    text = response.get_data(as_text=True)
    assert issued.credential.secret_digest not in text and issued.secret not in text


@pytest.mark.parametrize("authorization", [
    None,
    "Bearer abc.def.ghi",
    "Basic",
    "Basic !!!not-base64!!!",
    "Basic " + base64.b64encode(b"no-colon-here").decode(),
    "Basic " + base64.b64encode(b"\xff\xfe:\xff").decode(),
], ids=["missing", "bearer", "empty-basic", "not-base64", "no-colon", "not-utf8"])
def test_missing_or_malformed_credentials_get_401_with_a_challenge(client, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    response = client.get("/api/credentials/me", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic realm=")
    assert response.json["error"]["code"] == "unauthorized"
    assert response.json["error"]["header"] == "Authorization"


@pytest.mark.parametrize(("authorization", "message"), [
    (None, "HTTP Basic credentials are required"),
    ("Bearer abc.def.ghi", "HTTP Basic credentials are required"),
    ("Basic", "HTTP Basic credentials are required"),
    ("Basic ", "HTTP Basic credentials are required"),
    ("Basic\t" + base64.b64encode(b"k:s").decode(), "HTTP Basic credentials are required"),
    ("Basic !!!not-base64!!!", "the Authorization header is not valid Basic credentials"),
    ("Basic " + base64.b64encode(b"k:s").decode()[:-1],
     "the Authorization header is not valid Basic credentials"),
    ("Basic " + base64.b64encode(b"\xff\xfe:\xff").decode(),
     "the Authorization header is not valid Basic credentials"),
    ("Basic " + base64.b64encode(b"no-colon-here").decode(),
     "unknown, wrong or revoked credentials"),
    ("bAsIc   " + base64.b64encode(b"k:s").decode(), "unknown, wrong or revoked credentials"),
])
def test_each_kind_of_bad_authorization_header_keeps_its_message(client, authorization,
                                                                  message):
    headers = {"Authorization": authorization} if authorization is not None else {}
    response = client.get("/api/credentials/me", headers=headers)
    assert response.status_code == 401
    assert response.json["error"]["message"] == message


def test_a_secret_may_contain_colons_only_the_first_one_ends_the_key(client, monkeypatch):
    seen = []
    monkeypatch.setattr(hub.auth, "verify", lambda store, key, secret: seen.append(
        (key, secret)))
    client.get("/api/credentials/me", headers=basic("key", "se:cr:et"))
    assert seen == [("key", "se:cr:et")]


def test_a_wrong_secret_or_unknown_key_gets_401(client, storage):
    issued = issue(storage, "all")
    for key, secret in ((issued.credential.key, issued.secret + "x"),
                        ("unknown", issued.secret),
                        (issued.credential.key, "")):
        response = client.get("/api/credentials/me", headers=basic(key, secret))
        assert response.status_code == 401
        assert "WWW-Authenticate" in response.headers


def test_a_valid_credential_without_the_scope_gets_403_without_a_challenge(client, storage):
    issued = issue(storage, "all")
    response = client.get("/api/admin/credentials",
                          headers=basic(issued.credential.key, issued.secret))
    assert response.status_code == 403
    assert "WWW-Authenticate" not in response.headers
    assert "admin" in response.json["error"]["message"]


# --- admin API --------------------------------------------------------------------
@pytest.fixture
def admin(storage) -> dict:
    issued = issue(storage, "admin")
    return basic(issued.credential.key, issued.secret)


NEW = {"name": "SIMPEG Jawa Barat", "owner": "BKD Jawa Barat", "scopes": ["statements/write"]}


def test_admin_creates_a_credential_and_sees_its_secret_once(client, admin, storage):
    response = client.post("/api/admin/credentials", json=NEW, headers=admin)
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json
    assert (body["name"], body["owner"], body["scopes"]) == (
        "SIMPEG Jawa Barat", "BKD Jawa Barat", ["statements/write"])
    stored = storage.credentials.find_credential(body["key"])
    assert stored.secret_digest == digest(body["secret"])
    assert stored.secret_digest not in response.get_data(as_text=True)
    me = client.get("/api/credentials/me", headers=basic(body["key"], body["secret"]))
    assert me.status_code == 200 and me.json["owner"] == "BKD Jawa Barat"
    listing = client.get("/api/admin/credentials", headers=admin).get_data(as_text=True)
    assert body["secret"] not in listing and stored.secret_digest not in listing


def test_admin_may_give_the_authority_agent(client, admin):
    agent = {"objectType": "Agent", "mbox": "mailto:simpeg@bkd.jabarprov.go.id"}
    response = client.post("/api/admin/credentials", json={**NEW, "authority": agent},
                            headers=admin)
    assert response.status_code == 201
    assert response.json["authority"] == agent


@pytest.mark.parametrize(("body", "pointer"), [
    ({**NEW, "name": ""}, "/name"),
    ({**NEW, "name": 5}, "/name"),
    ({k: v for k, v in NEW.items() if k != "owner"}, "/owner"),
    ({**NEW, "scopes": []}, "/scopes"),
    ({**NEW, "authority": {"name": "no identifier"}}, "/authority"),
    ({**NEW, "authority": {"mbox": "mailto:a@b.id", "openid": "https://a.id"}}, "/authority"),
    ({**NEW, "authority": {"objectType": "Group", "mbox": "mailto:a@b.id"}}, "/authority"),
    ({**NEW, "scopes": "all"}, "/scopes"),
    ({**NEW, "scopes": ["all", "root"]}, "/scopes/1"),
    ({**NEW, "authority": "me"}, "/authority"),
    ({**NEW, "secret": "chosen-by-me"}, "/secret"),
    ({**NEW, "a/b": 1}, "/a~1b"),
    (["not", "an", "object"], ""),
])
def test_admin_create_names_the_bad_field(client, admin, storage, body, pointer):
    response = client.post("/api/admin/credentials", json=body, headers=admin)
    assert response.status_code == 400
    assert response.json["error"]["pointer"] == pointer
    assert len(storage.credentials.list_credentials()) == 1  # only the admin's own


def test_admin_create_refuses_a_body_that_is_not_json(client, admin):
    response = client.post("/api/admin/credentials", data="name=x", headers=admin,
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert response.json["error"]["pointer"] == ""


def test_admin_lists_credentials_with_their_state(client, admin, storage):
    revoked = issue(storage, "all")
    storage.credentials.revoke_credential(revoked.credential.key,
                                          revoked.credential.created_at)
    response = client.get("/api/admin/credentials", headers=admin)
    assert response.status_code == 200
    listed = {c["key"]: c for c in response.json["credentials"]}
    assert len(listed) == 2
    assert listed[revoked.credential.key]["revoked_at"] is not None
    assert all("secret" not in c and "secret_digest" not in c for c in listed.values())


def test_admin_list_refuses_unknown_query_parameters(client, admin):
    response = client.get("/api/admin/credentials?owner=BKD", headers=admin)
    assert response.status_code == 400
    assert response.json["error"]["parameter"] == "owner"


def test_admin_revokes_a_credential_and_it_stops_working_at_once(client, admin, storage):
    issued = issue(storage, "all")
    partner = basic(issued.credential.key, issued.secret)
    assert client.get("/api/credentials/me", headers=partner).status_code == 200
    response = client.delete(f"/api/admin/credentials/{issued.credential.key}", headers=admin)
    assert response.status_code == 204
    assert client.get("/api/credentials/me", headers=partner).status_code == 401
    # Revoking again changes nothing and is not an error.
    again = client.delete(f"/api/admin/credentials/{issued.credential.key}", headers=admin)
    assert again.status_code == 204


def test_admin_revoke_of_an_unknown_key_is_404(client, admin):
    response = client.delete("/api/admin/credentials/no-such-key", headers=admin)
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


@pytest.mark.parametrize(("method", "path"), [
    ("post", "/api/admin/credentials"), ("get", "/api/admin/credentials"),
    ("delete", "/api/admin/credentials/anything"),
])
def test_admin_api_needs_the_admin_scope(client, storage, method, path):
    issued = issue(storage, "all", "auditor")
    headers = basic(issued.credential.key, issued.secret)
    assert getattr(client, method)(path, json=NEW, headers=headers).status_code == 403
    assert getattr(client, method)(path, json=NEW).status_code == 401


def test_revocation_through_one_worker_is_seen_by_another_at_once(app_config):
    """Two app instances on one database stand for two gunicorn workers."""
    first, second = create_app(app_config), create_app(app_config)
    try:
        admin_credential = issue(first.extensions["hub.storage"], "admin")
        partner = issue(first.extensions["hub.storage"], "statements/write")
        partner_headers = basic(partner.credential.key, partner.secret)
        worker_b = second.test_client()
        assert worker_b.get("/api/credentials/me", headers=partner_headers).status_code == 200
        response = first.test_client().delete(
            f"/api/admin/credentials/{partner.credential.key}",
            headers=basic(admin_credential.credential.key, admin_credential.secret))
        assert response.status_code == 204
        assert worker_b.get("/api/credentials/me", headers=partner_headers).status_code == 401
    finally:
        first.extensions["hub.storage"].dispose()
        second.extensions["hub.storage"].dispose()


def test_scope_implication_is_transitive():
    assert {"state/read", "profile/read", "statements/read/mine"} <= effective_scopes(["all"])
    assert "statements/write" not in effective_scopes(["all/read"])


@pytest.mark.parametrize(("body", "words"), [
    ({**NEW, "secret": "x"}, ["unknown field /secret", "name, owner, scopes, authority"]),
    ({**NEW, "scopes": ["all", "root"]}, ["/scopes/1", "unknown scope 'root'", "admin"]),
    ({**NEW, "name": "  "}, ["/name", "non-empty string"]),
])
def test_admin_create_says_what_is_wrong_with_the_field(client, admin, body, words):
    response = client.post("/api/admin/credentials", json=body, headers=admin)
    assert response.status_code == 400
    assert all(w in response.json["error"]["message"] for w in words), response.json


def test_my_credential_refuses_query_parameters_naming_them(client, admin):
    response = client.get("/api/credentials/me?verbose=1", headers=admin)
    assert response.status_code == 400
    assert response.json["error"]["parameter"] == "verbose"
    assert "unknown parameter 'verbose'" in response.json["error"]["message"]
