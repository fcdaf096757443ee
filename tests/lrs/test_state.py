"""State Resource, /xapi/activities/state, over HTTP on every engine."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import pytest

from hub.config import replace_settings
from tests.concurrently import statuses_at_once

URL = "/xapi/activities/state"
ACTIVITY = "http://example.com/courses/etika-asn"
AGENT = {"objectType": "Agent", "mbox": "mailto:siti@example.go.id"}
REGISTRATION = "5F2B3C8E-0C1D-4A5B-9E6F-7A8B9C0D1E2F"
JSON = {"Content-Type": "application/json"}


def params(**overrides) -> dict:
    """Query string of one state document; pass name=None to leave a parameter out."""
    base = {"activityId": ACTIVITY, "agent": json.dumps(AGENT), "stateId": "bookmark"}
    base.update(overrides)
    return {name: value for name, value in base.items() if value is not None}


def sha1(body: bytes) -> str:
    return hashlib.sha1(body).hexdigest()


@pytest.fixture
def put(client, xapi):
    def put_(body: bytes = b'{"page":1}', version: str = "1.0.3", headers=None, **query):
        return client.put(URL, query_string=params(**query), data=body,
                          headers=xapi(version, **{**JSON, **(headers or {})}))
    return put_


@pytest.fixture
def get(client, xapi):
    def get_(version: str = "1.0.3", **query):
        return client.get(URL, query_string=params(**query), headers=xapi(version))
    return get_


# --- storing and reading ---------------------------------------------------------------
def test_document_comes_back_byte_for_byte_with_its_content_type(client, xapi, get):
    body = bytes(range(256))
    stored = client.put(URL, query_string=params(), data=body,
                        headers=xapi(**{"Content-Type": "application/x-scorm-suspend; v=2"}))

    response = get()

    assert stored.status_code == 204
    assert response.status_code == 200
    assert response.data == body
    assert response.headers["Content-Type"] == "application/x-scorm-suspend; v=2"


@pytest.mark.parametrize("method", ["PUT", "POST"])
def test_document_sent_as_a_form_is_stored_as_its_bytes(client, xapi, get, method):
    """Conformance clients send small documents ('1', 'true') as form-encoded bodies; the
    NUL guard's form parse must not leave them empty."""
    body = b"page=3&bookmark=bab-2"
    stored = client.open(URL, method=method, query_string=params(), data=body,
                         headers=xapi(**{"Content-Type": "application/x-www-form-urlencoded"}))

    assert stored.status_code == 204
    assert get().data == body


def test_document_without_content_type_is_octet_stream(client, xapi, get):
    client.put(URL, query_string=params(), data=b"raw", headers=xapi())

    assert get().headers["Content-Type"] == "application/octet-stream"


@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
def test_get_carries_quoted_sha1_etag_and_last_modified(put, get, version):
    before = datetime.now(UTC).replace(microsecond=0)
    put(b'{"page":3}')

    response = get(version)

    assert response.headers["ETag"] == '"' + sha1(b'{"page":3}') + '"'
    assert before <= response.last_modified <= datetime.now(UTC)
    assert response.headers["X-Experience-API-Version"] == version


def test_write_responses_carry_the_new_etag(put, client, xapi):
    written = put(b'{"page":1}')
    merged = client.post(URL, query_string=params(), data=b'{"done":true}',
                         headers=xapi(**JSON))

    assert written.headers["ETag"] == '"' + sha1(b'{"page":1}') + '"'
    assert merged.headers["ETag"] == '"' + sha1(b'{"page":1,"done":true}') + '"'


def test_head_answers_like_get_without_the_body(put, client, xapi, get):
    put(b'{"page":5}')

    head = client.head(URL, query_string=params(), headers=xapi())

    assert head.status_code == 200
    assert head.data == b""
    assert head.headers["ETag"] == get().headers["ETag"]
    assert head.headers["Content-Type"] == "application/json"


def test_missing_document_is_404_in_the_error_shape(get):
    response = get(stateId="never-written")

    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"
    assert response.json["error"]["parameter"] == "stateId"


def test_registration_is_part_of_the_context(put, get):
    put(b'{"with":true}', registration=REGISTRATION)

    assert get().status_code == 404
    assert get(registration=REGISTRATION.lower()).data == b'{"with":true}'


def test_agent_is_matched_by_identifier_not_by_spelling(put, get):
    put(b"{}")

    same = get(agent=json.dumps({"mbox": "mailto:Siti@Example.go.id", "name": "Siti"}))

    assert same.status_code == 200


# --- ids --------------------------------------------------------------------------------
def test_ids_are_a_json_array_with_an_etag(put, get):
    put(stateId="b")
    put(stateId="a")
    put(stateId="c", registration=REGISTRATION)

    response = get(stateId=None)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.json == ["a", "b"]
    assert response.headers["ETag"] == f'"{sha1(response.data)}"'
    assert response.last_modified is not None


def test_ids_of_an_empty_context_are_an_empty_array(get):
    assert get(stateId=None).json == []


def test_ids_since_leave_out_earlier_documents(put, get):
    put(stateId="old")
    between = datetime.now(UTC).isoformat()
    put(stateId="new")

    assert get(stateId=None, since=between).json == ["new"]
    assert get(stateId=None, since="2000-01-01T07:00:00+07:00").json == ["new", "old"]


# --- delete -------------------------------------------------------------------------------
def test_delete_removes_only_that_document(put, get, client, xapi):
    put(stateId="a")
    put(stateId="b")

    response = client.delete(URL, query_string=params(stateId="a"), headers=xapi())

    assert response.status_code == 204
    assert get(stateId=None).json == ["b"]


def test_delete_of_a_missing_document_is_204(client, xapi):
    assert client.delete(URL, query_string=params(), headers=xapi()).status_code == 204


def test_delete_without_state_id_clears_that_context_only(put, get, client, xapi):
    put(stateId="a")
    put(stateId="b")
    put(stateId="a", registration=REGISTRATION)

    response = client.delete(URL, query_string=params(stateId=None), headers=xapi())

    assert response.status_code == 204
    assert get(stateId=None).json == []
    assert get(stateId=None, registration=REGISTRATION).json == ["a"]


def test_delete_all_honours_if_match_on_the_ids_etag(put, get, client, xapi):
    put(stateId="a")
    etag = get(stateId=None).headers["ETag"]
    put(stateId="b")

    stale = client.delete(URL, query_string=params(stateId=None),
                          headers=xapi(**{"If-Match": etag}))
    fresh = client.delete(URL, query_string=params(stateId=None),
                          headers=xapi(**{"If-Match": get(stateId=None).headers["ETag"]}))

    assert stale.status_code == 412
    assert fresh.status_code == 204
    assert get(stateId=None).json == []


# --- POST merges JSON ---------------------------------------------------------------------
def test_post_merges_top_level_properties(put, get, client, xapi):
    put(b'{"x":"foo","y":"bar","nested":{"a":1}}')

    response = client.post(URL, query_string=params(), data=b'{"x":"bash","z":"faz","nested":{}}',
                           headers=xapi(**JSON))

    assert response.status_code == 204
    assert get().json == {"x": "bash", "y": "bar", "nested": {}, "z": "faz"}
    assert get().headers["Content-Type"] == "application/json"


def test_post_of_a_new_document_stores_it_as_sent(client, xapi, get):
    response = client.post(URL, query_string=params(), data=b"plain words",
                           headers=xapi(**{"Content-Type": "text/plain"}))

    assert response.status_code == 204
    assert (get().data, get().headers["Content-Type"]) == (b"plain words", "text/plain")


@pytest.mark.parametrize(("stored", "stored_type", "posted", "posted_type"), [
    (b"not json", "text/plain", b'{"a":1}', "application/json"),
    (b'{"a":1}', "application/json", b"a=1", "application/x-www-form-urlencoded"),
    (b"[1,2]", "application/json", b'{"a":1}', "application/json"),
    (b'{"a":1}', "application/json", b'["a"]', "application/json"),
], ids=["stored-not-json", "posted-not-json", "stored-not-object", "posted-not-object"])
def test_post_that_cannot_merge_is_400_and_keeps_the_document(
        client, xapi, get, stored, stored_type, posted, posted_type):
    client.put(URL, query_string=params(), data=stored,
               headers=xapi(**{"Content-Type": stored_type}))

    response = client.post(URL, query_string=params(), data=posted,
                           headers=xapi(**{"Content-Type": posted_type}))

    assert response.status_code == 400
    assert response.json["error"]["code"] == "bad_request"
    assert get().data == stored


@pytest.mark.parametrize("method", ["put", "post"])
def test_body_sent_as_json_must_be_json(client, xapi, get, method):
    response = getattr(client, method)(URL, query_string=params(), data=b'{"page":',
                                       headers=xapi(**JSON))

    assert response.status_code == 400
    assert get().status_code == 404


# --- preconditions ------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["put", "post", "delete"])
@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
def test_stale_if_match_is_412_and_changes_nothing(put, get, client, xapi, method, version):
    put(b'{"v":1}')
    stale = get().headers["ETag"]
    put(b'{"v":2}', headers={"If-Match": stale})

    response = getattr(client, method)(URL, query_string=params(), data=b'{"v":3}',
                                       headers=xapi(version, **JSON, **{"If-Match": stale}))

    assert response.status_code == 412
    assert response.json["error"]["header"] == "If-Match"
    assert get().json == {"v": 2}


@pytest.mark.parametrize("method", ["put", "post", "delete"])
def test_current_if_match_lets_the_write_through(put, get, client, xapi, method):
    put(b'{"v":1}')

    response = getattr(client, method)(URL, query_string=params(), data=b'{"w":2}',
                                       headers=xapi("2.0.0", **JSON,
                                                    **{"If-Match": get().headers["ETag"]}))

    assert response.status_code == 204


@pytest.mark.parametrize("method", ["put", "post", "delete"])
def test_if_match_on_a_missing_document_is_412(client, xapi, get, method):
    for tag in ("*", f'"{sha1(b"anything")}"'):
        response = getattr(client, method)(URL, query_string=params(), data=b"{}",
                                           headers=xapi(**JSON, **{"If-Match": tag}))
        assert response.status_code == 412
    assert get().status_code == 404


@pytest.mark.parametrize("method", ["put", "post"])
def test_if_none_match_star_writes_only_a_new_document(client, xapi, get, method):
    headers = xapi(**JSON, **{"If-None-Match": "*"})

    first = getattr(client, method)(URL, query_string=params(), data=b'{"first":1}',
                                    headers=headers)
    second = getattr(client, method)(URL, query_string=params(), data=b'{"second":2}',
                                     headers=headers)

    assert (first.status_code, second.status_code) == (204, 412)
    assert second.json["error"]["header"] == "If-None-Match"
    assert get().json == {"first": 1}


def test_weak_etag_never_matches(put, get, client, xapi):
    put(b'{"v":1}')
    weak = "W/" + get().headers["ETag"]

    response = client.put(URL, query_string=params(), data=b"{}",
                          headers=xapi(**JSON, **{"If-Match": weak}))

    assert response.status_code == 412


def test_if_match_accepts_a_list_and_an_unquoted_etag(put, client, xapi):
    put(b'{"v":1}')
    current = sha1(b'{"v":1}')

    listed = client.put(URL, query_string=params(), data=b'{"v":2}',
                        headers=xapi(**JSON, **{"If-Match": f'"stale", "{current}"'}))
    bare = client.put(URL, query_string=params(), data=b'{"v":3}',
                      headers=xapi(**JSON, **{"If-Match": sha1(b'{"v":2}')}))

    assert (listed.status_code, bare.status_code) == (204, 204)


def test_unconditional_put_replaces_state_in_1_0_3(put, get):
    put(b'{"v":1}')

    response = put(b'{"v":2}')

    assert response.status_code == 204
    assert get().json == {"v": 2}


def test_unconditional_put_over_existing_state_is_409_in_2_0(put, get):
    created = put(b'{"v":1}', version="2.0.0")

    response = put(b'{"v":2}', version="2.0.0")

    assert created.status_code == 204
    assert response.status_code == 409
    assert "If-Match" in response.json["error"]["message"]
    assert get().json == {"v": 1}


@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
def test_post_and_delete_need_no_precondition(put, client, xapi, get, version):
    put(b'{"v":1}')

    merged = client.post(URL, query_string=params(), data=b'{"w":2}', headers=xapi(version, **JSON))
    deleted = client.delete(URL, query_string=params(), headers=xapi(version))

    assert (merged.status_code, deleted.status_code) == (204, 204)
    assert get().status_code == 404


# --- concurrency --------------------------------------------------------------------------
def test_concurrent_if_match_writers_exactly_one_wins(app, put, get, xapi):
    put(b'{"v":0}')
    etag = get().headers["ETag"]
    workers = 5

    statuses = statuses_at_once(app, [
        lambda client, n=n: client.put(URL, query_string=params(), data=json.dumps({"v": n}),
                                       headers=xapi("2.0.0", **JSON, **{"If-Match": etag}))
        for n in range(1, workers + 1)])

    assert sorted(statuses) == [204, 412, 412, 412, 412]
    assert get().json["v"] in range(1, workers + 1)


def test_concurrent_posts_lose_no_property(app, get, xapi):
    workers = 5

    statuses = statuses_at_once(app, [
        lambda client, n=n: client.post(URL, query_string=params(), data=json.dumps({f"k{n}": n}),
                                        headers=xapi(**JSON))
        for n in range(workers)])

    assert statuses == [204] * workers
    assert get().json == {f"k{n}": n for n in range(workers)}


# --- who may ------------------------------------------------------------------------------
def test_state_read_scope_reads_but_does_not_write(put, client, xapi, make_credential):
    put(b'{"v":1}')
    reader = make_credential("all/read")

    read = client.get(URL, query_string=params(), headers=xapi(credential=reader))
    write = client.put(URL, query_string=params(), data=b"{}",
                       headers=xapi(credential=reader, **JSON))

    assert (read.status_code, write.status_code) == (200, 403)


@pytest.mark.parametrize("scopes", [("state",), ("all",)])
def test_state_scope_reads_and_writes(client, xapi, make_credential, scopes):
    credential = make_credential(*scopes)

    write = client.put(URL, query_string=params(), data=b"{}", headers=xapi(credential=credential))
    read = client.get(URL, query_string=params(), headers=xapi(credential=credential))

    assert (write.status_code, read.status_code) == (204, 200)


@pytest.mark.parametrize("scopes", [("profile",), ("statements/write", "statements/read")])
def test_other_scopes_cannot_touch_state(client, xapi, make_credential, scopes):
    credential = make_credential(*scopes)

    for method in ("get", "put", "post", "delete"):
        response = getattr(client, method)(URL, query_string=params(), data=b"{}",
                                           headers=xapi(credential=credential))
        assert response.status_code == 403, method


def test_state_needs_credentials(client):
    response = client.get(URL, query_string=params(), headers={"X-Experience-API-Version": "1.0.3"})

    assert response.status_code == 401


# --- bad requests ---------------------------------------------------------------------------
@pytest.mark.parametrize(("query", "parameter"), [
    ({"agent": "{not json"}, "agent"),
    ({"agent": '["mailto:siti@example.go.id"]'}, "agent"),
    ({"agent": '{"name":"Siti"}'}, "agent"),
    ({"agent": json.dumps({"mbox": "mailto:a@example.com", "openid": "http://a.example.com"})},
     "agent"),
    ({"agent": json.dumps({"objectType": "Group", "mbox": "mailto:team@example.go.id"})}, "agent"),
    ({"agent": json.dumps({"mbox": "siti@example.go.id"})}, "agent"),
    ({"agent": json.dumps({"account": {"homePage": "https://sso.example.go.id"}})}, "agent"),
    ({"agent": None}, "agent"),
    ({"activityId": None}, "activityId"),
    ({"activityId": "not an iri"}, "activityId"),
    ({"registration": "not-a-uuid"}, "registration"),
    ({"since": "yesterday", "stateId": None}, "since"),
    ({"stateid": "bookmark"}, "stateid"),
    ({"profileId": "x"}, "profileId"),
], ids=["agent-not-json", "agent-array", "agent-no-ifi", "agent-two-ifis", "agent-group",
        "agent-bad-mbox", "agent-bad-account", "agent-missing", "activity-missing",
        "activity-not-iri", "registration-not-uuid", "since-not-timestamp",
        "parameter-wrong-case", "parameter-unknown"])
def test_bad_parameters_are_400_naming_the_parameter(client, xapi, query, parameter):
    response = client.get(URL, query_string=params(**query), headers=xapi())

    assert response.status_code == 400
    assert response.json["error"]["parameter"] == parameter


def test_repeated_parameter_is_400(client, xapi):
    query = params()
    response = client.get(URL, query_string=[*query.items(), ("stateId", "other")], headers=xapi())

    assert response.status_code == 400
    assert response.json["error"]["parameter"] == "stateId"


@pytest.mark.parametrize("method", ["put", "post"])
def test_writes_need_a_state_id(client, xapi, method):
    response = getattr(client, method)(URL, query_string=params(stateId=None), data=b"{}",
                                       headers=xapi(**JSON))

    assert response.status_code == 400
    assert response.json["error"]["parameter"] == "stateId"


@pytest.mark.parametrize("method", ["put", "post", "delete"])
def test_since_is_only_for_reading_ids(client, xapi, method):
    response = getattr(client, method)(URL, query_string=params(since="2024-01-01T00:00:00Z"),
                                       data=b"{}", headers=xapi(**JSON))

    assert response.status_code == 400
    assert response.json["error"]["parameter"] == "since"


@pytest.mark.parametrize("method", ["put", "post"])
def test_document_over_the_configured_limit_is_413(app, client, xapi, get, method):
    settings = app.extensions["hub.settings"]
    app.extensions["hub.settings"] = replace_settings(settings, max_document_bytes=16)

    at_limit = getattr(client, method)(URL, query_string=params(stateId="fits"), data=b"x" * 16,
                                       headers=xapi(**{"Content-Type": "text/plain"}))
    over = getattr(client, method)(URL, query_string=params(), data=b"x" * 17,
                                   headers=xapi(**{"Content-Type": "text/plain"}))

    assert at_limit.status_code == 204
    assert over.status_code == 413
    assert over.json["error"]["code"] == "payload_too_large"
    assert get().status_code == 404


def test_since_is_accepted_and_ignored_on_a_single_document_get(put, get):
    put(b'{"v":1}')

    assert get(since="2999-01-01T00:00:00Z").json == {"v": 1}


# --- xAPI 1.0.3 alternate request syntax ------------------------------------------------------
def test_alternate_syntax_writes_and_preconditions_work_as_headers(client, xapi, get):
    headers = xapi()
    form = {**params(), "Authorization": headers["Authorization"],
            "X-Experience-API-Version": "1.0.3", "Content-Type": "application/json",
            "content": '{"v":1}'}

    created = client.post(URL, query_string={"method": "PUT"}, data=form)
    stale = client.post(URL, query_string={"method": "PUT"},
                        data={**form, "content": '{"v":2}', "If-Match": '"stale"'})

    assert (created.status_code, stale.status_code) == (204, 412)
    assert get().json == {"v": 1}
