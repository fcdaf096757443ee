"""Hostile input never yields a 500 and never a partial write (hypothesis)."""

from __future__ import annotations

import json

from factories import make_statement
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

URL = "/xapi/statements"
FUZZ = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)  # JSON has neither
    | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)


def paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from paths(child, (*prefix, index))


@st.composite
def mutated_statements(draw):
    statement = make_statement()
    path = draw(st.sampled_from([p for p in paths(statement) if p]))
    parent = statement
    for step in path[:-1]:
        parent = parent[step]
    action = draw(st.sampled_from(["delete", "replace"]))
    if action == "delete" and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = draw(json_values)
    return statement


def statement_count(storage) -> int:
    return storage.statements.max_statement_seq() or 0


def test_mutated_statements_get_2xx_or_4xx_and_rejections_store_nothing(client, xapi, storage):
    @FUZZ
    @given(bad=mutated_statements(), version=st.sampled_from(["1.0.3", "2.0.0"]))
    def check(bad, version):
        before = statement_count(storage)
        response = client.post(URL, data=json.dumps([make_statement(), bad]),
                               content_type="application/json", headers=xapi(version))
        assert response.status_code in (200, 400), response.data
        assert response.json is not None
        if response.status_code == 400:
            assert statement_count(storage) == before
            assert response.json["error"]["pointer"].startswith("/")

    check()


def test_arbitrary_json_bodies_never_cause_a_500(client, xapi, storage):
    @FUZZ
    @given(body=json_values)
    def check(body):
        before = statement_count(storage)
        response = client.post(URL, data=json.dumps(body), content_type="application/json",
                               headers=xapi())
        assert response.status_code == 400, response.data
        assert statement_count(storage) == before

    check()


def test_arbitrary_bytes_never_cause_a_500(client, xapi):
    @FUZZ
    @given(body=st.binary(max_size=200),
           content_type=st.sampled_from(["application/json", "multipart/mixed; boundary=x",
                                         "multipart/mixed"]))
    def check(body, content_type):
        response = client.post(URL, data=body, content_type=content_type, headers=xapi())
        assert response.status_code in (400, 413), response.data

    check()


PARAMETERS = ["agent", "verb", "activity", "registration", "related_activities",
              "related_agents", "since", "until", "limit", "format", "attachments",
              "ascending", "statementId", "voidedStatementId", "more", "bogus"]


def test_arbitrary_query_strings_never_cause_a_500(client, xapi):
    @FUZZ
    @given(params=st.dictionaries(st.sampled_from(PARAMETERS),
                                  st.text(max_size=30) | json_values.map(json.dumps),
                                  max_size=4))
    def check(params):
        response = client.get(URL, query_string=params, headers=xapi())
        assert response.status_code in (200, 400, 404), response.data

    check()
