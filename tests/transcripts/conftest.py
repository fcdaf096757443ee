"""Fixtures for transcripts: a realistic registry (roster), framework (CASE 1.1) and
partners (credentials) on the engine-parametrized app."""

from __future__ import annotations

from typing import Any

import pytest
from transcript_fixtures import load_framework, load_roster, load_rules


@pytest.fixture
def admin(make_credential) -> dict:
    return make_credential("admin", name="Admin BKN", owner="BKN")


@pytest.fixture
def auditor(make_credential) -> dict:
    return make_credential("auditor", name="Inspektorat Jenderal", owner="Kementerian PANRB")


@pytest.fixture
def partners(make_credential) -> dict[str, dict]:
    return {
        "akademi": make_credential("statements/write", "define", name="Akademi Digital LAN",
                                   owner="LAN"),
        "jabar": make_credential("statements/write", name="LMS BPSDM Jawa Barat",
                                 owner="BPSDM Jabar"),
    }


@pytest.fixture
def send(client):
    """send(credential, *statements) → stored ids (asserts the LRS accepted them)."""

    def post(credential: dict, *statements: dict, version: str = "1.0.3") -> list[str]:
        response = client.post("/xapi/statements", json=list(statements),
                               headers={"Authorization": credential["Authorization"],
                                        "X-Experience-API-Version": version})
        assert response.status_code == 200, response.json
        return response.json

    return post


@pytest.fixture
def registry(app) -> None:
    """The CASE framework, the roster and the mapping rules of tests/transcripts/fixtures."""
    load_framework(app)
    load_roster(app)
    load_rules(app)


@pytest.fixture
def auditor_get(client, auditor):
    def get(url: str, **params: Any):
        return client.get(url, query_string=params,
                          headers={"Authorization": auditor["Authorization"]})

    return get
