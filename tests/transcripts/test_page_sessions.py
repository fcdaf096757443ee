"""Auditor sessions that end: sign-out, revocation and the idle timeout end a session on
every worker at once (two app instances on one database stand for two gunicorn workers),
a copy of the cookie is refused afterwards, and every sign-in gets a new session id."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime

import pytest
from itsdangerous import URLSafeSerializer

from hub.app import create_app

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
COOKIE = "hub_auditor_session"


def csrf_token(client, path: str = "/auditor/sign-in") -> str:
    return CSRF.search(client.get(path).get_data(as_text=True)).group(1)


def sign_in(client, credential: dict, form_on: str = "/auditor/sign-in"):
    response = client.post("/auditor/sign-in", data={
        "key": credential["key"], "secret": credential["secret"],
        "csrf_token": csrf_token(client, form_on)})
    assert response.status_code == 303, response.get_data(as_text=True)
    return response


def sign_out(client):
    response = client.post("/auditor/sign-out",
                           data={"csrf_token": csrf_token(client, "/auditor/people")})
    assert response.status_code == 303


def cookie_of(client) -> str:
    return client.get_cookie(COOKIE, path="/auditor").value


def with_cookie(app, value: str):
    """A browser of another worker holding (a copy of) this cookie."""
    client = app.test_client()
    client.set_cookie(COOKIE, value, path="/auditor")
    return client


def signed_in(client) -> bool:
    response = client.get("/auditor/people")
    assert response.status_code in (200, 303)
    return response.status_code == 200


def session_id_of(app, cookie: str) -> str | None:
    return URLSafeSerializer(app.secret_key, salt="transcripts.auditor-pages").loads(
        cookie).get("i")


def notice(client) -> str:
    match = re.search(r'role="status">([^<]*)<', client.get("/auditor/sign-in").get_data(
        as_text=True))
    return match.group(1) if match else ""


@pytest.fixture
def other_worker(app_config):
    """A second app on the same database and secret key: another gunicorn worker."""
    other = create_app(app_config)
    yield other
    other.extensions["hub.storage"].dispose()


@pytest.fixture
def clock(monkeypatch):
    """The pages' clock, moved by the test (both apps share the module)."""
    from transcripts.pages import session

    now = {"t": session._now()}
    monkeypatch.setattr(session, "_now", lambda: now["t"])
    return now


def test_a_session_made_on_one_worker_is_valid_on_another(registry, app, client, other_worker,
                                                          auditor):
    sign_in(client, auditor)
    assert signed_in(with_cookie(other_worker, cookie_of(client)))


def test_signing_out_on_one_worker_ends_the_session_on_every_worker(registry, app, client,
                                                                    other_worker, auditor):
    sign_in(client, auditor)
    copy = cookie_of(client)
    elsewhere = with_cookie(other_worker, copy)
    assert signed_in(elsewhere)
    sign_out(client)
    assert not signed_in(elsewhere)
    assert not signed_in(with_cookie(app, copy))  # the copy, replayed on the first worker


def test_a_cookie_replayed_after_sign_out_is_refused(registry, app, client, auditor, storage):
    sign_in(client, auditor)
    copy = cookie_of(client)
    sign_out(client)
    thief = with_cookie(app, copy)
    response = thief.get("/auditor/people")
    assert response.status_code == 303 and response.location.startswith("/auditor/sign-in")
    assert not signed_in(thief)
    digest = hashlib.sha256(session_id_of(app, copy).encode()).hexdigest()
    assert storage.sessions.find_session(digest).end_reason == "signed_out"


def test_revoking_the_credential_over_the_api_ends_its_sessions_on_every_worker(
        registry, app, client, other_worker, auditor, admin, storage):
    sign_in(client, auditor)
    session_id = session_id_of(app, cookie_of(client))
    elsewhere = with_cookie(other_worker, cookie_of(client))
    revoked = other_worker.test_client().delete(
        f"/api/admin/credentials/{auditor['key']}",
        headers={"Authorization": admin["Authorization"]})
    assert revoked.status_code == 204
    assert not signed_in(client) and not signed_in(elsewhere)
    assert "kredensial sudah tidak berlaku" in notice(client)
    digest = hashlib.sha256(session_id.encode()).hexdigest()
    assert storage.sessions.find_session(digest).end_reason == "revoked"


def test_revoking_the_credential_with_the_cli_ends_its_sessions(registry, app, client, auditor,
                                                                storage):
    sign_in(client, auditor)
    session_id = session_id_of(app, cookie_of(client))
    result = app.test_cli_runner().invoke(args=["credentials", "revoke", auditor["key"]])
    assert result.exit_code == 0, result.output
    digest = hashlib.sha256(session_id.encode()).hexdigest()
    assert storage.sessions.find_session(digest).end_reason == "revoked"
    assert not signed_in(client)


def test_an_idle_session_ends_on_every_worker_and_pages_on_any_worker_keep_it_alive(
        registry, app, client, other_worker, auditor, clock):
    idle = app.extensions["hub.settings"].sessions.idle_seconds
    sign_in(client, auditor)
    elsewhere = with_cookie(other_worker, cookie_of(client))
    start = clock["t"]
    clock["t"] = start + idle * 0.75
    assert signed_in(client)  # activity on the first worker ...
    clock["t"] = start + idle * 1.5
    assert signed_in(elsewhere)  # ... counts on the second
    clock["t"] = start + idle * 2.5 + 1
    assert not signed_in(client)
    assert not signed_in(elsewhere)
    assert "tidak aktif" in notice(client)


def test_the_idle_timeout_is_a_setting(registry, app_config, auditor, clock):
    short = create_app({**app_config, "session_idle_seconds": 120})
    try:
        client = short.test_client()
        sign_in(client, auditor)
        clock["t"] += 100
        assert signed_in(client)
        clock["t"] += 121
        assert not signed_in(client)
    finally:
        short.extensions["hub.storage"].dispose()


def test_every_sign_in_gets_a_new_session_id_and_the_old_one_ends(registry, app, client,
                                                                  auditor):
    client.get("/auditor/sign-in")
    assert session_id_of(app, cookie_of(client)) is None  # a visitor's names no session
    sign_in(client, auditor)
    first = cookie_of(client)
    sign_in(client, auditor, form_on="/auditor/people")  # signed in, and signing in again
    second = cookie_of(client)
    assert session_id_of(app, first) != session_id_of(app, second)
    assert not signed_in(with_cookie(app, first))
    assert signed_in(client)


def test_a_cookie_planted_before_sign_in_does_not_become_signed_in(registry, app, auditor):
    """Session fixation: the attacker's visitor cookie, planted in the victim's browser,
    gains nothing when the victim signs in."""
    attacker = app.test_client()
    attacker.get("/auditor/sign-in")
    planted = cookie_of(attacker)
    victim = with_cookie(app, planted)
    sign_in(victim, auditor)
    assert cookie_of(victim) != planted
    assert not signed_in(with_cookie(app, planted))


def test_a_signed_cookie_of_the_earlier_format_is_not_signed_in(registry, app, auditor):
    earlier = URLSafeSerializer(app.secret_key, salt="transcripts.auditor-pages").dumps(
        {"c": "token", "k": auditor["key"], "s": int(datetime.now(UTC).timestamp()), "n": None})
    assert not signed_in(with_cookie(app, earlier))
