"""No secret or token is ever written to a log (issue 13.7): sign-in keys, query strings
and paths that carry tokens are redacted, in the hub's log and in gunicorn's access log."""

from __future__ import annotations

import logging
import re

import pytest
import requests
from live_server import LiveHub

from hub.logs import REDACTED, redact_path, redact_query, shown_key

PASTED_SECRET = "s3cr3t-Pasted-Into-The-Key-Field-0123456789"
INVITE = "inv-" + "A" * 40
REGISTRATION_TOKEN = "reg-token-" + "Z" * 30


def test_secret_query_parameters_are_redacted_and_the_others_kept():
    query = (f"openid_configuration=https%3A%2F%2Flms.example%2Fopenid"
             f"&registration_token={REGISTRATION_TOKEN}&Access_Token=abc&limit=10")
    redacted = redact_query(query)
    assert REGISTRATION_TOKEN not in redacted and "abc" not in redacted
    assert f"registration_token={REDACTED}" in redacted
    assert "openid_configuration=https%3A%2F%2Flms.example%2Fopenid" in redacted
    assert "limit=10" in redacted
    assert redact_query("since=2026-01-01&limit=10") == "since=2026-01-01&limit=10"


def test_token_paths_registered_by_lti_are_redacted(app):
    assert redact_path(f"/lti/register/{INVITE}") == f"/lti/register/{REDACTED}"
    assert redact_path("/lti/platform/deep-link/" + "t" * 32).endswith(REDACTED)
    assert redact_path("/lti/platform/deep-link/return") == "/lti/platform/deep-link/return"
    assert redact_path("/xapi/statements") == "/xapi/statements"


def test_a_key_not_shaped_like_an_issued_key_is_shown_only_as_a_digest():
    assert shown_key("0123456789abcdef0123456789abcdef") == "0123456789abcdef0123456789abcdef"
    shown = shown_key(PASTED_SECRET)
    assert shown.startswith("sha256:") and PASTED_SECRET[:8] not in shown


def test_a_secret_pasted_into_the_auditor_sign_in_key_field_is_not_logged(client, caplog):
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      client.get("/auditor/sign-in").get_data(as_text=True)).group(1)
    with caplog.at_level(logging.DEBUG):
        response = client.post("/auditor/sign-in", data={
            "key": PASTED_SECRET, "secret": "whatever", "csrf_token": token})
    assert response.status_code in (401, 403)
    assert "auditor sign-in refused" in caplog.text  # the refusal is logged ...
    assert PASTED_SECRET not in caplog.text  # ... without what was typed
    assert PASTED_SECRET[:16] not in caplog.text


@pytest.mark.slow
def test_gunicorn_access_log_holds_no_token_from_path_or_query(database_url):
    with LiveHub(database_url, env={"HUB_LOG_LEVEL": "INFO"}) as hub:
        requests.get(f"{hub.url}/lti/register/{INVITE}",
                     params={"openid_configuration": "https://lms.example/openid",
                             "registration_token": REGISTRATION_TOKEN}, timeout=10)
        requests.get(f"{hub.url}/xapi/statements", params={"access_token": "tok-" + "q" * 20},
                     timeout=10)
        hub.kill()
        log = hub.log_text()
    assert "/lti/register/[redacted]" in log
    assert "registration_token=[redacted]" in log
    assert INVITE not in log and REGISTRATION_TOKEN not in log and "tok-" + "q" * 20 not in log
