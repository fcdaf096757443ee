"""hub.inputs: one mapping from pydantic's validation errors to the hub's error shape."""

from __future__ import annotations

from typing import Annotated

import pytest
from pydantic import ConfigDict, Field, field_validator
from werkzeug.datastructures import MultiDict

from hub.errors import BadRequest
from hub.inputs import Body, Input, NonBlank, parse_body, parse_query, whole_number


class Item(Input):
    sku: str = Field(min_length=1)


class Order(Input):
    name: str
    count: int = 1
    items: list[Item] = []

    @field_validator("name")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value


class Listing(Input):
    limit: int = 10
    tag: list[str] = []


def refused(call) -> BadRequest:
    with pytest.raises(BadRequest) as caught:
        call()
    return caught.value


def test_a_valid_body_parses_into_the_model():
    order = parse_body(Order, {"name": "a", "count": 2, "items": [{"sku": "x"}]})
    assert (order.name, order.count, order.items[0].sku) == ("a", 2, "x")


def test_a_body_that_is_not_an_object_is_refused_at_the_root():
    error = refused(lambda: parse_body(Order, ["name"]))
    assert error.pointer == "" and "JSON object" in error.message


def test_an_unknown_field_is_named_with_the_expected_ones():
    error = refused(lambda: parse_body(Order, {"name": "a", "colour": "red"}))
    assert error.pointer == "/colour"
    assert error.message == "unknown field /colour; expected name, count, items"


def test_a_missing_field_is_required():
    error = refused(lambda: parse_body(Order, {}))
    assert (error.pointer, error.message) == ("/name", "/name is required")


def test_a_nested_error_points_into_the_list_and_the_prefix_is_kept():
    error = refused(lambda: parse_body(Order, {"name": "a", "items": [{"sku": "x"}, {"sku": ""}]},
                                       pointer="/3"))
    assert error.pointer == "/3/items/1/sku"


def test_a_validators_own_message_is_kept_without_pydantics_prefix():
    error = refused(lambda: parse_body(Order, {"name": "  "}))
    assert error.message == "/name: must not be blank"


def test_the_pointer_escapes_slash_and_tilde():
    error = refused(lambda: parse_body(Order, {"name": "a", "a/b~c": 1}))
    assert error.pointer == "/a~1b~0c"


def test_a_query_parses_with_coercion_and_repeatable_lists():
    listing = parse_query(Listing, MultiDict([("limit", "5"), ("tag", "a"), ("tag", "b")]),
                          repeatable=("tag",))
    assert (listing.limit, listing.tag) == (5, ["a", "b"])


def test_a_query_error_names_the_parameter():
    error = refused(lambda: parse_query(Listing, MultiDict([("limit", "many")])))
    assert error.parameter == "limit" and error.pointer is None
    assert error.message.startswith("parameter 'limit': ")


def test_an_unknown_parameter_is_refused():
    error = refused(lambda: parse_query(Listing, MultiDict([("sort", "x")])))
    assert error.parameter == "sort"
    assert error.message == "unknown parameter 'sort'; expected limit, tag"


def test_a_parameter_given_twice_is_refused_unless_repeatable():
    error = refused(lambda: parse_query(Listing, MultiDict([("limit", "1"), ("limit", "2")])))
    assert error.parameter == "limit" and "2 times" in error.message


def test_a_parameter_in_the_wrong_case_is_unknown_with_a_hint_and_the_rule():
    error = refused(lambda: parse_query(Listing, MultiDict([("Limit", "1")]),
                                        unknown_rule="xAPI 1.0.3 Communication 3.2.s3.b7"))
    assert error.parameter == "Limit" and error.rule == "xAPI 1.0.3 Communication 3.2.s3.b7"
    assert "did you mean 'limit'?" in error.message


def test_an_unknown_parameter_is_refused_before_a_bad_value_is_read():
    error = refused(lambda: parse_query(Listing, MultiDict([("limit", "many"), ("sort", "x")])))
    assert error.parameter == "sort"


class Scaled(Input):
    limit: int

    @field_validator("limit")
    @classmethod
    def _at_most(cls, value: int, info) -> int:
        if value > info.context["most"]:
            raise ValueError(f"must be at most {info.context['most']}")
        return value


def test_the_context_reaches_the_validators():
    error = refused(lambda: parse_query(Scaled, MultiDict([("limit", "9")]), context={"most": 5}))
    assert error.message == "parameter 'limit': must be at most 5"


class Strict(Body):
    title: NonBlank
    graded: bool = False
    score: float | None = None
    tags: list[str] = []


@pytest.mark.parametrize(("body", "pointer"), [
    ({"title": 1}, "/title"),
    ({"title": "  "}, "/title"),
    ({"title": "a", "graded": 1}, "/graded"),
    ({"title": "a", "graded": "true"}, "/graded"),
    ({"title": "a", "score": "1.5"}, "/score"),
    ({"title": "a", "score": True}, "/score"),
    ({"title": "a", "tags": ["x", 2]}, "/tags/1"),
])
def test_a_body_model_keeps_json_types_and_refuses_blank_text(body, pointer):
    error = refused(lambda: parse_body(Strict, body))
    assert error.pointer == pointer


def test_a_body_model_reads_json_numbers_and_arrays():
    parsed = parse_body(Strict, {"title": "a", "graded": True, "score": 3, "tags": ["x"]})
    assert (parsed.graded, parsed.score, parsed.tags) == (True, 3.0, ["x"])
    assert refused(lambda: parse_body(Strict, {"title": " "})).message == \
        "/title: must be a non-empty string"


def test_an_unknown_field_is_reported_before_a_missing_one():
    error = refused(lambda: parse_body(Order, {"nmae": "a"}))
    assert error.pointer == "/nmae" and error.message.startswith("unknown field /nmae")
    error = refused(lambda: parse_query(Listing, MultiDict([("limit", "x"), ("colour", "red")])))
    assert error.parameter == "colour"


class Lenient(Input):
    """A query whose spec tells the server to ignore unrecognised parameters."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    limit: Annotated[int, whole_number(1, 100)] = 10


def test_a_model_that_ignores_unknown_parameters_skips_them_even_repeated():
    given = MultiDict([("limit", "5"), ("include", "a"), ("include", "b")])
    assert parse_query(Lenient, given).limit == 5
    error = refused(lambda: parse_query(Lenient, MultiDict([("limit", "1"), ("limit", "2")])))
    assert error.parameter == "limit" and "2 times" in error.message


@pytest.mark.parametrize("value", ["0", "101", "-1", "+5", " 5", "1.0", "\u00b2", "\u0665"])
def test_a_whole_number_is_ascii_digits_within_its_bounds(value):
    error = refused(lambda: parse_query(Lenient, MultiDict([("limit", value)])))
    assert error.message == "parameter 'limit': must be a whole number from 1 to 100"
