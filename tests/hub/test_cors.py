"""CORS for browser-based learning content calling /xapi/ (xAPI 1.0.3 Communication 1.3)."""

from __future__ import annotations

import pytest

from hub.app import create_app


@pytest.fixture
def engine() -> str:
    """CORS never touches storage beyond one credential lookup; one engine is enough."""
    return "sqlite"


ORIGIN = "https://elearning.bkpsdm.go.id"
PREFLIGHT = {
    "Origin": ORIGIN,
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "Authorization, Content-Type, X-Experience-API-Version",
}


def test_a_preflight_is_answered_without_credential_or_version_header(probe_client):
    response = probe_client.options("/xapi/_probe/secure", headers=PREFLIGHT)
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN  # any origin, echoed
    allowed = response.headers["Access-Control-Allow-Headers"].lower()
    for header in ("authorization", "content-type", "x-experience-api-version"):
        assert header in allowed
    assert "POST" in response.headers["Access-Control-Allow-Methods"]


def test_responses_expose_the_xapi_headers_to_scripts(client):
    response = client.get("/xapi/about", headers={"Origin": ORIGIN})
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    exposed = {h.strip().lower() for h in
               response.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"x-experience-api-version", "x-experience-api-consistent-through", "etag",
            "last-modified", "x-request-id"} <= exposed


def test_error_responses_carry_cors_headers_so_scripts_can_read_them(probe_client):
    response = probe_client.get("/xapi/_probe/secure",
                                headers={"Origin": ORIGIN, "X-Experience-API-Version": "1.0.3"})
    assert response.status_code == 401
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN


@pytest.fixture
def restricted_client(app_config):
    app = create_app({**app_config, "cors_origins": f"{ORIGIN},https://lms.lan.go.id"})
    yield app.test_client()
    app.extensions["hub.storage"].dispose()


def test_a_configured_origin_is_allowed_by_name(restricted_client):
    response = restricted_client.get("/xapi/about", headers={"Origin": ORIGIN})
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "Origin" in response.headers.get("Vary", "")


def test_a_disallowed_origin_gets_no_allow_header(restricted_client):
    for request in (restricted_client.get, restricted_client.options):
        response = request("/xapi/about", headers={**PREFLIGHT, "Origin": "https://evil.example"})
        assert "Access-Control-Allow-Origin" not in response.headers


def test_cors_applies_to_xapi_only(client):
    response = client.get("/health", headers={"Origin": ORIGIN})
    assert "Access-Control-Allow-Origin" not in response.headers


@pytest.mark.parametrize(("path", "method"), [
    ("/xapi/statements", "PUT"), ("/xapi/statements", "GET"),
    ("/xapi/activities/state", "POST"), ("/xapi/about", "GET"),
])
def test_preflights_to_real_resources_need_no_credential(client, path, method):
    response = client.options(path, headers={**PREFLIGHT, "Access-Control-Request-Method": method})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert method in response.headers["Access-Control-Allow-Methods"]
