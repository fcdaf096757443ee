"""Agent Profile Resource, /xapi/agents/profile, over HTTP on every engine."""

from __future__ import annotations

import json

import pytest

from tests.concurrently import statuses_at_once

URL = "/xapi/agents/profile"
SITI = {"objectType": "Agent", "mbox": "mailto:siti@example.go.id"}
JSON = {"Content-Type": "application/json"}


def params(agent: dict | None = SITI, **overrides) -> dict:
    base = {"agent": json.dumps(agent) if agent is not None else None, "profileId": "preferences"}
    base.update(overrides)
    return {name: value for name, value in base.items() if value is not None}


@pytest.fixture
def create(client, xapi):
    def create_(body: bytes = b'{"language":"id"}', agent: dict = SITI, **query):
        response = client.put(URL, query_string=params(agent, **query), data=body,
                              headers=xapi(**JSON, **{"If-None-Match": "*"}))
        assert response.status_code == 204
        return response
    return create_


@pytest.fixture
def get(client, xapi):
    def get_(agent: dict | None = SITI, **query):
        return client.get(URL, query_string=params(agent, **query), headers=xapi())
    return get_


def test_profile_comes_back_as_stored(create, get):
    create(b'{"language":"id"}')

    response = get()

    assert response.status_code == 200
    assert response.json == {"language": "id"}
    assert response.headers["ETag"].startswith('"')


@pytest.mark.parametrize("same", [
    {"mbox": "mailto:siti@example.go.id"},
    {"objectType": "Agent", "mbox": "mailto:SITI@example.go.id", "name": "Siti Rahayu"},
], ids=["objectType-omitted", "case-and-name-differ"])
def test_the_same_agent_written_differently_shares_profiles(create, get, same):
    create()

    assert get(same).json == {"language": "id"}


@pytest.mark.parametrize("other", [
    {"mbox": "mailto:budi@example.go.id"},
    {"mbox_sha1sum": "2f3e4a6b1c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f"},
    {"openid": "https://openid.example.go.id/siti"},
    {"account": {"homePage": "https://sso.example.go.id", "name": "199001012020121001"}},
], ids=["other-mbox", "sha1sum", "openid", "account"])
def test_other_identifiers_have_their_own_profiles(create, get, other):
    create()
    create(b'{"language":"en"}', agent=other)

    assert get(other).json == {"language": "en"}
    assert get().json == {"language": "id"}


def test_ids_list_the_agents_profiles(create, get):
    create(profileId="b")
    create(profileId="a")
    create(agent={"mbox": "mailto:budi@example.go.id"}, profileId="c")

    assert get(profileId=None).json == ["a", "b"]


def test_put_creating_a_profile_without_a_concurrency_header_is_204_under_1_0_3(client, xapi,
                                                                               get):
    """xAPI 1.0.3 Communication 3.1.s4.b13: 409 only for a document that already exists."""
    response = client.put(URL, query_string=params(), data=b'{"language":"id"}',
                          headers=xapi("1.0.3", **JSON))

    assert response.status_code == 204
    assert get().json == {"language": "id"}


def test_put_creating_a_profile_without_a_concurrency_header_is_400_under_2_0(client, xapi, get):
    response = client.put(URL, query_string=params(), data=b'{"language":"id"}',
                          headers=xapi("2.0.0", **JSON))

    assert response.status_code == 400
    assert response.json["error"]["header"] == "If-None-Match"
    assert get().status_code == 404


def test_unconditional_put_over_an_existing_profile_is_409(create, client, xapi, get):
    create()

    response = client.put(URL, query_string=params(), data=b'{"language":"en"}',
                          headers=xapi(**JSON))

    assert response.status_code == 409
    assert get().json == {"language": "id"}


def test_post_merges_and_delete_removes(create, client, xapi, get):
    create(b'{"language":"id"}')

    merged = client.post(URL, query_string=params(), data=b'{"theme":"dark"}',
                         headers=xapi(**JSON, **{"If-Match": get().headers["ETag"]}))
    assert get().json == {"language": "id", "theme": "dark"}
    deleted = client.delete(URL, query_string=params(),
                            headers=xapi(**{"If-Match": get().headers["ETag"]}))

    assert (merged.status_code, deleted.status_code) == (204, 204)
    assert get().status_code == 404


@pytest.mark.parametrize("agent", [
    {"objectType": "Group", "mbox": "mailto:team@example.go.id"},
    {"objectType": "Group", "member": [SITI]},
    {"name": "Siti"},
    {"mbox_sha1sum": "not-a-digest"},
    {"openid": "not a uri"},
], ids=["identified-group", "anonymous-group", "no-identifier", "bad-sha1sum", "bad-openid"])
def test_agent_that_is_not_one_agent_is_400(get, agent):
    response = get(agent)

    assert response.status_code == 400
    assert response.json["error"]["parameter"] == "agent"


def test_agent_is_required(get):
    response = get(None)

    assert response.status_code == 400
    assert response.json["error"]["parameter"] == "agent"


def test_activity_id_is_not_a_parameter_here(get):
    response = get(activityId="http://example.com/courses/1")

    assert response.status_code == 400
    assert response.json["error"]["parameter"] == "activityId"


def test_concurrent_creators_exactly_one_wins(app, get, xapi):
    workers = 4

    statuses = statuses_at_once(app, [
        lambda client, n=n: client.put(URL, query_string=params(), data=json.dumps({"n": n}),
                                       headers=xapi("2.0.0", **JSON, **{"If-None-Match": "*"}))
        for n in range(workers)])

    assert sorted(statuses) == [204, 412, 412, 412]
    assert get().json["n"] in range(workers)
