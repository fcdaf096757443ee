"""Activities Resource, /xapi/activities, and how canonical definitions merge."""

from __future__ import annotations

import hashlib

import pytest

from lrs.activities import merge_definition
from tests.factories import make_statement

URL = "/xapi/activities"
COURSE = "http://example.com/courses/etika-asn"
QUIZ = {
    "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
    "interactionType": "choice",
    "correctResponsesPattern": ["b"],
    "choices": [{"id": "a", "description": {"id-ID": "Jujur"}},
                {"id": "b", "description": {"id-ID": "Adil"}}],
}


# --- merge_definition --------------------------------------------------------------------
def test_first_definition_is_taken_as_it_is():
    assert merge_definition(None, QUIZ) == QUIZ
    assert merge_definition({}, {"type": "t"}) == {"type": "t"}


def test_names_and_descriptions_are_merged_per_language():
    existing = {"name": {"id-ID": "Etika ASN", "en-US": "Ethics (old)"},
                "description": {"id-ID": "Kursus dasar"}}
    incoming = {"name": {"en-US": "Civil Service Ethics"}, "description": {"en-US": "Basics"}}

    merged = merge_definition(existing, incoming)

    assert merged == {"name": {"id-ID": "Etika ASN", "en-US": "Civil Service Ethics"},
                      "description": {"id-ID": "Kursus dasar", "en-US": "Basics"}}


def test_other_fields_come_from_the_newer_definition_and_absent_ones_stay():
    existing = {"type": "http://example.com/old", "moreInfo": "http://example.com/info",
                "extensions": {"http://example.com/x": 1, "http://example.com/y": 2}}
    incoming = {"type": "http://example.com/new", "extensions": {"http://example.com/x": 3}}

    merged = merge_definition(existing, incoming)

    assert merged == {"type": "http://example.com/new", "moreInfo": "http://example.com/info",
                      "extensions": {"http://example.com/x": 3}}


def test_interaction_components_keep_their_languages_and_follow_the_newer_list():
    incoming = {**QUIZ, "choices": [{"id": "b", "description": {"en-US": "Fair"}},
                                    {"id": "c", "description": {"en-US": "Brave"}}]}

    merged = merge_definition(QUIZ, incoming)

    assert merged["choices"] == [{"id": "b", "description": {"id-ID": "Adil", "en-US": "Fair"}},
                                 {"id": "c", "description": {"en-US": "Brave"}}]


def test_merge_leaves_its_inputs_alone():
    existing = {"name": {"id-ID": "A"}}
    incoming = {"name": {"en-US": "B"}}

    merge_definition(existing, incoming)["name"]["xx"] = "changed"

    assert (existing, incoming) == ({"name": {"id-ID": "A"}}, {"name": {"en-US": "B"}})


# --- GET /xapi/activities ------------------------------------------------------------------
def learn(storage, definitions):
    storage.activities.upsert_activity_definitions(definitions, merge_definition)


def test_defined_activity_returns_its_canonical_definition(storage, client, xapi):
    learn(storage, {COURSE: {"name": {"id-ID": "Etika ASN"}}})
    learn(storage, {COURSE: {"name": {"en-US": "Civil Service Ethics"}}})

    response = client.get(URL, query_string={"activityId": COURSE}, headers=xapi())

    assert response.status_code == 200
    assert response.json == {"objectType": "Activity", "id": COURSE, "definition": {
        "name": {"id-ID": "Etika ASN", "en-US": "Civil Service Ethics"}}}
    assert response.headers["ETag"] == '"' + hashlib.sha1(response.data).hexdigest() + '"'
    assert response.last_modified is not None


@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
def test_activity_known_by_id_only_is_a_bare_activity(storage, client, xapi, version):
    learn(storage, {COURSE: {}})

    response = client.get(URL, query_string={"activityId": COURSE}, headers=xapi(version))

    assert response.status_code == 200
    assert response.json == {"objectType": "Activity", "id": COURSE}


def test_never_seen_activity_is_404_in_1_0_3(client, xapi):
    response = client.get(URL, query_string={"activityId": COURSE}, headers=xapi("1.0.3"))

    assert response.status_code == 404
    assert response.json["error"]["parameter"] == "activityId"


def test_never_seen_activity_is_a_bare_activity_in_2_0(client, xapi):
    response = client.get(URL, query_string={"activityId": COURSE}, headers=xapi("2.0.0"))

    assert response.status_code == 200
    assert response.json == {"objectType": "Activity", "id": COURSE}


@pytest.mark.parametrize(("query", "parameter"), [
    ({}, "activityId"),
    ({"activityId": "etika asn"}, "activityId"),
    ({"activityId": COURSE, "activityid": COURSE}, "activityid"),
    ({"activityId": COURSE, "agent": "{}"}, "agent"),
])
def test_bad_parameters_are_400(client, xapi, query, parameter):
    response = client.get(URL, query_string=query, headers=xapi())

    assert response.status_code == 400
    assert response.json["error"]["parameter"] == parameter


def test_a_parameter_in_another_case_is_400_citing_the_rule(client, xapi):
    response = client.get(URL, query_string={"activityid": COURSE}, headers=xapi())

    assert response.status_code == 400
    assert response.json["error"]["rule"] == "xAPI 1.0.3 Communication 3.2.s3.b7"
    assert "did you mean 'activityId'?" in response.json["error"]["message"]


@pytest.mark.parametrize(("scopes", "status"), [
    (("statements/read/mine",), 200),
    (("state",), 200),
    (("profile",), 200),
    (("all/read",), 200),
    (("statements/write",), 403),
    (("define",), 403),
])
def test_any_read_scope_may_read_activities(client, xapi, make_credential, scopes, status):
    credential = make_credential(*scopes)

    response = client.get(URL, query_string={"activityId": COURSE},
                          headers=xapi("2.0.0", credential=credential))

    assert response.status_code == status


# --- learned from statements ---------------------------------------------------------------
def post_statement(client, xapi, credential, activity):
    response = client.post("/xapi/statements", json=make_statement(object=activity),
                           headers=xapi(credential=credential))
    assert response.status_code == 200, response.json


def test_statements_from_a_define_credential_teach_the_definition(client, xapi, make_credential):
    definer = make_credential("statements/write", "define")
    for name in ({"id-ID": "Etika"}, {"en-US": "Ethics"}):
        post_statement(client, xapi, definer, {"id": COURSE, "definition": {"name": name}})

    response = client.get(URL, query_string={"activityId": COURSE}, headers=xapi())

    assert response.json["definition"] == {"name": {"id-ID": "Etika", "en-US": "Ethics"}}


def test_statements_without_define_make_the_activity_known_but_not_defined(
        client, xapi, make_credential):
    writer = make_credential("statements/write")
    post_statement(client, xapi, writer, {"id": COURSE, "definition": {"name": {"id-ID": "Etika"}}})

    response = client.get(URL, query_string={"activityId": COURSE}, headers=xapi("1.0.3"))

    assert response.status_code == 200
    assert response.json == {"objectType": "Activity", "id": COURSE}
