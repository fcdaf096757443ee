"""Forwarding destinations and pulling sources share their registration rules
(connectors.remotes.PartnerRegistry), the GET|PUT|DELETE routes of one of them
(connectors.partner_routes) and the sealing of their secrets, so both are held to the same
answers here; what only one kind has is tested in test_forwarding.py / test_pulling.py."""

from __future__ import annotations

import time
from datetime import datetime

import pytest
from sqlalchemy import text

from tests.connectors.registrations import (
    ADMIN_API,
    DESTINATIONS,
    SOURCES,
    destination_body,
    source_body,
)

# The admin API's collection: how it is registered, named in messages, and the key of
# where it stands in its JSON.
KINDS = {
    "destinations": (DESTINATIONS, "forwarding destination", "delivery"),
    "sources": (SOURCES, "pulling source", "pulling"),
}


@pytest.fixture(params=sorted(KINDS))
def kind(request) -> str:
    return request.param


@pytest.fixture
def body(kind, make_credential) -> dict:
    if kind == "destinations":
        return destination_body("https://lrs.example/xapi", "hub", "rahasia")
    puller = make_credential("statements/write", name="LRS vendor")
    return source_body("https://lrs.example/xapi", "hub", "rahasia", puller["key"])


def test_a_registration_never_shows_its_secret_which_is_sealed_at_rest(client, admin, kind,
                                                                      body, storage):
    response = client.post(f"{ADMIN_API}/{kind}", json=body, headers=admin)
    assert response.status_code == 201, response.get_json()
    shown = response.get_json()
    assert shown["auth"] == {"kind": "basic", "username": "hub"}
    assert response.headers["Location"].endswith(f"{ADMIN_API}/{kind}/{shown['id']}")
    one = client.get(response.headers["Location"], headers=admin)
    listed = client.get(f"{ADMIN_API}/{kind}", headers=admin)
    assert one.get_json() == shown
    assert [p["id"] for p in listed.get_json()] == [shown["id"]]
    for answer in (response, one, listed):
        assert "rahasia" not in answer.get_data(as_text=True)
    # At rest the secret is sealed with the key-encryption key.
    with storage.engine.connect() as conn:
        sealed = conn.execute(text(f"SELECT auth_secret FROM connector_{kind}")).scalar()
    assert sealed.startswith("fernet:") and "rahasia" not in sealed


def test_a_name_already_taken_is_a_409(client, admin, kind, body):
    registry = KINDS[kind][0]
    first = registry.register(client, admin, {**body, "name": "LRS Pusat"})
    again = client.post(f"{ADMIN_API}/{kind}", json={**body, "name": "LRS Pusat"},
                        headers=admin)
    assert again.status_code == 409 and "LRS Pusat" in again.get_json()["error"]["message"]
    other = registry.register(client, admin, {**body, "name": "LRS Daerah"})
    renamed = client.put(f"{ADMIN_API}/{kind}/{other}", json={**body, "name": "LRS Pusat"},
                         headers=admin)
    assert renamed.status_code == 409
    assert client.put(f"{ADMIN_API}/{kind}/{first}", json={**body, "name": "LRS Pusat"},
                      headers=admin).status_code == 200, "keeping its own name is fine"


def test_an_unknown_id_is_a_404_naming_the_kind(client, admin, kind, body):
    _, noun, _ = KINDS[kind]
    for method in (client.get, client.delete):
        response = method(f"{ADMIN_API}/{kind}/nope", headers=admin)
        assert response.status_code == 404
        assert response.get_json()["error"]["message"] == f"no {noun} 'nope'"
    response = client.put(f"{ADMIN_API}/{kind}/nope", json=body, headers=admin)
    assert response.status_code == 404
    assert response.get_json()["error"]["message"] == f"no {noun} 'nope'"


def test_put_replaces_the_registration_and_keeps_id_and_creation_time(client, admin, kind,
                                                                      body):
    partner_id = KINDS[kind][0].register(client, admin, body)
    before = client.get(f"{ADMIN_API}/{kind}/{partner_id}", headers=admin).get_json()
    time.sleep(0.01)  # a later updated_at
    response = client.put(f"{ADMIN_API}/{kind}/{partner_id}", headers=admin,
                          json={**body, "endpoint": "https://lrs.baru.example/xapi",
                                "enabled": False})
    assert response.status_code == 200, response.get_json()
    after = response.get_json()
    assert (after["id"], after["created_at"]) == (partner_id, before["created_at"])
    assert datetime.fromisoformat(after["updated_at"]) > \
        datetime.fromisoformat(before["updated_at"])
    assert (after["endpoint"], after["enabled"]) == ("https://lrs.baru.example/xapi", False)
    assert KINDS[kind][2] in after, "the answer shows where it stands"
    assert client.get(f"{ADMIN_API}/{kind}/{partner_id}", headers=admin).get_json() == after


def test_a_malformed_put_is_a_400_naming_the_field_and_changes_nothing(client, admin, kind,
                                                                       body):
    partner_id = KINDS[kind][0].register(client, admin, body)
    before = client.get(f"{ADMIN_API}/{kind}/{partner_id}", headers=admin).get_json()
    response = client.put(f"{ADMIN_API}/{kind}/{partner_id}", headers=admin,
                          json={**body, "endpoint": "ftp://lrs.example/xapi"})
    assert response.status_code == 400
    assert response.get_json()["error"]["pointer"] == "/endpoint"
    assert client.get(f"{ADMIN_API}/{kind}/{partner_id}", headers=admin).get_json() == before


def test_delete_removes_it_and_only_it(client, admin, kind, body):
    registry = KINDS[kind][0]
    removed = registry.register(client, admin, body)
    kept = registry.register(client, admin, {**body, "name": "Yang tetap"})
    assert client.delete(f"{ADMIN_API}/{kind}/{removed}", headers=admin).status_code == 204
    assert client.get(f"{ADMIN_API}/{kind}/{removed}", headers=admin).status_code == 404
    assert client.delete(f"{ADMIN_API}/{kind}/{removed}", headers=admin).status_code == 404
    assert [p["id"] for p in client.get(f"{ADMIN_API}/{kind}", headers=admin).get_json()] \
        == [kept]


def test_the_routes_need_the_admin_scope(client, make_credential, kind):
    partner = {"Authorization": make_credential("statements/write")["Authorization"]}
    for method in (client.get, client.put, client.delete):
        assert method(f"{ADMIN_API}/{kind}/nope", headers=partner).status_code == 403
