"""X-Experience-API-Version: required on requests, present on every /xapi/ response."""

from __future__ import annotations

import pytest

V = "X-Experience-API-Version"


@pytest.fixture
def partner(make_credential) -> dict:
    return make_credential("statements/write")


def test_about_needs_no_version_header_and_lists_both_versions(client):
    response = client.get("/xapi/about")
    assert response.status_code == 200
    assert response.json["version"] == ["1.0.3", "2.0.0"]
    assert response.headers[V] == "2.0.0"


@pytest.mark.parametrize(("sent", "listed"), [
    ("1.0.3", ["1.0.3"]), ("1.0.1", ["1.0.3"]), ("2.0.0", ["1.0.3", "2.0.0"]),
    ("bogus", ["1.0.3", "2.0.0"]),
])
def test_about_tells_a_1_0_client_only_the_1_0_versions(client, sent, listed):
    """XAPI-00316: a 1.0.x client may only meet 0.9, 0.95, 1.0.0 or 1.0.x in About."""
    response = client.get("/xapi/about", headers={V: sent})
    assert response.status_code == 200
    assert response.json["version"] == listed


def test_about_also_answers_with_a_trailing_slash_and_to_head(client):
    assert client.get("/xapi/about/").status_code == 200
    assert client.head("/xapi/about").headers[V] == "2.0.0"


@pytest.mark.parametrize(("sent", "served"), [
    ("1.0.0", "1.0.3"), ("1.0.1", "1.0.3"), ("1.0.2", "1.0.3"), ("1.0.3", "1.0.3"),
    ("1.0", "1.0.3"), ("2.0.0", "2.0.0"), ("2.0.1", "2.0.0"), ("2.0", "2.0.0"),
])
def test_supported_versions_are_served_as_the_newest_patch(probe_client, partner, sent, served):
    response = probe_client.get("/xapi/_probe/secure",
                                headers={V: sent, "Authorization": partner["Authorization"]})
    assert response.status_code == 200
    assert response.headers[V] == served


def test_a_request_without_a_version_header_is_refused(probe_client, partner):
    response = probe_client.get("/xapi/_probe/secure",
                                headers={"Authorization": partner["Authorization"]})
    assert response.status_code == 400
    assert response.json["error"]["header"] == V
    assert response.headers[V] == "2.0.0"


@pytest.mark.parametrize("sent", ["0.95", "0.9", "1.1.0", "3.0.0", "1.0.3.1", "latest", "  "])
def test_unsupported_versions_are_refused(probe_client, partner, sent):
    response = probe_client.get("/xapi/_probe/secure",
                                headers={V: sent, "Authorization": partner["Authorization"]})
    assert response.status_code == 400
    assert response.json["error"]["header"] == V
    assert V in response.headers


def test_the_version_is_checked_before_the_credential(probe_client):
    # No credential and no version: the missing version is what the client hears about.
    response = probe_client.get("/xapi/_probe/secure")
    assert response.status_code == 400
    assert response.json["error"]["header"] == V


@pytest.mark.parametrize(("status", "method", "path", "headers"), [
    (400, "get", "/xapi/_probe/query", {V: "1.0.3"}),
    (401, "get", "/xapi/_probe/secure", {V: "1.0.3"}),
    (403, "get", "/xapi/_probe/secure", {V: "1.0.3", "scopes": "state"}),
    (404, "get", "/xapi/no-such-resource", {V: "1.0.3"}),
    (405, "post", "/xapi/_probe/open", {V: "1.0.3"}),
    (500, "get", "/xapi/_probe/boom", {V: "1.0.3"}),
], ids=["400", "401", "403", "404", "405", "500"])
def test_every_error_response_carries_the_version_header(
        probe_client, make_credential, status, method, path, headers):
    headers = dict(headers)
    if "scopes" in headers:
        headers["Authorization"] = make_credential(headers.pop("scopes"))["Authorization"]
    response = getattr(probe_client, method)(path, headers=headers)
    assert response.status_code == status
    assert response.headers[V] == "1.0.3"
    assert response.json["error"]["status"] == status


def test_paths_outside_xapi_need_no_version_header_and_get_none(client, make_credential):
    credential = make_credential("all")
    for path in ("/health", "/api/credentials/me"):
        response = client.get(path, headers={"Authorization": credential["Authorization"]})
        assert response.status_code == 200
        assert V not in response.headers


def test_a_path_that_merely_starts_with_xapi_is_not_xapi(client):
    response = client.get("/xapifoo")
    assert response.status_code == 404
    assert V not in response.headers


def test_about_answers_in_the_version_the_client_asked_for(client):
    assert client.get("/xapi/about", headers={"X-Experience-API-Version": "1.0.1"}
                      ).headers["X-Experience-API-Version"] == "1.0.3"
    assert client.get("/xapi/about").headers["X-Experience-API-Version"] == "2.0.0"
