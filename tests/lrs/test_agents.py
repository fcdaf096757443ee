"""Agents Resource, /xapi/agents: the Person behind an Agent."""

from __future__ import annotations

import json

import pytest

from lrs.agents import RESOLVER_EXTENSION, NoLinkedIdentities, person_object

URL = "/xapi/agents"
SITI = {"objectType": "Agent", "name": "Siti Rahayu", "mbox": "mailto:siti@example.go.id"}
SITI_SSO = {"name": "SITI RAHAYU",
            "account": {"homePage": "https://sso.example.go.id", "name": "199001012020122001"}}
SITI_OPENID = {"openid": "https://openid.example.go.id/siti"}


class NipRegistry:
    """A stand-in for the transcripts identity registry: Siti's NIP links three personas."""

    def __init__(self) -> None:
        self.asked: list[dict] = []

    def same_person(self, agent: dict) -> list[dict]:
        self.asked.append(agent)
        if agent.get("mbox", "").lower() == SITI["mbox"]:
            return [SITI_SSO, SITI_OPENID, {"mbox": "mailto:SITI@example.go.id"}]
        return []


def get_person(client, xapi, agent: dict, **kwargs):
    return client.get(URL, query_string={"agent": json.dumps(agent)}, headers=xapi(**kwargs))


def test_unknown_agent_is_a_person_of_just_that_agent(client, xapi):
    response = get_person(client, xapi, {"mbox": "mailto:budi@example.go.id"})

    assert response.status_code == 200
    assert response.json == {"objectType": "Person", "mbox": ["mailto:budi@example.go.id"]}
    assert response.headers["ETag"].startswith('"')


def test_person_keeps_the_name_it_was_asked_with(client, xapi):
    response = get_person(client, xapi, SITI)

    assert response.json == {"objectType": "Person", "name": ["Siti Rahayu"],
                             "mbox": ["mailto:siti@example.go.id"]}


def test_person_combines_every_identifier_the_resolver_links(app, client, xapi):
    registry = NipRegistry()
    app.extensions[RESOLVER_EXTENSION] = registry

    response = get_person(client, xapi, SITI)

    assert registry.asked == [SITI]
    assert response.json == {
        "objectType": "Person",
        "name": ["Siti Rahayu", "SITI RAHAYU"],
        "mbox": ["mailto:siti@example.go.id"],
        "openid": ["https://openid.example.go.id/siti"],
        "account": [SITI_SSO["account"]],
    }


def test_default_resolver_links_nothing():
    assert NoLinkedIdentities().same_person(SITI) == []


def test_person_object_lists_each_identifier_once_in_the_order_seen():
    person = person_object([
        {"mbox": "mailto:a@example.com"},
        {"account": {"homePage": "https://h.example.com", "name": "1"}},
        {"mbox": "mailto:A@EXAMPLE.COM", "name": "A"},
        {"account": {"homePage": "https://h.example.com", "name": "1"}, "name": "A"},
        {"mbox_sha1sum": "2f3e4a6b1c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f"},
    ])

    assert person == {"objectType": "Person", "name": ["A"], "mbox": ["mailto:a@example.com"],
                      "mbox_sha1sum": ["2f3e4a6b1c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f"],
                      "account": [{"homePage": "https://h.example.com", "name": "1"}]}


@pytest.mark.parametrize("scopes", [("statements/read",), ("state", "profile"), ("define",)])
def test_person_needs_unrestricted_read(client, xapi, make_credential, scopes):
    response = get_person(client, xapi, SITI, credential=make_credential(*scopes))

    assert response.status_code == 403


@pytest.mark.parametrize("scopes", [("all/read",), ("all",)])
def test_unrestricted_read_may_ask_for_a_person(client, xapi, make_credential, scopes):
    response = get_person(client, xapi, SITI, credential=make_credential(*scopes))

    assert response.status_code == 200


@pytest.mark.parametrize(("query", "parameter"), [
    ({}, "agent"),
    ({"agent": "mailto:siti@example.go.id"}, "agent"),
    ({"agent": json.dumps({"objectType": "Group", "mbox": "mailto:team@example.go.id"})}, "agent"),
    ({"agent": json.dumps({"mbox": ["mailto:siti@example.go.id"]})}, "agent"),
    ({"agent": json.dumps(SITI), "Agent": json.dumps(SITI)}, "Agent"),
], ids=["missing", "not-json", "group", "person-shaped", "unknown-parameter"])
def test_bad_agent_parameter_is_400(client, xapi, query, parameter):
    response = client.get(URL, query_string=query, headers=xapi())

    assert response.status_code == 400
    assert response.json["error"]["parameter"] == parameter
