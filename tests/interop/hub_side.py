"""The hub's side of the interoperability trials: storing statements in it, registering
an independent LRS as a destination or a source through the admin API, and stepping
forwarding and pulling until they come to rest."""

from __future__ import annotations

from typing import Any

from connectors import forwarding, pulling
from tests.xapi_attachments import multipart

ADMIN_API = "/api/connectors/admin"
# Properties an LRS sets itself on the statements it stores (xAPI 1.0.3 Data 2.4.8
# stored, 2.4.9 authority).
SET_BY_THE_LRS = ("stored", "authority")


def as_sent(statement: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in statement.items() if k not in SET_BY_THE_LRS}


def register(client, headers: dict, resource: str, body: dict) -> str:
    response = client.post(f"{ADMIN_API}/{resource}", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def destination_body(name: str, endpoint: str, key: str, secret: str,
                     **overrides: Any) -> dict:
    return {"name": name, "endpoint": endpoint, "version": "1.0.3",
            "auth": {"kind": "basic", "username": key, "secret": secret},
            "batch_size": 50, **overrides}


def source_body(name: str, endpoint: str, key: str, secret: str, credential: str,
                page_limit: int) -> dict:
    return {"name": name, "endpoint": endpoint, "version": "1.0.3",
            "auth": {"kind": "basic", "username": key, "secret": secret},
            "credential": credential, "poll_seconds": 600, "page_limit": page_limit}


def store_in_hub(client, xapi, statements: list[dict], parts=()) -> list[str]:
    if parts:
        body, content_type = multipart(statements, list(parts))
        response = client.post("/xapi/statements", data=body,
                               headers={**xapi(), "Content-Type": content_type})
    else:
        response = client.post("/xapi/statements", json=statements, headers=xapi())
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def deliver_all(app, destination_id: str) -> int:
    settled = 0
    with app.app_context():
        for _ in range(50):
            done = forwarding.deliver(destination_id)
            if not done:
                return settled
            settled += done
    raise AssertionError("delivery did not come to rest")


def pull_all(app, source_id: str) -> int:
    taken = 0
    with app.app_context():
        for _ in range(50):
            done = pulling.pull(source_id)
            if not done:
                return taken
            taken += done
    raise AssertionError("pulling did not come to rest")
