"""Forwarding destinations and pulling sources as the tests register them through the
admin API and step them by hand (tests/connectors/test_forwarding.py, test_pulling.py
and the process tests)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from connectors import forwarding, pulling
from connectors.lrs_client import BasicAuth, RemoteLrs
from tests.connectors.partners import FlakyPartner

ADMIN_API = "/api/connectors/admin"


def basic_auth(key: str, secret: str) -> dict:
    return {"kind": "basic", "username": key, "secret": secret}


def destination_body(endpoint: str, key: str, secret: str, **overrides: Any) -> dict:
    return {"name": f"Hub tujuan {uuid.uuid4().hex[:6]}", "endpoint": endpoint,
            "version": "1.0.3", "auth": basic_auth(key, secret), "batch_size": 10,
            **overrides}


def source_body(endpoint: str, key: str, secret: str, credential: str, **overrides: Any
                ) -> dict:
    return {"name": f"LRS sumber {uuid.uuid4().hex[:6]}", "endpoint": endpoint,
            "version": "1.0.3", "auth": basic_auth(key, secret), "credential": credential,
            "poll_seconds": 600, "page_limit": 50, **overrides}


def quick_client(partner: FlakyPartner, read_timeout: float = 5.0) -> RemoteLrs:
    """A client of the scripted partner that gives up sooner than the registered one."""
    return RemoteLrs(partner.endpoint, "1.0.3", BasicAuth("hub", "rahasia"),
                     connect_timeout=1.0, read_timeout=read_timeout)


@dataclass(frozen=True)
class PartnerKind:
    """Destinations or sources: registered over the admin API, stepped one by one."""

    collection: str  # of the admin API
    step: Callable[..., int]  # one step of one partner: (id, *, client=) -> items settled
    position: Callable[[str], Any]  # where its delivery or pulling stands

    def register(self, client, admin: dict, body: dict) -> str:
        response = client.post(f"{ADMIN_API}/{self.collection}", json=body, headers=admin)
        assert response.status_code == 201, response.get_json()
        return response.get_json()["id"]

    def drain(self, app, partner_id: str, client: RemoteLrs | None = None,
              steps: int = 50) -> int:
        """Step the partner until a step settles nothing (a destination's delivery is at
        rest, a source's poll is complete); returns what the steps settled."""
        settled = 0
        with app.app_context():
            for _ in range(steps):
                done = self.step(partner_id, client=client)
                if not done:
                    return settled
                settled += done
        raise AssertionError(f"{self.collection} {partner_id} did not come to rest")

    def state(self, app, partner_id: str) -> Any:
        with app.app_context():
            return self.position(partner_id)


DESTINATIONS = PartnerKind("destinations", forwarding.deliver, forwarding.delivery_state)
SOURCES = PartnerKind("sources", pulling.pull, pulling.pull_state)
