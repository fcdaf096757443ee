"""Hostile input never escapes StatementValidator as anything but BadRequest.

Arbitrary JSON, valid statements with one part replaced, removed or added, and arbitrary
text in every formatted field: each either validates or raises BadRequest.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from factories import make_agent, make_statement
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.errors import BadRequest
from lrs.validation import StatementValidator

VERSIONS = ("1.0.3", "2.0.0")
FUZZ = settings(max_examples=300, deadline=timedelta(seconds=2),
                suppress_health_check=[HealthCheck.function_scoped_fixture])

scalars = (st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40)
           | st.sampled_from(["Agent", "Group", "SubStatement", "StatementRef", "Activity",
                              "mailto:a@b.co", "http://example.com/x", "2024-01-01T00:00:00Z",
                              "8f87ccde-bb56-4c2e-ab83-44982ef22df0", "PT1H", "en-US"]))
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=20) | st.sampled_from(["objectType", "id", "mbox",
                                                               "member", "account"]),
                      children, max_size=4),
    max_leaves=20,
)


@pytest.fixture(scope="module")
def validator() -> StatementValidator:
    return StatementValidator()


def outcome(check, value, version) -> str:
    try:
        check(value, version)
    except BadRequest as error:
        assert error.pointer is not None or error.parameter is not None
        assert error.rule
        return "rejected"
    return "accepted"


def paths(node, prefix=()):
    """Every (container path, key) in a statement, so a mutation can aim at any part."""
    if isinstance(node, dict):
        items = node.items()
    elif isinstance(node, list):
        items = enumerate(node)
    else:
        return
    for key, child in items:
        yield prefix, key
        yield from paths(child, (*prefix, key))


def rich_statement(version):
    statement = make_statement(attachments=[{
        "usageType": "https://berpijar.id/xapi/attachments/certificate",
        "display": {"id-ID": "Sertifikat"}, "contentType": "application/pdf",
        "length": 10, "sha2": "0" * 64}])
    statement["object"]["definition"].update(
        interactionType="choice", correctResponsesPattern=["a"],
        choices=[{"id": "a", "description": {"en-US": "A"}}])
    if version == "2.0.0":
        statement["context"]["contextAgents"] = [
            {"objectType": "contextAgent", "agent": make_agent("196501011990031001"),
             "relevantTypes": ["https://berpijar.id/xapi/relevant-types/widyaiswara"]}]
    return statement


def locate(statement, path):
    node = statement
    for key in path:
        node = node[key]
    return node


@FUZZ
@given(value=json_values, version=st.sampled_from(VERSIONS))
def test_arbitrary_json_is_accepted_or_a_bad_request(validator, value, version):
    outcome(validator.validate_statement, value, version)


@FUZZ
@given(value=json_values, version=st.sampled_from(VERSIONS))
def test_arbitrary_agent_parameter_is_accepted_or_a_bad_request(validator, value, version):
    outcome(validator.validate_agent, value, version)


@FUZZ
@given(data=st.data(), version=st.sampled_from(VERSIONS),
       action=st.sampled_from(["replace", "remove", "add"]))
def test_mutated_statement_is_accepted_or_a_bad_request(validator, data, version, action):
    statement = rich_statement(version)
    path, key = data.draw(st.sampled_from(list(paths(statement))))
    container = locate(statement, path)
    if action == "replace":
        container[key] = data.draw(json_values)
    elif action == "remove":
        del container[key]
    elif isinstance(container, dict):
        container[data.draw(st.text(max_size=20))] = data.draw(json_values)
    else:
        container.append(data.draw(json_values))
    outcome(validator.validate_statement, statement, version)


FORMATTED = [("id",), ("timestamp",), ("stored",), ("version",), ("actor", "account", "homePage"),
             ("verb", "id"), ("object", "id"), ("result", "duration"),
             ("context", "registration"), ("object", "definition", "moreInfo")]


@FUZZ
@given(data=st.data(), version=st.sampled_from(VERSIONS), path=st.sampled_from(FORMATTED),
       text=st.text(max_size=300) | st.from_regex(r"[0-9TZPYMDHSW:.,+\- -]{0,60}"))
def test_any_text_in_a_formatted_field_is_accepted_or_a_bad_request(
        validator, data, version, path, text):
    statement = make_statement()
    locate(statement, path[:-1])[path[-1]] = text
    outcome(validator.validate_statement, statement, version)


@FUZZ
@given(tag=st.text(max_size=60) | st.from_regex(r"[a-zA-Z0-9]{1,9}(-[a-zA-Z0-9]{1,9}){0,8}"),
       version=st.sampled_from(VERSIONS))
def test_any_language_map_key_is_accepted_or_a_bad_request(validator, tag, version):
    statement = make_statement()
    statement["verb"]["display"] = {tag: "selesai"}
    outcome(validator.validate_statement, statement, version)


@FUZZ
@given(version=st.sampled_from(VERSIONS), score=st.dictionaries(
    st.sampled_from(["scaled", "raw", "min", "max"]),
    st.floats() | st.integers(min_value=-10**400, max_value=10**400)))
def test_any_score_is_accepted_or_a_bad_request(validator, version, score):
    outcome(validator.validate_statement, make_statement(result={"score": score}), version)


def test_deeply_nested_extension_value_is_accepted(validator):
    value: object = "leaf"
    for _ in range(500):
        value = {"a": [value]}
    statement = make_statement()
    statement["result"]["extensions"] = {"https://berpijar.id/xapi/extensions/deep": value}
    validator.validate_statement(statement, "2.0.0")


@pytest.mark.parametrize("version", VERSIONS)
def test_long_strings_are_checked_quickly(validator, version):
    long = "a" * 100_000
    for path in FORMATTED:
        statement = make_statement()
        locate(statement, path[:-1])[path[-1]] = "http://" + long + " "
        with pytest.raises(BadRequest):
            validator.validate_statement(statement, version)
