"""NUL characters are refused with a 400 everywhere, on every engine (a 500 on PostgreSQL
before)."""

from __future__ import annotations

import json

from factories import make_agent, make_statement

from hub.guards import nul_pointer


def test_nul_pointer_finds_strings_and_keys():
    assert nul_pointer({"a": [1, "x\x00"]}) == "/a/1"
    assert nul_pointer({"a/b\x00": 1}) == "/a~1b\x00"
    assert nul_pointer({"a": ["clean"], "b": {"c": None}}) is None


def test_statement_with_a_nul_in_an_account_name_is_a_400(client, xapi):
    agent = make_agent()
    agent["account"]["name"] = "199003152015031002\x00"
    response = client.post("/xapi/statements", data=json.dumps(make_statement(actor=agent)),
                           content_type="application/json", headers=xapi())
    assert response.status_code == 400
    assert response.json["error"]["pointer"] == "/actor/account/name"
    assert response.headers["X-Experience-API-Version"] == "1.0.3"
    assert client.get("/xapi/statements", headers=xapi()).json["statements"] == []


def test_query_parameter_with_a_nul_is_a_400_naming_it(client, xapi):
    response = client.get("/xapi/activities/state", headers=xapi(), query_string={
        "activityId": "https://akademi.example.id/kelas/a", "stateId": "bookmark\x00",
        "agent": json.dumps(make_agent())})
    assert response.status_code == 400
    assert response.json["error"]["parameter"] == "stateId"


def test_admin_json_with_a_nul_is_a_400(client, make_credential):
    admin = make_credential("admin")
    response = client.post("/api/admin/credentials", headers={"Authorization": admin[
        "Authorization"]}, json={"name": "x\x00", "owner": "o", "scopes": ["all"]})
    assert response.status_code == 400
    assert response.json["error"]["pointer"] == "/name"
