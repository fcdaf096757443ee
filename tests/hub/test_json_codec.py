"""hub.storage.json_codec gives exactly what the standard library gives, faster; the strict
parser of xAPI bodies (lrs.json_body) refuses what no store can keep."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.storage import json_codec
from lrs.json_body import parse_json

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text()
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(value=json_values)
def test_the_codec_round_trips_like_the_standard_library(value):
    text = json_codec.dumps(value)
    assert json_codec.loads(text) == json.loads(text) == value
    assert json_codec.loads(json.dumps(value)) == value


@pytest.mark.parametrize("text", [
    "[123456789012345678901234567890]",  # beyond 64 bits: orjson would give a float
    "[-9223372036854775809]",
    "\ufeff[1]",  # a byte order mark, which orjson refuses
    '{"a": NaN}',  # the standard library's extension: loads keeps its behaviour
])
def test_corner_cases_get_the_standard_librarys_answer(text):
    expected = json.loads(text.encode())
    assert repr(json_codec.loads(text.encode())) == repr(expected)


def test_integers_beyond_64_bits_are_written_exactly():
    value = {"score": 123456789012345678901234567890}
    assert json.loads(json_codec.dumps(value)) == value


def test_utf8_is_written_as_is():
    assert json_codec.dumps({"name": "Pelayanan Publik — Prima"}) == \
        '{"name":"Pelayanan Publik — Prima"}'


@pytest.mark.parametrize(("body", "message"), [
    (b'{"raw": NaN}', "NaN"),
    (b'{"raw": -Infinity}', "Infinity"),
    (b'{"raw": 1e400}', "too large"),
    (b'{"name": "\\ud800"}', "surrogate"),
    (b'{"name": "unterminated}', "not valid JSON"),
    (b'["\xff"]', "UTF-8"),
])
def test_the_strict_parser_refuses_what_no_store_can_keep(body, message):
    with pytest.raises(ValueError, match=message):
        parse_json(body)


def test_the_strict_parser_keeps_big_integers_and_accepts_a_byte_order_mark():
    assert parse_json(b"[123456789012345678901234567890]") == [123456789012345678901234567890]
    assert parse_json(b"\xef\xbb\xbf{\"a\": 1}") == {"a": 1}
