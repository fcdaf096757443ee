"""Every JSON body and JSON parameter the hub reads goes through hub.json_input: too deep is a
400 naming the limit, not UTF-8 is a 400, and parsing never recurses without bound."""

from __future__ import annotations

import json

import pytest
from factories import make_statement

from hub.json_input import JSONInputError, parse_json

AGENT = json.dumps({"mbox": "mailto:budi@example.go.id"})
STATE = {"activityId": "https://mitra.id/a/1", "stateId": "s", "agent": AGENT}
PROFILE = {"activityId": "https://mitra.id/a/1", "profileId": "p"}
AGENT_PROFILE = {"agent": AGENT, "profileId": "p"}


def nested(levels: int) -> bytes:
    return b'{"a":' * (levels - 1) + b"{}" + b"}" * (levels - 1)


def deep_statement(levels: int) -> bytes:
    """A valid statement whose extension value nests `levels` deep in all."""
    statement = make_statement()
    text = json.dumps(statement)
    marker = '"duration": "PT2H30M"'
    return text.replace(marker, marker + ', "extensions": {"https://x.id/e": '
                        + "[" * (levels - 3) + "]" * (levels - 3) + "}").encode()


# --- the parser ---------------------------------------------------------------------------
def test_depth_at_the_limit_is_read_and_one_more_is_refused_with_its_pointer():
    assert parse_json(nested(100), max_depth=100) is not None
    with pytest.raises(JSONInputError) as refused:
        parse_json(nested(101), max_depth=100)
    assert "100 levels" in str(refused.value)
    assert refused.value.pointer == "/a" * 100


@pytest.mark.parametrize("levels", [1_100, 50_000])
def test_far_too_deep_json_never_recurses(levels):
    """Past orjson's own 1,024 levels the standard library would hit RecursionError."""
    for body in (b"[" * levels + b"]" * levels, nested(levels)):
        with pytest.raises(JSONInputError) as refused:
            parse_json(body, max_depth=100)
        assert "HUB_MAX_JSON_DEPTH" in str(refused.value)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "latin-1"])
def test_json_that_is_not_utf_8_is_refused(encoding):
    body = json.dumps({"nama": "Budi Santoso é"}, ensure_ascii=False).encode(encoding)
    with pytest.raises(JSONInputError, match="not UTF-8"):
        parse_json(body)


def test_a_utf_8_byte_order_mark_is_tolerated():
    assert parse_json(b'\xef\xbb\xbf{"a":1}') == {"a": 1}


def test_a_repeated_key_is_found_by_the_exact_path_whatever_the_fast_path_sees():
    with pytest.raises(JSONInputError) as refused:
        parse_json(b'{"x":{"k\\u003a":1,"k\\u003a":2}}')
    assert refused.value.pointer == "/x/k:"


@pytest.mark.parametrize("body", [b'{"a":"b:c","d":{"e":"f"}}', b'[{"a":1},{"a":1}]',
                                  b'{"a\\u003ab":1,"a:b2":2}', b'{"a":1, "b" : 2}'])
def test_json_without_repeated_keys_is_read(body):
    assert parse_json(body) == json.loads(body)


# --- every endpoint -------------------------------------------------------------------------
def _assert_depth_refusal(response):
    assert response.status_code == 400, response.data[:300]
    assert "HUB_MAX_JSON_DEPTH" in response.json["error"]["message"]


@pytest.mark.parametrize(("method", "url", "query"), [
    ("post", "/xapi/statements", None),
    ("put", "/xapi/statements", {"statementId": "9ac4d2a1-3fd6-4a2e-9c8e-0f2d4c1b5a77"}),
    ("put", "/xapi/activities/state", STATE),
    ("post", "/xapi/activities/state", STATE),
    ("put", "/xapi/activities/profile", PROFILE),
    ("post", "/xapi/activities/profile", PROFILE),
    ("put", "/xapi/agents/profile", AGENT_PROFILE),
    ("post", "/xapi/agents/profile", AGENT_PROFILE),
])
@pytest.mark.parametrize("levels", [101, 50_000])
def test_xapi_bodies_past_the_depth_limit_are_400(client, xapi, method, url, query, levels):
    body = deep_statement(levels) if url == "/xapi/statements" else nested(levels)
    response = getattr(client, method)(url, query_string=query, data=body, headers=xapi(
        **{"Content-Type": "application/json", "If-None-Match": "*"}))

    _assert_depth_refusal(response)
    assert client.get("/xapi/statements", headers=xapi()).json["statements"] == []


def test_a_statement_at_a_realistic_depth_is_stored(client, xapi):
    response = client.post("/xapi/statements", data=deep_statement(40),
                           headers=xapi(**{"Content-Type": "application/json"}))
    assert response.status_code == 200, response.json


@pytest.mark.parametrize("levels", [101, 50_000])
def test_json_query_parameters_past_the_depth_limit_are_400(client, xapi, levels):
    agent = '{"mbox":"mailto:a@b.id","name":' + "[" * levels + "]" * levels + "}"
    for url, query in [("/xapi/statements", {"agent": agent}),
                       ("/xapi/agents", {"agent": agent}),
                       ("/xapi/activities/state", {**STATE, "agent": agent})]:
        response = client.get(url, query_string=query, headers=xapi())
        assert response.status_code == 400, (url, response.data[:200])
        assert "HUB_MAX_JSON_DEPTH" in response.json["error"]["message"], url


@pytest.mark.parametrize("url", [
    "/api/admin/credentials",
    "/api/admin/lti/platforms",
    "/api/admin/lti/platform/tools",
    "/api/transcripts/admin/identities",
    "/api/transcripts/admin/frameworks",
    "/api/transcripts/verify",
])
@pytest.mark.parametrize("levels", [101, 50_000])
def test_admin_and_service_bodies_past_the_depth_limit_are_400(client, make_credential, url,
                                                              levels):
    admin = make_credential("admin")

    response = client.post(url, data=nested(levels), headers={
        "Authorization": admin["Authorization"], "Content-Type": "application/json"})

    _assert_depth_refusal(response)


def test_the_depth_limit_is_a_setting(app_config):
    from hub.app import create_app

    shallow = create_app({**app_config, "max_json_depth": 20})
    # /verify needs no credential: the limit is met before the body means anything.
    response = shallow.test_client().post("/api/transcripts/verify", data=nested(21),
                                          headers={"Content-Type": "application/json"})
    shallow.extensions["hub.storage"].dispose()

    _assert_depth_refusal(response)
    assert "20 levels" in response.json["error"]["message"]


@pytest.mark.parametrize("url", ["/xapi/statements", "/api/admin/credentials"])
def test_a_utf_16_json_body_is_400(client, xapi, make_credential, url):
    admin = make_credential("admin", "all")
    body = json.dumps(make_statement() if url == "/xapi/statements" else
                      {"name": "Mitra", "owner": "BKN", "scopes": ["all"]}).encode("utf-16")

    response = client.post(url, data=body, headers={
        **xapi(), "Authorization": admin["Authorization"],
        "Content-Type": "application/json"})

    assert response.status_code == 400
    assert "UTF-8" in response.json["error"]["message"]


@pytest.mark.parametrize("body", [b"[1,2,3]", b'"teks"', b"42"])
def test_a_state_post_that_would_create_a_non_object_is_400(client, xapi, body):
    response = client.post("/xapi/activities/state", query_string=STATE, data=body,
                           headers=xapi(**{"Content-Type": "application/json"}))

    assert response.status_code == 400
    assert client.get("/xapi/activities/state", query_string=STATE,
                      headers=xapi()).status_code == 404


def test_a_state_post_of_other_media_types_still_creates(client, xapi):
    response = client.post("/xapi/activities/state", query_string=STATE, data=b"halaman 3",
                           headers=xapi(**{"Content-Type": "text/plain"}))

    assert response.status_code == 204
