"""Issue 13.1: a partner voids only its own records (docs/security.md, Voiding), on every engine."""

from __future__ import annotations

import json
import uuid

import pytest
from factories import make_statement, voiding

from hub.auth import HUB_AUTHORITY_PREFIXES, VOID_ANY_SCOPE
from lti.platform.xapi import platform_authority
from lti.tool.xapi import lti_authority

URL = "/xapi/statements"


def post(client, headers, body):
    return client.post(URL, data=json.dumps(body), content_type="application/json",
                       headers=headers)


def fetch(client, headers, statement_id, *, voided=False):
    name = "voidedStatementId" if voided else "statementId"
    return client.get(URL, query_string={name: statement_id}, headers=headers)


@pytest.fixture
def partners(xapi, make_credential):
    """Two partners with `statements/write` + `statements/read`, as BKPSDM and a course vendor."""
    scopes = ("statements/write", "statements/read")
    a = make_credential(*scopes, name="Moodle BKPSDM")
    b = make_credential(*scopes, name="Vendor kursus")
    return xapi(credential=a), xapi(credential=b)


def test_a_partner_cannot_void_a_statement_another_partner_stored(client, partners):
    mine, theirs = partners
    [target] = post(client, mine, make_statement()).json
    void_id = str(uuid.uuid4())
    response = post(client, theirs, voiding(target) | {"id": void_id})
    assert response.status_code == 403
    error = response.json["error"]
    assert error["code"] == "forbidden" and "own authority" in error["rule"]
    assert target in error["message"] and error["pointer"] == "/object/id"
    assert fetch(client, mine, target).status_code == 200  # still there, not voided
    assert fetch(client, mine, void_id).status_code == 404  # the voiding was not stored


def test_a_partner_voids_its_own_statement(client, partners):
    mine, _ = partners
    [target] = post(client, mine, make_statement()).json
    assert post(client, mine, voiding(target)).status_code == 200
    assert fetch(client, mine, target).status_code == 404
    assert fetch(client, mine, target, voided=True).status_code == 200


def test_a_batch_with_one_foreign_void_stores_nothing(client, partners):
    mine, theirs = partners
    [foreign] = post(client, mine, make_statement()).json
    [own] = post(client, theirs, make_statement()).json
    batch = [make_statement(id=str(uuid.uuid4())), voiding(own) | {"id": str(uuid.uuid4())},
             voiding(foreign) | {"id": str(uuid.uuid4())}]
    response = post(client, theirs, batch)
    assert response.status_code == 403
    assert response.json["error"]["pointer"] == "/2/object/id"
    assert foreign in response.json["error"]["message"]
    for statement in batch:
        assert fetch(client, theirs, statement["id"]).status_code == 404
    assert fetch(client, theirs, own).status_code == 200  # its own target not voided either
    assert fetch(client, mine, foreign).status_code == 200


def test_a_void_sent_before_its_target_by_another_partner_does_not_void_it(client, partners):
    mine, theirs = partners
    target = str(uuid.uuid4())
    assert post(client, theirs, voiding(target)).status_code == 200  # unknown id: accepted
    assert post(client, mine, make_statement(id=target)).status_code == 200
    assert fetch(client, mine, target).status_code == 200
    assert fetch(client, mine, target, voided=True).status_code == 404


def test_a_void_sent_before_its_target_by_the_same_partner_voids_it_on_arrival(client, partners):
    mine, _ = partners
    target = str(uuid.uuid4())
    assert post(client, mine, voiding(target)).status_code == 200
    assert post(client, mine, make_statement(id=target)).status_code == 200
    assert fetch(client, mine, target).status_code == 404
    assert fetch(client, mine, target, voided=True).status_code == 200


def test_the_operator_scope_voids_any_partners_statement(client, partners, xapi,
                                                         make_credential):
    mine, _ = partners
    operator = xapi(credential=make_credential("statements/write", VOID_ANY_SCOPE,
                                               name="Operator hub"))
    [target] = post(client, mine, make_statement()).json
    assert post(client, operator, voiding(target)).status_code == 200
    assert fetch(client, mine, target).status_code == 404
    assert fetch(client, mine, target, voided=True).status_code == 200


def test_scope_all_does_not_grant_voiding_of_other_partners(client, partners, xapi,
                                                           make_credential):
    mine, _ = partners
    everything = xapi(credential=make_credential("all", "admin", name="Everything but"))
    [target] = post(client, mine, make_statement()).json
    assert post(client, everything, voiding(target)).status_code == 403


def test_a_partner_cannot_void_a_statement_the_hub_recorded(app, client, partners):
    from lrs.service import record_statements

    _, theirs = partners
    with app.test_request_context():
        [target] = record_statements([make_statement()], source="lti", authority=lti_authority(
            app.extensions["hub.settings"].authority_home_page))
    assert post(client, theirs, voiding(target)).status_code == 403
    assert fetch(client, theirs, target).status_code == 200


# --- the hub's own authorities are not grantable ---------------------------------------
@pytest.fixture
def hub_authorities(app):
    home = app.extensions["hub.settings"].authority_home_page
    return [lti_authority(home), platform_authority(home),
            {"objectType": "Agent", "account": {"homePage": home, "name": "lti-tool:abc"}},
            {"objectType": "Agent", "account": {"homePage": "https://elsewhere.example",
                                                "name": "HUB:lti"}}]


def test_every_authority_the_hub_stamps_is_reserved(hub_authorities):
    for authority in hub_authorities:
        assert authority["account"]["name"].lower().startswith(HUB_AUTHORITY_PREFIXES)


def test_the_admin_api_refuses_a_credential_with_a_hub_authority(client, make_credential,
                                                                hub_authorities):
    admin = {"Authorization": make_credential("admin")["Authorization"]}
    for authority in hub_authorities:
        response = client.post("/api/admin/credentials", headers=admin, json={
            "name": "Impostor", "owner": "Vendor", "scopes": ["statements/write"],
            "authority": authority})
        assert response.status_code == 400, authority
        assert response.json["error"]["pointer"] == "/authority"
        assert "reserved for the hub" in response.json["error"]["message"]
    listed = client.get("/api/admin/credentials", headers=admin).json["credentials"]
    assert [c["name"] for c in listed] == ["Test partner"]


def test_the_cli_refuses_a_credential_with_a_hub_authority(runner, storage, hub_authorities):
    for authority in hub_authorities:
        result = runner.invoke(args=["credentials", "create", "--name", "Impostor", "--owner",
                                     "Vendor", "--scope", "statements/write",
                                     "--authority", json.dumps(authority)])
        assert result.exit_code == 2, result.output
        assert "reserved for the hub" in result.output
    assert storage.credentials.list_credentials() == []


def test_the_operator_scope_is_granted_only_by_name(client, make_credential):
    admin = {"Authorization": make_credential("admin")["Authorization"]}
    response = client.post("/api/admin/credentials", headers=admin, json={
        "name": "Operator", "owner": "Hub", "scopes": ["statements/write", VOID_ANY_SCOPE]})
    assert response.status_code == 201
    assert VOID_ANY_SCOPE in response.json["scopes"]


def test_a_foreign_void_by_put_is_refused_and_not_stored(client, partners):
    mine, theirs = partners
    [target] = post(client, mine, make_statement()).json
    void_id = str(uuid.uuid4())
    response = client.put(f"{URL}?statementId={void_id}", data=json.dumps(voiding(target)),
                          content_type="application/json", headers=theirs)
    assert response.status_code == 403
    assert fetch(client, theirs, void_id).status_code == 404
    assert fetch(client, mine, target).status_code == 200


def test_granting_the_operator_scope_is_logged(runner, storage, caplog):
    with caplog.at_level("WARNING", logger="hub.auth"):
        result = runner.invoke(args=["credentials", "create", "--name", "Operator", "--owner",
                                     "Hub", "--scope", "statements/write",
                                     "--scope", VOID_ANY_SCOPE])
    assert result.exit_code == 0, result.output
    [credential] = storage.credentials.list_credentials()
    assert VOID_ANY_SCOPE in credential.scopes
    assert any(credential.key in r.getMessage() and VOID_ANY_SCOPE in r.getMessage()
               for r in caplog.records)
