"""Throttling (hub.throttle): failed authentication, HTTP Basic and the auditor sign-in, is
held ever longer and then refused with 429 + Retry-After, per key and per client address;
per-credential request limits; counters shared through Redis by every worker.

The Redis tests use the real server on 127.0.0.1:6379 (HUB_TEST_REDIS_URL elsewhere) under
a prefix of their own; without one they are skipped, except under CI=true, where they fail.
"""

from __future__ import annotations

import base64
import io
import logging
import os
import re
import secrets
import time
import uuid
from collections.abc import Callable, Iterator

import pytest
import redis
from cryptography.fernet import Fernet

from hub.app import create_app
from hub.config import ConfigError, load_settings, replace_settings
from hub.throttle import Throttle, address_subject, failure_delay

REDIS_URL = os.environ.get("HUB_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
ME = "/api/credentials/me"
# Small numbers, so that the real behaviour is quick to see: two free failures, then
# 50, 100, 200, 200 ms, then 429.
THROTTLE = {"auth_failure_limit": "6/15 minutes", "auth_failure_free": 2,
            "auth_failure_delay_ms": 50, "auth_failure_max_delay_ms": 200}
HOLDS = [0, 0, 0.05, 0.1, 0.2, 0.2]
QUICK = {**THROTTLE, "auth_failure_delay_ms": 0}  # where the holding is not the subject


def basic(key: str, secret: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()}


def wrong(credential: dict) -> dict:
    return basic(credential["key"], credential["secret"] + "x")


def from_address(address: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": address}}


@pytest.fixture
def make_app(app_config) -> Iterator[Callable[..., object]]:
    """Apps on this test's database with other settings: more workers of one hub."""
    made = []

    def make(**overrides):
        made.append(create_app({**app_config, **overrides}))
        return made[-1]

    yield make
    for app in made:
        app.extensions["hub.storage"].dispose()


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of this test's own on the real Redis, emptied afterwards."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    except redis.RedisError as exc:
        client.close()
        message = (f"Redis not answering at {REDIS_URL} ({type(exc).__name__}); start it or "
                   "set HUB_TEST_REDIS_URL to run the shared-limiter tests")
        if os.environ.get("CI") == "true":
            pytest.fail(message + " — CI=true requires Redis")
        pytest.skip(message)
    prefix = f"hub-test-{uuid.uuid4().hex[:12]}"
    yield prefix
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)
    client.close()


@pytest.fixture
def logs() -> Iterator[Callable[[], io.StringIO]]:
    """`logs()` after the apps are made: what the hub's log handler writes from then on
    (every create_app configures logging anew)."""
    swapped = []

    def capture() -> io.StringIO:
        handler = next(h for h in logging.getLogger().handlers if h.get_name() == "stderr")
        buffer = io.StringIO()
        swapped.append((handler, handler.setStream(buffer)))
        return buffer

    yield capture
    for handler, previous in reversed(swapped):
        handler.setStream(previous)


def redis_keys(prefix: str) -> list[bytes]:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        return list(client.scan_iter(f"{prefix}:*"))
    finally:
        client.close()


# --- the schedule ---------------------------------------------------------------------
def test_the_delay_doubles_after_the_free_failures_up_to_the_cap():
    delays = [failure_delay(n, free=3, first=0.25, cap=2.0) for n in range(1, 11)]
    assert delays == [0, 0, 0, 0.25, 0.5, 1.0, 2.0, 2.0, 2.0, 2.0]
    assert failure_delay(9, free=3, first=0, cap=2.0) == 0  # HUB_AUTH_FAILURE_DELAY_MS=0


def test_an_ipv6_client_counts_as_its_slash_64():
    assert address_subject("2001:db8:1:2:aaaa::1") == address_subject("2001:db8:1:2:ffff::9")
    assert address_subject("2001:db8:1:2::1") == "2001:db8:1:2::/64"
    assert address_subject("2001:db8:1:3::1") != address_subject("2001:db8:1:2::1")
    assert address_subject("203.0.113.7") == "203.0.113.7"
    assert address_subject("::ffff:203.0.113.7") == "203.0.113.7"
    assert address_subject("unknown") == "unknown"


# --- HTTP Basic -----------------------------------------------------------------------
def test_wrong_secrets_are_answered_ever_slower_then_refused_with_429(make_app, make_credential,
                                                                     logs):
    client = make_app(**THROTTLE).test_client()
    log_output = logs()
    credential = make_credential("statements/read")
    for hold in HOLDS:
        started = time.monotonic()
        response = client.get(ME, headers=wrong(credential))
        assert response.status_code == 401
        assert time.monotonic() - started >= hold
    refused = client.get(ME, headers=wrong(credential))
    assert refused.status_code == 429
    assert refused.json["error"]["code"] == "too_many_requests"
    assert 890 <= int(refused.headers["Retry-After"]) <= 900  # until the oldest failure ages
    assert "WWW-Authenticate" not in refused.headers
    held = re.findall(r"answer held (\d\.\d\d) s", log_output.getvalue())
    assert held == ["0.05", "0.10", "0.20", "0.20"]
    assert "refused for" in log_output.getvalue()


def test_the_refusal_lasts_until_failures_leave_the_window(make_app, make_credential):
    client = make_app(auth_failure_limit="2/1 second").test_client()
    credential = make_credential("statements/read")
    assert [client.get(ME, headers=wrong(credential)).status_code for _ in range(2)] == [
        401, 401]
    refused = client.get(ME, headers=wrong(credential))
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"
    time.sleep(1.05)
    assert client.get(ME, headers=wrong(credential)).status_code == 401


def test_failures_are_counted_per_client_address_whatever_the_key(make_app):
    client = make_app(**QUICK).test_client()
    statuses = [client.get(ME, headers=basic(secrets.token_hex(16), "guess"),
                           **from_address("203.0.113.7")).status_code for _ in range(7)]
    assert statuses == [401] * 6 + [429]
    assert client.get(ME, headers=basic(secrets.token_hex(16), "guess"),
                      **from_address("203.0.113.8")).status_code == 401


def test_ipv6_clients_of_one_slash_64_are_counted_together(make_app):
    client = make_app(**QUICK).test_client()
    statuses = [client.get(ME, headers=basic(secrets.token_hex(16), "guess"),
                           **from_address(f"2001:db8:7:7::{n:x}")).status_code
                for n in range(7)]
    assert statuses == [401] * 6 + [429]


def test_failures_are_counted_per_key_whatever_the_address(make_app, make_credential):
    client = make_app(**QUICK).test_client()
    credential = make_credential("statements/read")
    statuses = [client.get(ME, headers=wrong(credential),
                           **from_address(f"198.51.100.{n}")).status_code for n in range(7)]
    assert statuses == [401] * 6 + [429]


def test_a_correct_secret_is_never_refused_for_failures_of_its_key_or_address(make_app,
                                                                             make_credential):
    """Keys are public and agencies share addresses: a lockout must not cut a partner off."""
    client = make_app(**QUICK).test_client()
    credential = make_credential("statements/read")
    for _ in range(8):
        client.get(ME, headers=wrong(credential))
    assert client.get(ME, headers=wrong(credential)).status_code == 429
    right = client.get(ME, headers={"Authorization": credential["Authorization"]})
    assert right.status_code == 200 and right.json["key"] == credential["key"]


def test_malformed_credentials_count_against_the_address(make_app):
    client = make_app(**QUICK).test_client()
    malformed = [{"Authorization": "Basic !!!"},
                 {"Authorization": "Basic " + base64.b64encode(b"no-colon").decode()}]
    statuses = [client.get(ME, headers=malformed[n % 2]).status_code for n in range(7)]
    assert statuses == [401] * 6 + [429]


def test_a_request_without_credentials_is_only_challenged_never_counted(make_app):
    client = make_app(**THROTTLE).test_client()
    responses = [client.get(ME) for _ in range(10)]
    assert {r.status_code for r in responses} == {401}
    assert all("WWW-Authenticate" in r.headers for r in responses)


def test_the_log_names_issued_keys_but_never_a_secret(make_app, make_credential, logs):
    client = make_app(**{**THROTTLE, "auth_failure_free": 0, "auth_failure_delay_ms": 1}
                      ).test_client()
    log_output = logs()
    credential = make_credential("statements/read")
    pasted = secrets.token_urlsafe(32)  # a secret typed into the key half
    client.get(ME, headers=wrong(credential))
    client.get(ME, headers=basic(pasted, "anything"))
    logged = log_output.getvalue()
    assert f"for key {credential['key']} from 127.0.0.1" in logged
    assert pasted not in logged and "for key sha256:" in logged
    assert credential["secret"] not in logged and "anything" not in logged


def test_a_429_under_xapi_keeps_the_version_header(make_app, make_credential):
    client = make_app(**QUICK).test_client()
    credential = make_credential("statements/read")
    headers = {**wrong(credential), "X-Experience-API-Version": "1.0.3"}
    responses = [client.get("/xapi/statements", headers=headers) for _ in range(7)]
    assert [r.status_code for r in responses] == [401] * 6 + [429]
    assert responses[-1].headers["X-Experience-API-Version"] == "1.0.3"
    assert "Retry-After" in responses[-1].headers


def test_the_default_settings_hold_failures_from_the_fourth_and_refuse_after_ten():
    settings = load_settings(environ={"HUB_ENV": "test"})
    limits = settings.throttle
    assert (limits.auth_failure_limit, limits.auth_failure_free,
            limits.auth_failure_delay_ms, limits.auth_failure_max_delay_ms) == (
        "10/15 minutes", 3, 250, 2000)
    assert limits.credential_rate_limit is None and limits.rate_limit_storage == "memory://"


# --- the auditor sign-in --------------------------------------------------------------
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def sign_in(client, key: str, secret: str):
    token = CSRF.search(client.get("/auditor/sign-in").get_data(as_text=True)).group(1)
    return client.post("/auditor/sign-in",
                       data={"key": key, "secret": secret, "csrf_token": token})


def test_wrong_sign_ins_are_throttled_with_the_same_counters_as_http_basic(make_app,
                                                                           make_credential):
    app = make_app(**QUICK)
    client = app.test_client()
    auditor = make_credential("auditor")
    for _ in range(3):
        assert client.get(ME, headers=wrong(auditor)).status_code == 401
    statuses = [sign_in(client, auditor["key"], auditor["secret"] + "x").status_code
                for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    refused = sign_in(client, auditor["key"], "still wrong")
    assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 900
    assert "Terlalu banyak percobaan masuk yang gagal" in refused.get_data(as_text=True)
    assert sign_in(client, auditor["key"], auditor["secret"]).status_code == 303  # still in


def test_a_wrong_sign_in_is_held_like_a_wrong_basic_secret(make_app, make_credential):
    client = make_app(**THROTTLE).test_client()
    auditor = make_credential("auditor")
    elapsed = []
    for _ in HOLDS:
        started = time.monotonic()
        assert sign_in(client, auditor["key"], "wrong").status_code == 401
        elapsed.append(time.monotonic() - started)
    assert all(took >= hold for took, hold in zip(elapsed, HOLDS, strict=True))


def test_an_empty_sign_in_form_is_not_counted(make_app):
    client = make_app(**QUICK).test_client()
    assert {sign_in(client, "", "").status_code for _ in range(8)} == {400}


# --- per-credential request limits ----------------------------------------------------
def test_a_credential_over_its_request_limit_gets_429_with_retry_after(make_app,
                                                                      make_credential):
    client = make_app(credential_rate_limit="3/minute").test_client()
    limited, other = make_credential("all"), make_credential("all")
    headers = {"Authorization": limited["Authorization"], "X-Experience-API-Version": "1.0.3"}
    statuses = [client.get("/xapi/statements", headers=headers).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = client.get("/xapi/statements", headers=headers)
    assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 60
    assert "3 per 1 minute" in refused.json["error"]["message"]
    assert refused.headers["X-Experience-API-Version"] == "1.0.3"
    assert client.get(ME, headers={"Authorization": other["Authorization"]}).status_code == 200


def test_several_limits_apply_together(make_app, make_credential):
    client = make_app(credential_rate_limit="5/minute;2/second").test_client()
    credential = make_credential("all")
    statuses = [client.get(ME, headers={"Authorization": credential["Authorization"]})
                .status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_without_a_limit_correct_requests_never_touch_the_limiter(make_app, make_credential,
                                                                 redis_prefix):
    """No round trip to Redis for correct credentials: the documented fast path."""
    client = make_app(rate_limit_storage=REDIS_URL, rate_limit_prefix=redis_prefix).test_client()
    credential = make_credential("all")
    for _ in range(20):
        assert client.get(ME, headers={"Authorization": credential["Authorization"]}
                          ).status_code == 200
    assert redis_keys(redis_prefix) == []
    client.get(ME, headers=wrong(credential))
    assert redis_keys(redis_prefix) != []  # a failure does reach it


# --- shared across workers (Redis) ----------------------------------------------------
def test_failures_on_two_workers_are_counted_together_through_redis(make_app, make_credential,
                                                                    redis_prefix):
    shared = {**QUICK, "rate_limit_storage": REDIS_URL,
              "rate_limit_prefix": redis_prefix}
    first, second = make_app(**shared).test_client(), make_app(**shared).test_client()
    credential = make_credential("statements/read")
    statuses = [(first if n % 2 else second).get(ME, headers=wrong(credential)).status_code
                for n in range(6)]
    assert statuses == [401] * 6
    for client in (first, second):
        refused = client.get(ME, headers=wrong(credential))
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 890


def test_memory_counters_are_per_process(make_app, make_credential):
    """Why production needs Redis: two workers with memory:// count alone."""
    first, second = make_app(**QUICK).test_client(), make_app(**QUICK).test_client()
    credential = make_credential("statements/read")
    for _ in range(6):
        first.get(ME, headers=wrong(credential))
    assert first.get(ME, headers=wrong(credential)).status_code == 429
    assert second.get(ME, headers=wrong(credential)).status_code == 401


def test_a_credentials_request_limit_is_shared_by_two_workers_through_redis(
        make_app, make_credential, redis_prefix):
    shared = {"credential_rate_limit": "4/minute", "rate_limit_storage": REDIS_URL,
              "rate_limit_prefix": redis_prefix}
    first, second = make_app(**shared).test_client(), make_app(**shared).test_client()
    credential = make_credential("all")
    headers = {"Authorization": credential["Authorization"]}
    statuses = [(first if n % 2 else second).get(ME, headers=headers).status_code
                for n in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    assert second.get(ME, headers=headers).headers.get("Retry-After")


def test_a_limiter_that_does_not_answer_fails_open_and_says_so(make_app, make_credential, logs):
    down = {**QUICK, "credential_rate_limit": "1/minute",
            "rate_limit_storage": "redis://127.0.0.1:1/0"}  # nothing listens on port 1
    client = make_app(**down).test_client()
    log_output = logs()
    credential = make_credential("all")
    right = {"Authorization": credential["Authorization"]}
    assert [client.get(ME, headers=right).status_code for _ in range(3)] == [200] * 3
    assert {client.get(ME, headers=wrong(credential)).status_code for _ in range(8)} == {401}
    assert log_output.getvalue().count("rate limit storage") == 1  # once, not per request
    assert "redis://127.0.0.1:1/0" in log_output.getvalue()


# --- settings -------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "value", "message"), [
    ("AUTH_FAILURE_LIMIT", "often", "HUB_AUTH_FAILURE_LIMIT must be a rate"),
    ("CREDENTIAL_RATE_LIMIT", "600 a minute", "HUB_CREDENTIAL_RATE_LIMIT must be a rate"),
    ("AUTH_FAILURE_MAX_DELAY_MS", "60000", "between 0 and 10000"),
    ("AUTH_FAILURE_DELAY_MS", "-1", "zero or more"),
    ("AUTH_FAILURE_FREE", "-1", "zero or more"),
    ("RATE_LIMIT_STORAGE", "memcached://127.0.0.1", "HUB_RATE_LIMIT_STORAGE must be"),
    ("RATE_LIMIT_PREFIX", " ", "HUB_RATE_LIMIT_PREFIX must not be empty"),
    ("SESSION_IDLE_SECONDS", "0", "HUB_SESSION_IDLE_SECONDS must be positive"),
    ("SESSION_LIFETIME_SECONDS", "0", "HUB_SESSION_LIFETIME_SECONDS must be positive"),
])
def test_malformed_throttling_and_session_settings_stop_the_start(name, value, message):
    with pytest.raises(ConfigError, match=message):
        load_settings(environ={"HUB_ENV": "test", f"HUB_{name}": value})


def test_an_empty_credential_rate_limit_means_none():
    settings = load_settings(environ={"HUB_ENV": "test", "HUB_CREDENTIAL_RATE_LIMIT": "",
                                      "HUB_RATE_LIMIT_STORAGE": "redis://cache:6379/2"})
    assert settings.throttle.credential_rate_limit == ""
    assert settings.throttle.rate_limit_storage == "redis://cache:6379/2"


def test_production_with_memory_counters_warns_at_start(caplog):
    production = load_settings(environ={"HUB_SECRET_KEY": "k" * 32,
                                        "HUB_KEY_ENCRYPTION_KEYS": Fernet.generate_key().decode()})
    with caplog.at_level(logging.WARNING, logger="hub.throttle"):
        Throttle(production)
        Throttle(replace_settings(production, rate_limit_storage="redis://cache:6379/0"))
    assert [r.getMessage()[:35] for r in caplog.records] == [
        "HUB_RATE_LIMIT_STORAGE is memory://"]
