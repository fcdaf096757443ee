"""What deployed xAPI clients send, sent as they send it (docs/statements.md, "Deployed
clients").  The first half drives TinCanPython itself (Rustici's Python library, as partner
content uses it) against a real hub process over loopback HTTP; the second half sends the
exact wire form of each quirk through the test client, on every engine."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import uuid

import pytest
import requests
from factories import make_statement
from live_server import LiveHub
from tincan import (
    Activity,
    ActivityDefinition,
    ActivityProfileDocument,
    Agent,
    AgentProfileDocument,
    Context,
    ContextActivities,
    LanguageMap,
    RemoteLRS,
    Statement,
    StatementRef,
    Verb,
)

from hub.app import open_hub_storage
from hub.auth import issue_credential

COMPLETED = Verb(id="http://adlnet.gov/expapi/verbs/completed",
                 display=LanguageMap({"en-US": "completed"}))
BUDI = Agent(name="Budi", mbox="mailto:budi@example.go.id")


@pytest.fixture
def tincan_lrs(database_url):
    storage = open_hub_storage(database_url)
    issued = issue_credential(storage.credentials, name="TinCanPython course", owner="Mitra",
                              scopes=["all"], authority_home_page="https://hub.test/partners")
    storage.dispose()
    with LiveHub(database_url, workers=1) as hub:
        yield RemoteLRS(endpoint=f"{hub.url}/xapi/", username=issued.credential.key,
                        password=issued.secret)


def _ok(response):
    assert response.success, (response.response.status, response.data)
    return response


@pytest.mark.slow
def test_tincanpython_statements_round_trip(tincan_lrs):
    """Statements as TinCanPython serialises them: `"version": "1.0.3"`, an empty
    definition, an empty contextActivities and empty language maps it builds from empty
    objects, booleans as str(True), `since` as str(datetime) (a space, form-encoded as +)."""
    plain = Statement(actor=BUDI, verb=COMPLETED, object=Activity(id="https://mitra.id/a/1"))
    empties = Statement(
        actor=BUDI, verb=Verb(id=COMPLETED.id, display=LanguageMap()),
        object=Activity(id="https://mitra.id/a/2", definition=ActivityDefinition()),
        context=Context(context_activities=ContextActivities()))
    assert json.loads(empties.to_json())["version"] == "1.0.3"
    assert json.loads(empties.to_json())["context"] == {"contextActivities": {}}

    _ok(tincan_lrs.save_statement(plain))
    _ok(tincan_lrs.save_statements([empties]))
    since = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    found = _ok(tincan_lrs.query_statements({
        "agent": BUDI, "since": since, "ascending": True, "related_agents": False,
        "attachments": False, "limit": 1})).content
    more = _ok(tincan_lrs.more_statements(found))
    retrieved = _ok(tincan_lrs.retrieve_statement(plain.id)).content

    assert [str(s.id) for s in found.statements] == [str(plain.id)]
    assert [str(s.id) for s in more.content.statements] == [str(empties.id)]
    assert retrieved.version == "1.0.3"
    assert retrieved.object.id == "https://mitra.id/a/1"


@pytest.mark.slow
def test_tincanpython_voids_and_reads_the_voided_statement(tincan_lrs):
    original = Statement(actor=BUDI, verb=COMPLETED, object=Activity(id="https://mitra.id/a/3"))
    _ok(tincan_lrs.save_statement(original))
    _ok(tincan_lrs.save_statement(Statement(
        actor=BUDI, verb=Verb(id="http://adlnet.gov/expapi/verbs/voided"),
        object=StatementRef(id=original.id))))

    assert _ok(tincan_lrs.retrieve_voided_statement(original.id)).content.id == original.id
    assert tincan_lrs.retrieve_statement(original.id).response.status == 404


@pytest.mark.slow
def test_tincanpython_saves_profiles_without_a_concurrency_header(tincan_lrs):
    """save_activity_profile / save_agent_profile PUT without If-Match until the client has
    an ETag (xAPI 1.0.3 Communication 3.1.s4.b13: 409 only for an existing document)."""
    activity = Activity(id="https://mitra.id/courses/etika")
    profile = ActivityProfileDocument(id="silabus", activity=activity, content='{"weeks":4}',
                                      content_type="application/json")
    agent_profile = AgentProfileDocument(id="preferensi", agent=BUDI, content='{"bahasa":"id"}',
                                         content_type="application/json")

    _ok(tincan_lrs.save_activity_profile(profile))
    _ok(tincan_lrs.save_agent_profile(agent_profile))
    # TinCanPython never learns an ETag (it looks for "etag" in getheaders()' list of
    # pairs), so saving again is an unconditional PUT over an existing document: 409 by
    # Communication 3.1.s4.b13-b15, and the document stays as it was.
    profile.content = '{"weeks":5}'
    again = tincan_lrs.save_activity_profile(profile)

    assert again.response.status == 409
    stored = _ok(tincan_lrs.retrieve_activity_profile(activity, "silabus")).content
    assert json.loads(bytes(stored.content)) == {"weeks": 4}
    assert json.loads(bytes(_ok(tincan_lrs.retrieve_agent_profile(
        BUDI, "preferensi")).content.content)) == {"bahasa": "id"}


# --- the wire forms, on every engine ----------------------------------------------------
def _post(client, xapi, statement, version="1.0.3"):
    return client.post("/xapi/statements", json=statement, headers=xapi(version))


@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
@pytest.mark.parametrize("where", ["statement", "substatement"])
def test_empty_activity_definition_is_stored(client, xapi, version, where):
    activity = {"objectType": "Activity", "id": "https://mitra.id/a/kosong", "definition": {}}
    statement = make_statement(object=activity)
    if where == "substatement":
        statement = make_statement(object={"objectType": "SubStatement", "actor":
                                           statement["actor"], "verb": statement["verb"],
                                           "object": activity}, context=None)

    response = _post(client, xapi, statement, version)

    assert response.status_code == 200, response.json
    [stored_id] = response.json
    fetched = client.get("/xapi/statements", query_string={"statementId": stored_id},
                         headers=xapi(version)).json
    target = fetched["object"] if where == "statement" else fetched["object"]["object"]
    assert target["definition"] == {}


@pytest.mark.parametrize("statement_version", ["1.0", "1.0.0", "1.0.3", "1.0.9"])
def test_a_2_0_request_keeps_a_1_0_x_statement_version(client, xapi, statement_version):
    """2.0: "Statements returned by an LRS shall retain the version they are accepted with"."""
    response = _post(client, xapi, make_statement(version=statement_version), "2.0.0")

    assert response.status_code == 200, response.json
    fetched = client.get("/xapi/statements", query_string={"statementId": response.json[0]},
                         headers=xapi("2.0.0")).json
    assert fetched["version"] == statement_version


def test_a_2_0_request_still_refuses_other_statement_versions(client, xapi):
    response = _post(client, xapi, make_statement(version="1.1.0"), "2.0.0")

    assert response.status_code == 400
    assert response.json["error"]["pointer"] == "/version"


@pytest.mark.parametrize("name", ["ascending", "related_agents", "related_activities",
                                  "attachments"])
@pytest.mark.parametrize("spelling", ["True", "False"])
def test_python_boolean_spellings_are_accepted(client, xapi, name, spelling):
    query = f"activity=https%3A%2F%2Fmitra.id%2Fa%2F1&{name}={spelling}"

    response = client.get(f"/xapi/statements?{query}", headers=xapi())

    assert response.status_code == 200, response.json


def test_python_boolean_spellings_mean_what_they_say(client, xapi):
    ids = [_post(client, xapi, make_statement()).json[0] for _ in range(2)]

    newest_first = client.get("/xapi/statements?ascending=False", headers=xapi()).json
    oldest_first = client.get("/xapi/statements?ascending=True", headers=xapi()).json

    assert [s["id"] for s in newest_first["statements"]] == ids[::-1]
    assert [s["id"] for s in oldest_first["statements"]] == ids


@pytest.mark.parametrize("spelling", ["TRUE", "1", "yes", "tRue"])
def test_other_boolean_spellings_are_still_400(client, xapi, spelling):
    response = client.get(f"/xapi/statements?ascending={spelling}", headers=xapi())

    assert response.status_code == 400
    assert response.json["error"]["parameter"] == "ascending"


def test_since_with_a_space_form_encoded_as_plus_is_read(client, xapi):
    """TinCanPython sends str(datetime) through urlencode: `2026-12-03+10%3A00%3A00%2B00%3A00`."""
    stored = _post(client, xapi, make_statement()).json[0]
    since = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).replace(microsecond=0)
    encoded = str(since).replace(" ", "+").replace(":", "%3A").replace("+00%3A00", "%2B00%3A00")

    response = client.get(f"/xapi/statements?since={encoded}", headers=xapi())

    assert response.status_code == 200, response.json
    assert [s["id"] for s in response.json["statements"]] == [stored]


@pytest.mark.parametrize("url", ["/xapi/statements?", "/xapi/about?", "/xapi/activities/state?"
                                 "activityId=https%3A%2F%2Fmitra.id%2Fa%2F1&agent=%7B%22mbox"
                                 "%22%3A%22mailto%3Abudi%40example.go.id%22%7D&"])
def test_a_question_mark_with_an_empty_query_is_no_parameter(client, xapi, url):
    assert client.get(url, headers=xapi()).status_code == 200


def test_a_post_to_statements_with_an_empty_query_is_stored(client, xapi):
    response = client.post("/xapi/statements?", json=make_statement(), headers=xapi())

    assert response.status_code == 200


CACHE_BUSTED = [
    "/xapi/statements",
    "/xapi/about",
    "/xapi/activities?activityId=https%3A%2F%2Fmitra.id%2Fa%2F1",
    "/xapi/agents?agent=%7B%22mbox%22%3A%22mailto%3Abudi%40example.go.id%22%7D",
    "/xapi/activities/state?activityId=https%3A%2F%2Fmitra.id%2Fa%2F1&agent=%7B%22mbox%22%3A"
    "%22mailto%3Abudi%40example.go.id%22%7D",
    "/xapi/activities/profile?activityId=https%3A%2F%2Fmitra.id%2Fa%2F1",
    "/xapi/agents/profile?agent=%7B%22mbox%22%3A%22mailto%3Abudi%40example.go.id%22%7D",
]


@pytest.mark.parametrize("url", CACHE_BUSTED)
def test_cachebuster_is_ignored_on_every_get(client, xapi, url):
    """xAPI.js with useCacheBuster adds cachebuster=<Date.now()> to every GET."""
    if url.startswith("/xapi/activities?"):
        _post(client, xapi, make_statement(object={"id": "https://mitra.id/a/1"}))
    separator = "&" if "?" in url else "?"
    plain = client.get(url, headers=xapi())
    busted = client.get(f"{url}{separator}cachebuster=1764756000123", headers=xapi())

    assert plain.status_code == 200, plain.json
    assert (busted.status_code, busted.data) == (200, plain.data)


def test_cachebuster_is_ignored_on_a_more_link(client, xapi):
    for _ in range(3):
        _post(client, xapi, make_statement())
    first = client.get("/xapi/statements?limit=2", headers=xapi()).json

    busted = client.get(first["more"] + "&cachebuster=1764756000123", headers=xapi())

    assert busted.status_code == 200, busted.json
    assert len(busted.json["statements"]) == 1


def test_cachebuster_is_still_unknown_on_a_write(client, xapi):
    response = client.post("/xapi/statements?cachebuster=1", json=make_statement(),
                           headers=xapi())

    assert response.status_code == 400
    assert response.json["error"]["parameter"] == "cachebuster"


# --- conditional GET ----------------------------------------------------------------------
STATE = {"activityId": "https://mitra.id/a/1", "stateId": "bookmark",
         "agent": json.dumps({"mbox": "mailto:budi@example.go.id"})}


@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
def test_document_get_with_a_matching_if_none_match_is_304(client, xapi, version):
    client.put("/xapi/activities/state", query_string=STATE, data=b'{"page":3}',
               headers=xapi(version, **{"Content-Type": "application/json",
                                        "If-None-Match": "*"}))
    etag = client.get("/xapi/activities/state", query_string=STATE,
                      headers=xapi(version)).headers["ETag"]

    unchanged = client.get("/xapi/activities/state", query_string=STATE,
                           headers=xapi(version, **{"If-None-Match": etag}))
    other = client.get("/xapi/activities/state", query_string=STATE,
                       headers=xapi(version, **{"If-None-Match": '"' + "0" * 40 + '"'}))

    assert (unchanged.status_code, unchanged.data) == (304, b"")
    assert unchanged.headers["ETag"] == etag
    assert unchanged.headers["X-Experience-API-Version"]
    assert (other.status_code, other.json) == (200, {"page": 3})


def test_document_ids_get_with_a_matching_if_none_match_is_304(client, xapi):
    client.put("/xapi/activities/state", query_string=STATE, data=b"{}",
               headers=xapi(**{"Content-Type": "application/json"}))
    ids = {k: v for k, v in STATE.items() if k != "stateId"}
    etag = client.get("/xapi/activities/state", query_string=ids, headers=xapi()).headers["ETag"]

    again = client.get("/xapi/activities/state", query_string=ids,
                       headers=xapi(**{"If-None-Match": etag}))

    assert again.status_code == 304


@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
def test_statement_get_with_a_matching_if_none_match_is_304(client, xapi, version):
    stored = _post(client, xapi, make_statement(), version).json[0]
    single = client.get("/xapi/statements", query_string={"statementId": stored},
                        headers=xapi(version))
    page = client.get("/xapi/statements", headers=xapi(version))

    single_again = client.get("/xapi/statements", query_string={"statementId": stored},
                              headers=xapi(version, **{"If-None-Match": single.headers["ETag"]}))
    page_again = client.get("/xapi/statements",
                            headers=xapi(version, **{"If-None-Match": page.headers["ETag"]}))
    _post(client, xapi, make_statement(), version)
    page_after_a_new_statement = client.get(
        "/xapi/statements", headers=xapi(version, **{"If-None-Match": page.headers["ETag"]}))

    assert (single_again.status_code, single_again.data) == (304, b"")
    assert (page_again.status_code, page_again.data) == (304, b"")
    assert page_after_a_new_statement.status_code == 200
    assert len(page_after_a_new_statement.json["statements"]) == 2


def test_statement_etag_differs_by_format(client, xapi):
    stored = _post(client, xapi, make_statement()).json[0]
    exact = client.get("/xapi/statements", query_string={"statementId": stored},
                       headers=xapi())
    ids = client.get("/xapi/statements", query_string={"statementId": stored, "format": "ids"},
                     headers=xapi(**{"If-None-Match": exact.headers["ETag"]}))

    assert ids.status_code == 200
    assert ids.headers["ETag"] != exact.headers["ETag"]


# --- compression ---------------------------------------------------------------------------
def test_a_statements_page_is_gzipped_when_asked(client, xapi):
    client.post("/xapi/statements", json=[make_statement() for _ in range(20)], headers=xapi())

    zipped = client.get("/xapi/statements", headers=xapi(**{"Accept-Encoding": "gzip"}))
    plain = client.get("/xapi/statements", headers=xapi())

    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert json.loads(gzip.decompress(zipped.data)) == plain.json
    assert "Content-Encoding" not in plain.headers
    assert len(zipped.data) < len(plain.data) / 3


def test_a_large_document_is_gzipped_and_its_gzip_etag_still_writes(client, xapi):
    big = json.dumps({"notes": ["catatan pelatihan"] * 500}).encode()
    client.put("/xapi/activities/state", query_string=STATE, data=big,
               headers=xapi(**{"Content-Type": "application/json"}))

    zipped = client.get("/xapi/activities/state", query_string=STATE,
                        headers=xapi(**{"Accept-Encoding": "gzip"}))
    not_modified = client.get("/xapi/activities/state", query_string=STATE,
                              headers=xapi(**{"Accept-Encoding": "gzip",
                                              "If-None-Match": zipped.headers["ETag"]}))
    written = client.put("/xapi/activities/state", query_string=STATE, data=b'{"notes":[]}',
                         headers=xapi(**{"Content-Type": "application/json",
                                         "If-Match": zipped.headers["ETag"]}))

    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == big
    assert not_modified.status_code == 304
    assert written.status_code == 204


def test_a_small_document_is_not_compressed(client, xapi):
    client.put("/xapi/activities/state", query_string=STATE, data=b'{"page":1}',
               headers=xapi(**{"Content-Type": "application/json"}))

    response = client.get("/xapi/activities/state", query_string=STATE,
                          headers=xapi(**{"Accept-Encoding": "gzip"}))

    assert "Content-Encoding" not in response.headers
    assert response.data == b'{"page":1}'


def test_attachments_in_multipart_stay_uncompressed(client, xapi):
    from xapi_attachments import attachment_meta, multipart

    pdf = b"%PDF-1.7 " + b"sertifikat " * 500
    statement = make_statement(attachments=[attachment_meta(pdf)])
    body, content_type = multipart(statement, [("application/pdf", pdf,
                                                attachment_meta(pdf)["sha2"])])
    stored = client.post("/xapi/statements", data=body,
                         headers=xapi(**{"Content-Type": content_type})).json[0]

    response = client.get("/xapi/statements", query_string={"statementId": stored,
                                                             "attachments": "true"},
                          headers=xapi(**{"Accept-Encoding": "gzip"}))

    assert response.status_code == 200
    assert response.mimetype == "multipart/mixed"
    assert "Content-Encoding" not in response.headers
    assert pdf in response.data


# --- duplicate keys -----------------------------------------------------------------------
@pytest.mark.parametrize(("body", "key", "pointer"), [
    (b'{"actor":{"mbox":"mailto:a@b.id"},"verb":{"id":"http://adlnet.gov/expapi/verbs/'
     b'completed"},"object":{"id":"https://mitra.id/a/1"},"object":{"id":"https://mitra.id/'
     b'a/2"}}', "object", "/object"),
    (b'[{"actor":{"mbox":"mailto:a@b.id","mbox":"mailto:c@d.id"},"verb":{"id":"http://'
     b'adlnet.gov/expapi/verbs/completed"},"object":{"id":"https://mitra.id/a/1"}}]', "mbox",
     "/0/actor/mbox"),
    (b'{"actor":{"mbox":"mailto:a@b.id"},"verb":{"id":"http://adlnet.gov/expapi/verbs/'
     b'completed"},"object":{"id":"https://mitra.id/a/1"},"result":{"extensions":{"https://'
     b'x.id/e":{"n":1,"n":2}}}}', "n", "/result/extensions/https:~1~1x.id~1e/n"),
    # a colon spelt \u003a must not hide a repeated key from the fast check
    (b'{"actor":{"mbox":"mailto:a@b.id","name":"a\\u003ab"},"verb":{"id":"http://adlnet.gov/'
     b'expapi/verbs/completed"},"object":{"id":"https://mitra.id/a/1","id":"https://mitra.id'
     b'/a/1"}}', "id", "/object/id"),
])
def test_a_key_given_twice_is_400_naming_key_and_pointer(client, xapi, storage, body, key,
                                                         pointer):
    response = client.post("/xapi/statements", data=body,
                           headers=xapi(**{"Content-Type": "application/json"}))

    assert response.status_code == 400
    assert response.json["error"]["pointer"] == pointer
    assert repr(key) in response.json["error"]["message"]
    assert client.get("/xapi/statements", headers=xapi()).json["statements"] == []


def test_a_key_given_twice_in_a_document_is_400(client, xapi):
    response = client.put("/xapi/activities/state", query_string=STATE,
                          data=b'{"page":1,"page":2}',
                          headers=xapi(**{"Content-Type": "application/json"}))

    assert response.status_code == 400
    assert response.json["error"]["pointer"] == "/page"
    assert client.get("/xapi/activities/state", query_string=STATE,
                      headers=xapi()).status_code == 404


def test_a_key_given_twice_in_an_agent_parameter_is_400(client, xapi):
    agent = '{"mbox":"mailto:a@b.id","mbox":"mailto:c@d.id"}'

    response = client.get("/xapi/statements", query_string={"agent": agent}, headers=xapi())

    assert response.status_code == 400
    assert response.json["error"]["parameter"] == "agent"
    assert "'mbox'" in response.json["error"]["message"]


def test_the_same_text_in_two_keys_is_not_a_repeat(client, xapi):
    """Colons inside strings and keys that differ only by escapes are ordinary JSON."""
    statement = make_statement(result={"extensions": {"https://x.id/a:b": "c:d:e",
                                                      "https://x.id/a": {"k": "v"}}})

    response = client.post("/xapi/statements", data=json.dumps(statement, ensure_ascii=True),
                           headers=xapi(**{"Content-Type": "application/json"}))

    assert response.status_code == 200, response.json
    assert uuid.UUID(response.json[0])


def test_requests_from_the_library_clients_get_gzip_transparently(database_url):
    """requests (used by most Python integrations) asks for gzip by default and
    decompresses: nothing changes for such a client."""
    storage = open_hub_storage(database_url)
    issued = issue_credential(storage.credentials, name="requests", owner="Mitra",
                              scopes=["all"], authority_home_page="https://hub.test/partners")
    storage.dispose()
    auth = (issued.credential.key, issued.secret)
    headers = {"X-Experience-API-Version": "1.0.3"}
    with LiveHub(database_url, workers=1) as hub:
        posted = requests.post(f"{hub.url}/xapi/statements", auth=auth, headers=headers,
                               json=[make_statement() for _ in range(30)], timeout=10)
        page = requests.get(f"{hub.url}/xapi/statements", auth=auth, headers=headers,
                            timeout=10)
    assert posted.status_code == 200
    assert page.headers["Content-Encoding"] == "gzip"
    assert len(page.json()["statements"]) == 30
