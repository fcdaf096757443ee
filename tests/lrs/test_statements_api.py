"""The Statement resource over HTTP, on every engine.  Each test names the rule it pins."""

from __future__ import annotations

import copy
import json
import uuid

import pytest
from factories import (
    VERB_NAMES_ID,
    VERBS,
    make_activity,
    make_agent,
    make_statement,
    make_verb,
    voiding,
)

from hub.app import create_app

URL = "/xapi/statements"


def post(client, headers, body, **kwargs):
    return client.post(URL, data=json.dumps(body), content_type="application/json",
                       headers=headers, **kwargs)


def put(client, headers, statement_id, body):
    return client.put(f"{URL}?statementId={statement_id}", data=json.dumps(body),
                      content_type="application/json", headers=headers)


def stored_ids(client, headers, **params):
    response = client.get(URL, query_string=params, headers=headers)
    assert response.status_code == 200, response.json
    return [s["id"] for s in response.json["statements"]]


# --- storing --------------------------------------------------------------------
def test_post_of_one_statement_returns_its_new_id(client, xapi):
    response = post(client, xapi(), make_statement())
    assert response.status_code == 200
    [statement_id] = response.json
    assert uuid.UUID(statement_id)


def test_post_of_a_batch_returns_ids_in_request_order(client, xapi):
    given = [str(uuid.uuid4()), None, str(uuid.uuid4())]
    batch = [make_statement(id=i) if i else make_statement() for i in given]
    response = post(client, xapi(), batch)
    assert response.status_code == 200
    assert response.json[0] == given[0] and response.json[2] == given[2]
    assert len(response.json) == 3


def test_put_stores_the_statement_under_statement_id(client, xapi):
    statement_id = str(uuid.uuid4())
    assert put(client, xapi(), statement_id, make_statement()).status_code == 204
    response = client.get(URL, query_string={"statementId": statement_id}, headers=xapi())
    assert response.status_code == 200
    assert response.json["id"] == statement_id


def test_put_without_statement_id_is_rejected(client, xapi):
    response = client.put(URL, data=json.dumps(make_statement()),
                          content_type="application/json", headers=xapi())
    assert response.status_code == 400
    assert response.json["error"]["parameter"] == "statementId"


def test_put_with_an_id_differing_from_statement_id_is_rejected(client, xapi):
    response = put(client, xapi(), str(uuid.uuid4()), make_statement(id=str(uuid.uuid4())))
    assert response.status_code == 400
    assert response.json["error"]["pointer"] == "/id"


def test_same_id_and_same_content_again_is_accepted_without_a_second_copy(client, xapi):
    statement = make_statement(id=str(uuid.uuid4()))
    assert post(client, xapi(), statement).status_code == 200
    assert post(client, xapi(), statement).status_code == 200
    assert put(client, xapi(), statement["id"], statement).status_code == 204
    assert stored_ids(client, xapi()) == [statement["id"]]


def test_same_id_with_different_content_is_a_conflict(client, xapi):
    statement = make_statement(id=str(uuid.uuid4()))
    post(client, xapi(), statement)
    response = post(client, xapi(), dict(statement, verb={"id": VERBS["failed"]}))
    assert response.status_code == 409
    assert response.json["error"]["code"] == "conflict"


@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
def test_a_single_context_activity_is_returned_as_an_array_of_one(client, xapi, version):
    """1.0.3 Data 2.4.6.2.s4, 2.0 §4.2.4.2 (conformance XAPI-00096): in a SubStatement
    too; the same statement sent with the array form is the same statement."""
    programme = {"objectType": "Activity", "id": "https://akademi.example.id/program/etika"}
    sub = {"objectType": "SubStatement", "actor": make_agent(), "verb": make_verb(),
           "object": make_activity("etika-publik"),
           "context": {"contextActivities": {"grouping": programme}}}
    statement = make_statement(id=str(uuid.uuid4()), object=sub,
                               context={"contextActivities": {"parent": programme,
                                                              "category": [programme]}})
    assert post(client, xapi(version), statement).status_code == 200
    for fmt in ("exact", "canonical", "ids"):
        stored = client.get(URL, query_string={"statementId": statement["id"], "format": fmt},
                            headers=xapi(version)).json
        activities = stored["context"]["contextActivities"]
        assert isinstance(activities["parent"], list) and len(activities["parent"]) == 1
        assert isinstance(activities["category"], list)
        grouping = stored["object"]["context"]["contextActivities"]["grouping"]
        assert isinstance(grouping, list) and grouping[0]["id"] == programme["id"]
    as_lists = copy.deepcopy(statement)
    as_lists["context"]["contextActivities"]["parent"] = [programme]
    as_lists["object"]["context"]["contextActivities"]["grouping"] = [programme]
    assert put(client, xapi(version), statement["id"], as_lists).status_code == 204


def test_duration_precision_beyond_hundredths_is_left_out_of_the_comparison(client, xapi):
    """xAPI 1.0.3 Data 4.6, 2.0 §4.2.7: durations compare to 0.01 s."""
    statement = make_statement(id=str(uuid.uuid4()))
    statement["result"]["duration"] = "P1DT12H36M0.1237S"
    assert post(client, xapi(), statement).status_code == 200
    statement["result"]["duration"] = "P1DT12H36M0.12S"
    assert put(client, xapi(), statement["id"], statement).status_code == 204
    statement["result"]["duration"] = "P1DT12H36M0.13S"
    assert put(client, xapi(), statement["id"], statement).status_code == 409


def test_a_batch_with_one_invalid_statement_stores_nothing(client, xapi):
    bad = make_statement()
    bad["actor"] = {"objectType": "Agent", "name": "no identifier"}
    response = post(client, xapi(), [make_statement(), bad])
    assert response.status_code == 400
    assert response.json["error"]["pointer"].startswith("/1/actor")
    assert stored_ids(client, xapi()) == []


def test_a_batch_with_a_repeated_id_is_rejected_and_stores_nothing(client, xapi):
    same = str(uuid.uuid4())
    response = post(client, xapi(), [make_statement(id=same), make_statement(id=same)])
    assert response.status_code == 400
    assert response.json["error"]["pointer"] == "/1/id"
    assert stored_ids(client, xapi()) == []


def test_empty_batch_is_rejected(client, xapi):
    assert post(client, xapi(), []).status_code == 400


def test_body_that_is_not_json_is_rejected(client, xapi):
    response = client.post(URL, data="{nope", content_type="application/json", headers=xapi())
    assert response.status_code == 400
    assert response.json["error"]["pointer"] == ""


@pytest.mark.parametrize("content_type", ["text/plain", "multipart/form-data; boundary=x",
                                          "application/x-www-form-urlencoded"])
def test_a_body_neither_json_nor_multipart_mixed_is_400(client, xapi, content_type):
    """xAPI 1.0.3 Communication 1.5.1 (XAPI-00127): 400, not 415, and nothing stored."""
    response = client.post(URL, data="x=1", content_type=content_type, headers=xapi())
    assert response.status_code == 400
    assert response.json["error"]["header"] == "Content-Type"


# --- what the LRS sets ----------------------------------------------------------
def test_lrs_sets_stored_authority_version_and_a_missing_timestamp(client, xapi):
    forged = {"objectType": "Agent", "mbox": "mailto:forger@example.com"}
    [statement_id] = post(client, xapi(), make_statement(timestamp=None,
                                                         authority=forged)).json
    stored = client.get(URL, query_string={"statementId": statement_id}, headers=xapi()).json
    assert stored["authority"] == xapi.credential["authority"]
    assert stored["version"] == "1.0.0"
    assert stored["timestamp"] == stored["stored"]
    assert stored["stored"].endswith("Z")


def test_version_2_statements_get_version_2_and_utc_timestamps(client, xapi):
    statement = make_statement(timestamp="2026-03-14T09:30:00.123+07:00")
    [statement_id] = post(client, xapi("2.0.0"), statement).json
    stored = client.get(URL, query_string={"statementId": statement_id},
                        headers=xapi("2.0.0")).json
    assert stored["version"] == "2.0.0"
    assert stored["timestamp"] == "2026-03-14T02:30:00.123Z"


def test_single_get_carries_last_modified_and_consistent_through(client, xapi):
    [statement_id] = post(client, xapi(), make_statement()).json
    response = client.get(URL, query_string={"statementId": statement_id}, headers=xapi())
    assert response.headers["Last-Modified"]
    assert response.headers["X-Experience-API-Consistent-Through"].endswith("Z")


def test_head_answers_like_get_without_a_body(client, xapi):
    [statement_id] = post(client, xapi(), make_statement()).json
    response = client.head(URL, query_string={"statementId": statement_id}, headers=xapi())
    assert response.status_code == 200
    assert response.data == b""
    assert response.headers["X-Experience-API-Consistent-Through"]


def test_missing_statement_is_404(client, xapi):
    response = client.get(URL, query_string={"statementId": str(uuid.uuid4())}, headers=xapi())
    assert response.status_code == 404


# --- voiding -------------------------------------------------------------------
def test_voided_statement_is_fetched_only_by_voided_statement_id(client, xapi):
    [target] = post(client, xapi(), make_statement()).json
    [void] = post(client, xapi(), voiding(target)).json
    assert client.get(URL, query_string={"statementId": target},
                      headers=xapi()).status_code == 404
    response = client.get(URL, query_string={"voidedStatementId": target}, headers=xapi())
    assert response.status_code == 200 and response.json["id"] == target
    assert stored_ids(client, xapi()) == [void]


def test_voiding_statement_cannot_be_fetched_by_voided_statement_id(client, xapi):
    [void] = post(client, xapi(), voiding(str(uuid.uuid4()))).json
    response = client.get(URL, query_string={"voidedStatementId": void}, headers=xapi())
    assert response.status_code == 404


def test_a_voiding_statement_cannot_void_a_voiding_statement(client, xapi):
    [void] = post(client, xapi(), voiding(str(uuid.uuid4()))).json
    response = post(client, xapi(), voiding(void))
    assert response.status_code == 400
    assert response.json["error"]["pointer"] == "/object/id"


def test_statements_referencing_a_matching_statement_match_the_filter(client, xapi):
    ben = make_agent(name="Ben")
    [target] = post(client, xapi(), make_statement(actor=ben)).json
    [ref] = post(client, xapi(), make_statement(
        actor=make_agent(name="Andrew"), context=None,
        object={"objectType": "StatementRef", "id": target})).json
    assert stored_ids(client, xapi(), agent=json.dumps(ben)) == [ref, target]


# --- queries ----------------------------------------------------------------------
@pytest.fixture
def learning(client, xapi):
    """Three statements: Siti completed A, Siti failed B (in a group), Budi completed A."""
    siti, budi = make_agent(name="Siti"), make_agent(name="Budi")
    registration = str(uuid.uuid4())
    a, b = make_activity("a"), make_activity("b")
    group = {"objectType": "Group", "name": "Tim", "member": [siti]}
    statements = [
        make_statement(actor=siti, object=a),
        make_statement(verb="failed", actor=group, object=b,
                       context={"registration": registration,
                                "instructor": budi,
                                "contextActivities": {"grouping": [a]}}),
        make_statement(actor=budi, object=a),
    ]
    ids = post(client, xapi(), statements).json
    return {"ids": ids, "siti": siti, "budi": budi, "a": a["id"], "b": b["id"],
            "registration": registration}


def test_query_returns_newest_first_and_ascending_on_request(client, xapi, learning):
    assert stored_ids(client, xapi()) == learning["ids"][::-1]
    assert stored_ids(client, xapi(), ascending="true") == learning["ids"]


def test_agent_filter_matches_actor_and_group_members(client, xapi, learning):
    ids = learning["ids"]
    assert stored_ids(client, xapi(), agent=json.dumps(learning["siti"])) == [ids[1], ids[0]]


def test_related_agents_also_matches_instructors(client, xapi, learning):
    ids = learning["ids"]
    budi = json.dumps(learning["budi"])
    assert stored_ids(client, xapi(), agent=budi) == [ids[2]]
    assert stored_ids(client, xapi(), agent=budi, related_agents="true") == [ids[2], ids[1]]


def test_activity_filter_and_related_activities(client, xapi, learning):
    ids = learning["ids"]
    assert stored_ids(client, xapi(), activity=learning["a"]) == [ids[2], ids[0]]
    assert stored_ids(client, xapi(), activity=learning["a"],
                      related_activities="true") == ids[::-1]


def test_verb_and_registration_filters(client, xapi, learning):
    ids = learning["ids"]
    assert stored_ids(client, xapi(), verb=VERBS["failed"]) == [ids[1]]
    assert stored_ids(client, xapi(), registration=learning["registration"]) == [ids[1]]
    assert stored_ids(client, xapi(), verb=VERBS["completed"],
                      agent=json.dumps(learning["budi"])) == [ids[2]]


def test_limit_and_more_links_walk_every_page(client, xapi, learning):
    response = client.get(URL, query_string={"limit": 2}, headers=xapi())
    first = response.json
    assert len(first["statements"]) == 2 and first["more"].startswith("/xapi/statements?more=")
    second = client.get(first["more"], headers=xapi()).json
    assert [s["id"] for s in first["statements"] + second["statements"]] == learning["ids"][::-1]
    assert second["more"] == ""


def test_a_more_token_changed_by_the_client_is_400(client, xapi, learning):
    """`more` tokens are signed: a client cannot resume a query with other filters."""
    import base64

    more = client.get(URL, query_string={"limit": 1}, headers=xapi()).json["more"]
    token = more.split("more=", 1)[1]
    payload, signature = token.split(".")
    state = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    state["limit"] = 10**9
    forged = base64.urlsafe_b64encode(json.dumps(state).encode()).decode().rstrip("=")
    for bad in (f"{forged}.{signature}", payload, "garbage"):
        response = client.get(URL, query_string={"more": bad}, headers=xapi())
        assert response.status_code == 400
        assert response.json["error"]["parameter"] == "more"
    assert client.get(more, headers=xapi()).status_code == 200


def test_more_link_keeps_the_path_prefix_the_hub_is_mounted_under(client, xapi, learning):
    """Behind a proxy that mounts the hub at /lrs (SCRIPT_NAME), `more` still resolves."""
    response = client.get(URL, query_string={"limit": 2}, headers=xapi(),
                          environ_overrides={"SCRIPT_NAME": "/lrs"})
    assert response.json["more"].startswith("/lrs/xapi/statements?more=")


def test_since_and_until_bound_the_stored_time(client, xapi, learning):
    newest = client.get(URL, query_string={"limit": 1}, headers=xapi()).json["statements"][0]
    assert stored_ids(client, xapi(), since=newest["stored"]) == []
    assert newest["id"] in stored_ids(client, xapi(), until=newest["stored"])


def test_format_ids_reduces_agents_activities_and_verbs(client, xapi, learning):
    response = client.get(URL, query_string={"format": "ids", "limit": 1}, headers=xapi())
    statement = response.json["statements"][0]
    assert statement["verb"] == {"id": VERBS["completed"]}
    assert statement["object"] == {"id": learning["a"]}  # "the Activity id"
    assert "name" not in statement["actor"]
    assert statement["context"]["contextActivities"]["parent"] == [
        {"id": "https://akademi.example.id/program/kepemimpinan"}]


def _sub_statement_posted(client, headers):
    group = {"objectType": "Group", "name": "Tim Evaluasi",
             "mbox": "mailto:tim-evaluasi@example.go.id"}
    sub = {"objectType": "SubStatement", "actor": group, "verb": make_verb("completed"),
           "object": make_activity("etika-publik"),
           "context": {"instructor": make_agent(name="Pengajar"),
                       "contextActivities": {"parent": [make_activity("program-etika")]}}}
    statement = make_statement(verb="experienced", object=sub)
    del statement["context"]["platform"]  # only for Activity objects (Data 2.4.6)
    response = client.post(URL, json=statement, headers=headers)
    assert response.status_code == 200, response.json
    return response.json[0]


def test_format_ids_reduces_inside_a_sub_statement_too(client, xapi):
    """XAPI-00171: the SubStatement's Group keeps objectType + IFI, its Activity only the id."""
    statement_id = _sub_statement_posted(client, xapi())
    statement = client.get(URL, query_string={"statementId": statement_id, "format": "ids"},
                           headers=xapi()).json
    sub = statement["object"]
    assert sub["actor"] == {"objectType": "Group", "mbox": "mailto:tim-evaluasi@example.go.id"}
    assert sub["verb"] == {"id": VERBS["completed"]}
    assert sub["object"] == {"id": "https://akademi.example.id/kelas/etika-publik"}
    assert "name" not in sub["context"]["instructor"]
    assert sub["context"]["contextActivities"]["parent"] == [
        {"id": "https://akademi.example.id/kelas/program-etika"}]


def test_format_canonical_reduces_the_sub_statement_verb_display(client, xapi):
    """XAPI-00169: one language in every language map, the SubStatement's verb included."""
    statement_id = _sub_statement_posted(client, xapi())
    statement = client.get(URL, query_string={"statementId": statement_id,
                                              "format": "canonical"},
                           headers=xapi(**{"Accept-Language": "id-ID"})).json
    assert statement["verb"]["display"] == {"id-ID": VERB_NAMES_ID["experienced"]}
    assert statement["object"]["verb"]["display"] == {"id-ID": VERB_NAMES_ID["completed"]}


def test_format_canonical_keeps_one_language_chosen_by_accept_language(client, xapi, learning):
    response = client.get(URL, query_string={"format": "canonical", "limit": 1},
                          headers=xapi(**{"Accept-Language": "en-US"}))
    definition = response.json["statements"][0]["object"]["definition"]
    assert definition["name"] == {"en-US": "Public Policy Analysis"}


def test_unknown_query_parameter_is_named_in_the_error(client, xapi):
    response = client.get(URL, query_string={"actor": "x"}, headers=xapi())
    assert response.status_code == 400
    assert response.json["error"]["parameter"] == "actor"


def test_a_parameter_in_another_case_is_400_naming_the_one_meant(client, xapi):
    # xAPI 1.0.3 Communication 3.2.s3.b8: names differing only in case are refused.
    response = client.get(URL, query_string={"Verb": VERBS["passed"]}, headers=xapi())
    assert response.status_code == 400
    assert response.json["error"]["parameter"] == "Verb"
    assert "did you mean 'verb'?" in response.json["error"]["message"]


def test_an_id_with_a_query_filter_cites_the_rule(client, xapi):
    response = client.get(URL, query_string={"statementId": str(uuid.uuid4()), "agent": "{}"},
                          headers=xapi())
    assert response.status_code == 400
    assert response.json["error"]["rule"] == "xAPI 1.0.3 Communication 2.1.3.s2.b2"


@pytest.mark.parametrize("params, name", [
    ({"statementId": "x", "voidedStatementId": "y"}, "voidedStatementId"),
    ({"statementId": str(uuid.uuid4()), "verb": VERBS["passed"]}, "verb"),
    ({"agent": "{not json"}, "agent"),
    ({"agent": json.dumps({"name": "no ifi"})}, "agent"),
    ({"registration": "not-a-uuid"}, "registration"),
    ({"since": "yesterday"}, "since"),
    ({"limit": "-1"}, "limit"),
    ({"format": "full"}, "format"),
    ({"ascending": "yes"}, "ascending"),
    ({"more": "garbage"}, "more"),
])
def test_bad_query_parameters_are_400_naming_the_parameter(client, xapi, params, name):
    response = client.get(URL, query_string=params, headers=xapi())
    assert response.status_code == 400, response.json
    assert response.json["error"]["parameter"] == name


# --- access -------------------------------------------------------------------------
def test_statements_write_cannot_read(client, xapi, make_credential):
    writer = make_credential("statements/write")
    assert client.get(URL, headers=xapi(credential=writer)).status_code == 403


def test_read_mine_sees_only_what_its_authority_stored(client, xapi, make_credential):
    mine = make_credential("statements/write", "statements/read/mine", name="Mine")
    [own] = post(client, xapi(credential=mine), make_statement()).json
    [other] = post(client, xapi(), make_statement()).json
    assert stored_ids(client, xapi(credential=mine)) == [own]
    single = client.get(URL, query_string={"statementId": other}, headers=xapi(credential=mine))
    assert single.status_code == 404


def test_all_read_reads_but_cannot_write(client, xapi, make_credential):
    reader = make_credential("all/read")
    post(client, xapi(), make_statement())
    assert len(stored_ids(client, xapi(credential=reader))) == 1
    assert post(client, xapi(credential=reader), make_statement()).status_code == 403


# --- lenient clients ------------------------------------------------------------------
@pytest.mark.parametrize("version", ["1.0.0", "1.0.1", "1.0.2", "1.0"])
def test_older_1_0_versions_are_served_as_1_0_3(client, xapi, version):
    response = post(client, xapi(version), make_statement())
    assert response.status_code == 200
    assert response.headers["X-Experience-API-Version"] == "1.0.3"


def test_json_with_a_charset_and_a_trailing_slash_is_accepted(client, xapi):
    response = client.post(URL + "/", data=json.dumps(make_statement()),
                           content_type="application/json; charset=utf-8", headers=xapi())
    assert response.status_code == 200


# --- alternate request syntax (1.0.3 only) ------------------------------------------
def test_alternate_syntax_put_is_stored(client, xapi):
    statement_id = str(uuid.uuid4())
    headers = xapi()
    response = client.post(URL + "?method=PUT", data={
        "statementId": statement_id, "content": json.dumps(make_statement()),
        "Authorization": headers["Authorization"], "X-Experience-API-Version": "1.0.3"})
    assert response.status_code == 204, response.json
    assert stored_ids(client, xapi()) == [statement_id]


def test_alternate_syntax_get_queries(client, xapi):
    post(client, xapi(), make_statement())
    response = client.post(URL + "?method=GET", data={"limit": "1"}, headers=xapi())
    assert response.status_code == 200
    assert len(response.json["statements"]) == 1


def test_alternate_syntax_with_extra_query_parameters_is_rejected(client, xapi):
    response = client.post(URL + f"?method=PUT&statementId={uuid.uuid4()}",
                           data={"content": json.dumps(make_statement())}, headers=xapi())
    assert response.status_code == 400


def test_alternate_syntax_is_rejected_in_xapi_2(client, xapi):
    response = client.post(URL + "?method=GET", data={"limit": "1"}, headers=xapi("2.0.0"))
    assert response.status_code == 400
    assert response.headers["X-Experience-API-Version"] == "2.0.0"


# --- learning activity definitions (define scope) ------------------------------------
def test_canonical_format_uses_the_definition_learned_from_a_define_credential(client, xapi):
    richer = make_activity()
    richer["definition"]["name"] = {"id-ID": "Analisis Kebijakan", "en-GB": "Policy Analysis"}
    post(client, xapi(), make_statement(object=richer))
    bare = {"objectType": "Activity", "id": richer["id"]}
    [statement_id] = post(client, xapi(), make_statement(object=bare)).json
    response = client.get(URL, query_string={"statementId": statement_id, "format": "canonical"},
                          headers=xapi(**{"Accept-Language": "en-GB"}))
    assert response.json["object"]["definition"]["name"] == {"en-GB": "Policy Analysis"}
    exact = client.get(URL, query_string={"statementId": statement_id}, headers=xapi())
    assert "definition" not in exact.json["object"]


def test_without_define_scope_a_statement_does_not_change_definitions(client, xapi,
                                                                        make_credential):
    writer = make_credential("statements/write")
    activity = make_activity()
    activity["definition"]["name"] = {"en-US": "Renamed by a partner"}
    post(client, xapi(credential=writer), make_statement(object=activity))
    learned = client.get("/xapi/activities", query_string={"activityId": activity["id"]},
                         headers=xapi())
    assert learned.status_code == 200
    assert "definition" not in learned.json or "name" not in learned.json["definition"]


def test_page_size_applies_without_limit_and_limit_zero_means_the_maximum(app_config, xapi):
    small = create_app({**app_config, "statement_page_size": 2, "statement_page_max": 3})
    client = small.test_client()
    post(client, xapi(), [make_statement() for _ in range(4)])
    assert len(client.get(URL, headers=xapi()).json["statements"]) == 2
    assert len(client.get(URL, query_string={"limit": 0}, headers=xapi()).json["statements"]) == 3
    assert len(client.get(URL, query_string={"limit": 9}, headers=xapi()).json["statements"]) == 3
    assert len(client.get(URL, query_string={"limit": 1}, headers=xapi()).json["statements"]) == 1
