"""Activity Profile Resource, /xapi/activities/profile, over HTTP on every engine."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import pytest

from tests.concurrently import statuses_at_once

URL = "/xapi/activities/profile"
ACTIVITY = "http://example.com/courses/etika-asn"
JSON = {"Content-Type": "application/json"}


def params(**overrides) -> dict:
    base = {"activityId": ACTIVITY, "profileId": "syllabus"}
    base.update(overrides)
    return {name: value for name, value in base.items() if value is not None}


@pytest.fixture
def create(client, xapi):
    def create_(body: bytes = b'{"weeks":4}', **query):
        response = client.put(URL, query_string=params(**query), data=body,
                              headers=xapi(**JSON, **{"If-None-Match": "*"}))
        assert response.status_code == 204
        return response
    return create_


@pytest.fixture
def get(client, xapi):
    def get_(version: str = "1.0.3", **query):
        return client.get(URL, query_string=params(**query), headers=xapi(version))
    return get_


def test_profile_comes_back_as_stored(create, get):
    create(b'{"weeks":4}')

    response = get()

    assert response.status_code == 200
    assert response.json == {"weeks": 4}
    assert response.headers["ETag"] == '"' + hashlib.sha1(b'{"weeks":4}').hexdigest() + '"'
    assert response.last_modified is not None


def test_profiles_belong_to_their_activity(create, get):
    create(b'{"course":1}')
    create(b'{"course":2}', activityId="http://example.com/courses/2")

    assert get().json == {"course": 1}
    assert get(activityId="http://example.com/courses/2").json == {"course": 2}


def test_put_creating_a_profile_without_a_concurrency_header_is_204_under_1_0_3(client, xapi,
                                                                               get):
    """xAPI 1.0.3 Communication 3.1.s4.b13 asks for 409 only "for a resource that already
    exists"; TinCanPython's save_activity_profile creates without a header."""
    response = client.put(URL, query_string=params(), data=b'{"weeks":4}',
                          headers=xapi("1.0.3", **JSON))

    assert response.status_code == 204
    assert get().json == {"weeks": 4}


def test_put_creating_a_profile_without_a_concurrency_header_is_400_under_2_0(client, xapi, get):
    """2.0 requests keep the rule the 2.0 conformance suite checks ("fails without ETag
    header"); nothing is stored."""
    response = client.put(URL, query_string=params(), data=b"{}", headers=xapi("2.0.0", **JSON))

    assert response.status_code == 400
    assert response.json["error"]["header"] == "If-None-Match"
    assert get().status_code == 404


def test_the_same_unconditional_put_sent_twice_is_204_then_409(client, xapi, get):
    """A 1.0.x client that PUTs again without the ETag it was given: the second PUT finds
    the document and gets 409 (Communication 3.1.s4.b13-b15), which leaves it unchanged."""
    first = client.put(URL, query_string=params(), data=b'{"weeks":4}',
                       headers=xapi("1.0.3", **JSON))
    second = client.put(URL, query_string=params(), data=b'{"weeks":5}',
                        headers=xapi("1.0.3", **JSON))

    assert (first.status_code, second.status_code) == (204, 409)
    assert "If-Match" in second.json["error"]["message"]
    assert get().json == {"weeks": 4}


@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
def test_unconditional_put_over_an_existing_profile_is_409(create, client, xapi, get, version):
    create(b'{"weeks":4}')

    response = client.put(URL, query_string=params(), data=b'{"weeks":5}',
                          headers=xapi(version, **JSON))

    assert response.status_code == 409
    assert response.json["error"]["code"] == "conflict"
    assert "ETag" in response.json["error"]["message"]
    assert get().json == {"weeks": 4}


def test_put_with_the_current_etag_replaces_the_profile(create, client, xapi, get):
    create(b'{"weeks":4}')

    response = client.put(URL, query_string=params(), data=b'{"weeks":5}',
                          headers=xapi(**JSON, **{"If-Match": get().headers["ETag"]}))

    assert response.status_code == 204
    assert get().json == {"weeks": 5}


@pytest.mark.parametrize("method", ["post", "delete"])
def test_stale_etag_on_post_and_delete_is_412(create, client, xapi, get, method):
    create(b'{"weeks":4}')
    stale = get().headers["ETag"]
    client.post(URL, query_string=params(), data=b'{"level":2}', headers=xapi(**JSON))

    response = getattr(client, method)(URL, query_string=params(), data=b'{"weeks":9}',
                                       headers=xapi("2.0.0", **JSON, **{"If-Match": stale}))

    assert response.status_code == 412
    assert get().json == {"weeks": 4, "level": 2}


def test_post_merges_into_the_profile(create, client, xapi, get):
    create(b'{"weeks":4,"level":1}')

    client.post(URL, query_string=params(), data=b'{"level":2}', headers=xapi(**JSON))

    assert get().json == {"weeks": 4, "level": 2}


def test_ids_list_the_activitys_profiles_since(create, get):
    create(profileId="b")
    between = datetime.now(UTC).isoformat()
    create(profileId="a")

    assert get(profileId=None).json == ["a", "b"]
    assert get(profileId=None, since=between).json == ["a"]


def test_delete_removes_the_profile(create, client, xapi, get):
    create()

    response = client.delete(URL, query_string=params(), headers=xapi())

    assert response.status_code == 204
    assert get().status_code == 404


def test_delete_needs_a_profile_id(create, client, xapi, get):
    create()

    response = client.delete(URL, query_string=params(profileId=None), headers=xapi())

    assert response.status_code == 400
    assert response.json["error"]["parameter"] == "profileId"
    assert get().status_code == 200


@pytest.mark.parametrize("extra", [
    {"agent": json.dumps({"mbox": "mailto:siti@example.go.id"})},
    {"registration": "5f2b3c8e-0c1d-4a5b-9e6f-7a8b9c0d1e2f"},
    {"stateId": "x"},
])
def test_parameters_of_other_resources_are_400(client, xapi, extra):
    response = client.get(URL, query_string=params(**extra), headers=xapi())

    assert response.status_code == 400
    assert response.json["error"]["parameter"] == next(iter(extra))


def test_activity_id_is_required(client, xapi):
    response = client.get(URL, query_string=params(activityId=None), headers=xapi())

    assert response.status_code == 400
    assert response.json["error"]["parameter"] == "activityId"


def test_profile_read_scope_reads_but_does_not_write(create, client, xapi, make_credential):
    create()
    reader = make_credential("all/read")

    read = client.get(URL, query_string=params(), headers=xapi(credential=reader))
    write = client.post(URL, query_string=params(), data=b"{}",
                        headers=xapi(credential=reader, **JSON))

    assert (read.status_code, write.status_code) == (200, 403)


def test_state_scope_cannot_touch_profiles(client, xapi, make_credential):
    credential = make_credential("state")

    response = client.get(URL, query_string=params(), headers=xapi(credential=credential))

    assert response.status_code == 403


def test_profile_scope_reads_and_writes(client, xapi, make_credential):
    credential = make_credential("profile")

    write = client.put(URL, query_string=params(), data=b"{}",
                       headers=xapi(credential=credential, **JSON, **{"If-None-Match": "*"}))
    read = client.get(URL, query_string=params(), headers=xapi(credential=credential))

    assert (write.status_code, read.status_code) == (204, 200)


def test_concurrent_if_match_writers_exactly_one_wins(app, create, get, xapi):
    create(b'{"v":0}')
    etag = get().headers["ETag"]
    workers = 4

    statuses = statuses_at_once(app, [
        lambda client, n=n: client.put(URL, query_string=params(), data=json.dumps({"v": n}),
                                       headers=xapi(**JSON, **{"If-Match": etag}))
        for n in range(1, workers + 1)])

    assert sorted(statuses) == [204, 412, 412, 412]
