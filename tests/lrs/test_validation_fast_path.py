"""The jsonschema-rs fast path never accepts what the jsonschema validator rejects."""

from __future__ import annotations

import json

import pytest
from factories import make_statement
from hypothesis import given, settings
from hypothesis import strategies as st
from test_statements_fuzz import json_values, mutated_statements

from hub.errors import BadRequest
from lrs.validation import StatementValidator

VALIDATOR = StatementValidator()


def schema_verdicts(statement, version):
    compiled = VALIDATOR._schema(version)
    slow = not any(True for _ in compiled.statement.iter_errors(statement))
    try:
        fast = compiled.fast[id(compiled.statement)].is_valid(statement)
    except (ValueError, TypeError, OverflowError):
        fast = None  # judged by the slow path alone
    return fast, slow


@settings(max_examples=300, deadline=None)
@given(statement=mutated_statements() | json_values,
       version=st.sampled_from(["1.0.3", "2.0.0"]))
def test_fast_and_slow_schema_validators_agree(statement, version):
    fast, slow = schema_verdicts(statement, version)
    assert fast in (None, slow)


@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
def test_a_string_the_fast_validator_cannot_encode_is_judged_by_the_slow_one(version):
    statement = make_statement()
    statement["verb"]["display"] = {"en-US": "\ud800"}
    VALIDATOR.validate_statement(statement, version)  # valid per the schema: no exception
    statement["verb"]["id"] = "not an iri \ud800"
    with pytest.raises(BadRequest):
        VALIDATOR.validate_statement(statement, version)


def test_unpaired_surrogates_in_a_posted_body_are_a_400(client, xapi):
    body = json.dumps(make_statement()).replace('"en-US": "completed"', '"en-US": "\\ud800"')
    assert "\\ud800" in body
    response = client.post("/xapi/statements", data=body, content_type="application/json",
                           headers=xapi())
    assert response.status_code == 400
    assert "surrogate" in response.json["error"]["message"]


def test_nan_in_a_posted_body_is_a_400(client, xapi):
    body = json.dumps(make_statement()).replace('"raw": 85', '"raw": NaN')
    response = client.post("/xapi/statements", data=body, content_type="application/json",
                           headers=xapi())
    assert response.status_code == 400
