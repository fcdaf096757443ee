"""Strict JSON for every body and parameter the hub reads.

`json.loads` lets through what no store or other reader can take back, so this refuses,
as a `JSONInputError` (a ValueError) with a message fit for the client and a JSON pointer:

- bytes that are not UTF-8 — UTF-16 and UTF-32 included, which `json.loads(bytes)` would
  silently detect (xAPI 1.0.3 Communication 1.4, 2.0 §4.1.2: all strings are UTF-8; a
  UTF-8 byte order mark is tolerated, RFC 8259 §8.1);
- NaN/Infinity, numbers that overflow to infinity, unpaired UTF-16 surrogate escapes;
- nesting deeper than `max_depth` (HUB_MAX_JSON_DEPTH), before anything recurses on it;
- the same key twice in one object: RFC 8259 §4 leaves "which one counts" undefined, so a
  record could change meaning between readers (xAPI 1.0.3 Data 2.2.s2.b2).

The fast path is orjson plus two byte counts in C: a parsed-and-reserialised document has
one `:` per object member and the colons of its strings, so it holds fewer colons than the
raw text exactly when a duplicate key was dropped — unless the text spells a colon as the
escape \\u003a, which sends it to the exact path (the standard library with a pairs hook).
"""

from __future__ import annotations

import json
import math
from typing import Any

import orjson
from flask.json.provider import DefaultJSONProvider

from hub.errors import BadRequest
from hub.storage import json_codec

DEFAULT_MAX_DEPTH = 100
_ESCAPED_COLONS = (b"\\u003a", b"\\u003A")
_BOM = b"\xef\xbb\xbf"
_SLOW = object()  # "take the exact path"


class JSONInputError(ValueError):
    def __init__(self, message: str, pointer: str = "", *, malformed: bool = False) -> None:
        super().__init__(message)
        self.pointer = pointer
        self.malformed = malformed  # not JSON at all, as opposed to JSON this hub refuses


def parse_json(raw: bytes | str, *, max_depth: int = DEFAULT_MAX_DEPTH) -> Any:
    encoded = _utf8(raw)
    value, reserialised = _fast(encoded)
    if value is _SLOW:
        value, reserialised = _exact(encoded, max_depth), None
    if not (reserialised and _shallow(reserialised, max_depth)) \
            and _depth_exceeds(value, max_depth):
        raise _too_deep(max_depth, _first_too_deep(value, max_depth))
    return value



def _utf8(raw: bytes | str) -> bytes:
    # A str (a query parameter) is text already; bytes are checked by orjson on the fast
    # path and by _exact's strict decode on the other.
    return raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw


def _text(encoded: bytes) -> str:
    body = encoded[len(_BOM):] if encoded.startswith(_BOM) else encoded
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise JSONInputError(f"the JSON is not UTF-8 (byte {exc.start} does not start or "
                             "continue a UTF-8 character); send it encoded as UTF-8") from None


def _fast(encoded: bytes) -> tuple[Any, bytes | None]:
    """(value, its orjson serialisation), or (_SLOW, None) for the exact path."""
    if not json_codec.fast_path_suits(encoded) or (
            b"\\u003" in encoded and any(e in encoded for e in _ESCAPED_COLONS)):
        return _SLOW, None
    try:
        # orjson refuses NaN/Infinity, overflowing numbers and lone surrogates itself, and
        # stops at 1,024 levels instead of recursing further.
        value = orjson.loads(encoded)
        reserialised = orjson.dumps(value)
    except (orjson.JSONDecodeError, orjson.JSONEncodeError):
        return _SLOW, None  # the standard library words the error, or takes what orjson can't
    if reserialised.count(b":") != encoded.count(b":"):
        return _SLOW, None  # a key given twice: the exact path names it
    return value, reserialised


# Everything but quotes and brackets, for bytes.translate to delete.
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'"[]{}')


def _shallow(reserialised: bytes, max_depth: int) -> bool:
    """True when the document certainly nests no deeper than `max_depth`, decided in C on
    compact JSON: keep only quotes and brackets; once the empty strings ("") are gone, no
    quote is left unless some string holds a bracket (then: False, the walk decides);
    every pass removing the innermost [] and {} takes off one or two levels."""
    text = reserialised
    if b"\\" in text:
        text = text.replace(b"\\\\", b"").replace(b'\\"', b"")
    text = text.translate(None, _NOT_STRUCTURE).replace(b'""', b"")
    if b'"' in text:
        return False
    passes = 0
    while text and 2 * passes < max_depth:
        text = text.replace(b"[]", b"").replace(b"{}", b"")
        passes += 1
    return not text and 2 * passes <= max_depth


class _Repeated(dict):
    """An object in which `key` appeared more than once (found by the exact path)."""

    key: str = ""


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) == len(pairs):
        return result
    seen: set[str] = set()
    repeated = _Repeated(result)
    repeated.key = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
    return repeated


def _reject_constant(name: str) -> Any:
    raise JSONInputError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise JSONInputError(f"{text} is too large for a JSON number")
    return value


def _too_deep(max_depth: int, pointer: str = "") -> JSONInputError:
    return JSONInputError(f"the JSON is nested more than {max_depth} levels deep, the limit of "
                          "this hub (HUB_MAX_JSON_DEPTH)", pointer=pointer)


def _exact(encoded: bytes, max_depth: int) -> Any:
    text = _text(encoded)
    try:
        value = json.loads(text, object_pairs_hook=_pairs,
                           parse_constant=_reject_constant, parse_float=_finite_float)
    except json.JSONDecodeError as exc:
        raise JSONInputError(f"not valid JSON: {exc}", malformed=True) from None
    except RecursionError:
        raise _too_deep(max_depth) from None
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise JSONInputError("a string holds an unpaired UTF-16 surrogate escape") from None
    except RecursionError:
        raise _too_deep(max_depth) from None
    _reject_repeated_keys(value)
    return value


def _reject_repeated_keys(value: Any) -> None:
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        node, where = stack.pop()
        if isinstance(node, dict):
            if isinstance(node, _Repeated):
                raise JSONInputError(
                    f"the key {node.key!r} appears more than once in one object; which copy "
                    "counts is undefined (RFC 8259 §4), so send it once",
                    pointer=f"{where}/{escape_pointer(node.key)}")
            stack.extend((child, f"{where}/{escape_pointer(key)}")
                         for key, child in node.items())
        elif isinstance(node, list):
            stack.extend((child, f"{where}/{index}") for index, child in enumerate(node))


def _depth_exceeds(value: Any, max_depth: int) -> bool:
    """Iterative, so that checking never recurses either; only containers are visited."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > max_depth:
            return True
        children = node.values() if isinstance(node, dict) else node if isinstance(
            node, list) else ()
        stack.extend((child, depth + 1) for child in children
                     if isinstance(child, dict | list))
    return False


def _first_too_deep(value: Any, max_depth: int) -> str:
    """The pointer of a value past the limit (run only once the limit is known broken)."""
    stack: list[tuple[Any, int, str]] = [(value, 1, "")]
    while stack:
        node, depth, where = stack.pop()
        if depth > max_depth:
            return where
        if isinstance(node, dict):
            stack.extend((child, depth + 1, f"{where}/{escape_pointer(key)}")
                         for key, child in node.items())
        elif isinstance(node, list):
            stack.extend((child, depth + 1, f"{where}/{index}")
                         for index, child in enumerate(node))
    return ""


def escape_pointer(key: str) -> str:
    # RFC 6901 §3
    return key.replace("~", "~0").replace("/", "~1")


class StrictJSONProvider(DefaultJSONProvider):
    """`request.get_json()` everywhere parses through `parse_json`; a refusal is the hub's
    400 with its pointer (raised past `silent=True`, which only hides malformed JSON)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        settings = self._app.extensions.get("hub.settings")
        try:
            return parse_json(s, max_depth=settings.max_json_depth if settings
                              else DEFAULT_MAX_DEPTH)
        except JSONInputError as exc:
            if exc.malformed:
                raise  # a ValueError: Flask's own 400, or None under silent=True
            raise BadRequest(f"the JSON body is refused: {exc}", pointer=exc.pointer) from None
