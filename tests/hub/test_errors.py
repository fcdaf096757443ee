"""One JSON error shape for every failure: domain errors, HTTP errors and crashes."""

from __future__ import annotations

import json

import pytest

from hub.app import create_app
from hub.errors import BadRequest

V = {"X-Experience-API-Version": "1.0.3"}
SHAPE = {"status", "code", "message", "request_id"}


def error_of(response) -> dict:
    assert response.is_json, response.get_data(as_text=True)
    assert set(response.json) == {"error"}
    error = response.json["error"]
    assert error["status"] == response.status_code
    assert error["request_id"] == response.headers["X-Request-ID"]
    return error


@pytest.fixture
def admin(make_credential) -> dict:
    return {"Authorization": make_credential("admin")["Authorization"]}


def test_a_body_error_points_at_the_field(client, admin):
    response = client.post("/api/admin/credentials", headers=admin,
                           json={"name": "LMS", "owner": "Org", "scopes": ["all", 7]})
    assert response.status_code == 400
    error = error_of(response)
    assert set(error) == SHAPE | {"pointer"}
    assert error["code"] == "bad_request"
    assert error["pointer"] == "/scopes/1"


def test_a_query_error_names_the_parameter(client, admin):
    response = client.get("/api/admin/credentials?limit=5", headers=admin)
    assert response.status_code == 400
    error = error_of(response)
    assert set(error) == SHAPE | {"parameter"}
    assert error["parameter"] == "limit"


def test_a_query_error_raised_by_a_view_has_the_same_shape(probe_client):
    error = error_of(probe_client.get("/xapi/_probe/query", headers=V))
    assert error["parameter"] == "since"


def test_a_header_error_names_the_header(probe_client):
    response = probe_client.get("/xapi/_probe/secure",
                                headers={"X-Experience-API-Version": "9.9"})
    assert response.status_code == 400
    error = error_of(response)
    assert set(error) == SHAPE | {"header"}
    assert error["header"] == "X-Experience-API-Version"
    assert "9.9" in error["message"]


def test_an_unknown_path_is_a_json_404(client):
    error = error_of(client.get("/no/such/page"))
    assert (error["status"], error["code"]) == (404, "not_found")


def test_a_wrong_method_is_a_json_405_listing_the_allowed_ones(probe_client):
    response = probe_client.delete("/xapi/_probe/open", headers=V)
    error = error_of(response)
    assert (error["status"], error["code"]) == (405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]


def test_a_too_large_body_is_a_json_413(app_config, admin):
    app = create_app({**app_config, "max_request_bytes": 100})  # same database as `admin`
    response = app.test_client().post("/api/admin/credentials", data=b"x" * 1000,
                                      content_type="application/json", headers=admin)
    app.extensions["hub.storage"].dispose()
    error = error_of(response)
    assert error["status"] == 413


def test_a_crash_is_a_json_500_that_does_not_leak_internals(probe_client):
    response = probe_client.get("/xapi/_probe/boom", headers=V)
    assert response.status_code == 500
    error = error_of(response)
    assert set(error) == SHAPE
    assert error["code"] == "internal_error"
    assert "hunter2" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)


def test_input_too_deep_for_a_recursive_library_parser_is_a_400_not_a_500(probe_client):
    response = probe_client.get("/xapi/_probe/deep", headers=V)

    assert response.status_code == 400
    assert "nested too deeply" in error_of(response)["message"]


def test_a_crash_is_logged_with_its_traceback_and_request_id(probe_client, log_output):
    response = probe_client.get("/xapi/_probe/boom", headers={**V, "X-Request-ID": "crash-1"})
    assert response.status_code == 500
    logged = log_output.getvalue()
    assert "unhandled error" in logged
    assert "RuntimeError: secret internals" in logged  # the operator sees what happened
    assert "[crash-1]" in logged


def test_at_prefixes_the_pointer_for_batches():
    error = BadRequest("verb is required", pointer="/verb").at("/3")
    assert error.body() == {"error": {"status": 400, "code": "bad_request",
                                      "message": "verb is required", "pointer": "/3/verb"}}


def test_error_bodies_are_plain_json_objects(probe_client):
    # Clients parse errors the same way everywhere: no HTML, no text/plain.
    for path in ("/xapi/_probe/boom", "/xapi/nowhere", "/xapi/_probe/secure"):
        response = probe_client.get(path, headers=V)
        assert response.mimetype == "application/json"
        json.loads(response.get_data(as_text=True))
