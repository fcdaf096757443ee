"""Issue 13.4: the OpenAPI 3.1 description (schemas/openapi.yaml, served at /openapi.json)
names every endpoint the hub serves, and no other, with the statuses the hub promises."""

from __future__ import annotations

import re

import pytest

from hub.openapi import description

METHODS = {"get", "put", "post", "delete", "patch"}


def served(app) -> set[tuple[str, str]]:
    """(method, OpenAPI path) for every rule of the URL map."""
    pairs = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        pairs |= {(m.lower(), path) for m in (rule.methods or set()) - {"HEAD", "OPTIONS"}}
    return pairs


def described() -> dict[tuple[str, str], dict]:
    return {(method, path): operation
            for path, item in description()["paths"].items()
            for method, operation in item.items() if method in METHODS}


def test_every_served_endpoint_is_described_and_every_described_one_is_served(app):
    assert served(app) - set(described()) == set(), "served but not described"
    assert set(described()) - served(app) == set(), "described but not served"


def test_the_hub_serves_its_description_as_json(client):
    response = client.get("/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    assert body["openapi"].startswith("3.1.")
    assert body["paths"] == description()["paths"]


def test_the_description_is_valid_openapi_3_1():
    schemathesis = pytest.importorskip("schemathesis")
    schema = schemathesis.openapi.from_dict(description())
    assert len(list(schema.get_all_operations())) == len(described())


def test_path_parameters_are_declared_for_every_templated_path():
    for path, item in description()["paths"].items():
        names = set(re.findall(r"{(\w+)}", path))
        declared = {p["name"] for p in item.get("parameters", []) if p["in"] == "path"}
        assert names == declared, path


def test_every_operation_documents_503_with_retry_after():
    responses = description()["components"]["responses"]
    assert "Retry-After" in responses["ServiceUnavailable"]["headers"]
    for key, operation in described().items():
        assert "503" in operation["responses"], key


def test_basic_auth_operations_and_the_auditor_sign_in_document_429_with_retry_after():
    responses = description()["components"]["responses"]
    assert "Retry-After" in responses["TooManyRequests"]["headers"]
    for key, operation in described().items():
        basic = any("basicAuth" in s for s in operation["security"])
        if basic or key == ("post", "/auditor/sign-in"):
            assert "429" in operation["responses"], key


def test_operations_needing_credentials_document_401_and_403():
    for key, operation in described().items():
        if operation["security"]:
            assert {"401", "403"} <= set(operation["responses"]), key


def test_operation_ids_are_unique():
    ids = [op["operationId"] for op in described().values()]
    assert len(ids) == len(set(ids))
