"""Statement validation for xAPI 1.0.3 and xAPI 2.0.0 (IEEE 9274.1.1).

Two layers, always in this order, and the first problem found is raised as a
`BadRequest` carrying a JSON pointer (RFC 6901) and the spec section it breaks:

1. the JSON Schema in `schemas/xapi-<version>-statement.json`: shapes, types,
   required and forbidden properties, enumerations, patterns and IRI formats;
2. the rules a schema cannot say, below: one inverse functional identifier per
   Agent, real calendar dates, score ranges, interaction component lists, …

Build one `StatementValidator` per application: it loads and compiles both
schemas once, so validating a statement never touches the schema files again.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any

import jsonschema_rs
import rfc3987
from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators
from jsonschema.exceptions import best_match

from hub.errors import BadRequest
from lrs.versioning import SUPPORTED

IFIS = ("mbox", "mbox_sha1sum", "openid", "account")
VOIDED = "http://adlnet.gov/expapi/verbs/voided"
COMPONENT_LISTS = ("choices", "scale", "source", "target", "steps")
# xAPI 1.0.3 Data 2.4.4.1.s15 table 2 (2.0.0 LRS 4.2.2.3): the lists each interactionType takes
COMPONENTS_FOR = {
    "choice": ("choices",), "sequencing": ("choices",), "likert": ("scale",),
    "matching": ("source", "target"), "performance": ("steps",),
}

# Where the spec puts the rules checked in code; schema rules carry their own x-rule.
RULES = {
    "1.0.3": {
        "ifi": "xAPI 1.0.3 Data 2.4.2.1.s2.b1",
        "group_ifi": "xAPI 1.0.3 Data 2.4.2.2.s5.b1",
        "anonymous": "xAPI 1.0.3 Data 2.4.2.2.s4.b1",
        "langtag": "xAPI 1.0.3 Data 2.2.s4.b2 (RFC 5646 2.2.5, 2.2.6)",
        "interaction": "xAPI 1.0.3 Data 2.4.4.1.s15",
        "component_id": "xAPI 1.0.3 Data 2.4.4.1.s16.b1",
        "voiding": "xAPI 1.0.3 Data 2.3.2.s2.b1",
        "score": "xAPI 1.0.3 Data 2.4.5.1",
        "revision": "xAPI 1.0.3 Data 2.4.6.s4.b1",
        "platform": "xAPI 1.0.3 Data 2.4.6.s4.b2",
        "timestamp": "xAPI 1.0.3 Data 4.5",
        "authority": "xAPI 1.0.3 Data 2.4.9.s3.b1",
        "schema": "xAPI 1.0.3 Data 2.2.s4.b1",
    },
    "2.0.0": {
        "ifi": "xAPI 2.0.0 LRS 4.2.4.2",
        "group_ifi": "xAPI 2.0.0 LRS 4.2.2.1",
        "anonymous": "xAPI 2.0.0 LRS 4.2.2.1",
        "langtag": "xAPI 2.0.0 LRS 4.2.7 Language Maps (RFC 5646 2.2.5, 2.2.6)",
        "interaction": "xAPI 2.0.0 LRS 4.2.2.3",
        "component_id": "xAPI 2.0.0 LRS 4.2.2.3",
        "voiding": "xAPI 2.0.0 LRS 4.2.5",
        "score": "xAPI 2.0.0 LRS 4.2.2.4",
        "revision": "xAPI 2.0.0 LRS 4.2.2.5",
        "platform": "xAPI 2.0.0 LRS 4.2.2.5",
        "timestamp": "xAPI 2.0.0 LRS 4.2.7 Timestamps (RFC 3339)",
        "authority": "xAPI 2.0.0 LRS 4.2.2 (authority; conformance XAPI-00098)",
        "schema": "xAPI 2.0.0 LRS 4.2.1",
    },
}


class StatementValidator:
    """Validates statements and Agent parameters against xAPI 1.0.3 or 2.0.0."""

    def __init__(self) -> None:
        self._schemas = {version: _compiled_schema(version) for version in SUPPORTED}

    def validate_statement(self, statement: Any, version: str) -> None:
        """Raise BadRequest (with a JSON pointer) for the first problem in `statement`."""
        schema = self._schema(version)
        _raise_first(schema.statement, statement, schema, _Location("statement"))
        _Checks(version, _Location("statement")).statement(statement)

    def validate_agent(self, agent: Any, version: str, parameter: str = "agent") -> None:
        """Raise BadRequest naming `parameter` if `agent` is not a valid Agent or Group."""
        schema = self._schema(version)
        where = _Location(parameter, parameter=parameter)
        _raise_first(schema.actor, agent, schema, where)
        _Checks(version, where).actor(agent, [])

    def _schema(self, version: str) -> _CompiledSchema:
        try:
            return self._schemas[version]
        except KeyError:
            raise ValueError(f"unsupported xAPI version {version!r}") from None


# --- the schema layer --------------------------------------------------------------------


@functools.cache
def _ecma_regex(pattern: str) -> re.Pattern[str]:
    """Compile a schema pattern so that "$" means end of string, as in ECMA-262.

    Python's "$" also matches before a final newline: "<uuid>\\n" would pass.
    """
    out, in_class, escaped = [], False, False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in "[]":
            in_class = char == "["
        elif char == "$" and not in_class:
            char = r"\Z"
        out.append(char)
    return re.compile("".join(out))


def _pattern(validator, pattern: str, instance: Any, schema: dict) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not _ecma_regex(pattern).search(instance):
        yield ValidationError(f"does not match {pattern!r}")


_XapiValidator = validators.extend(Draft202012Validator, validators={"pattern": _pattern})
_IRI = rfc3987.get_compiled_pattern("%(IRI)s")
_URI = rfc3987.get_compiled_pattern("%(URI)s")


def _is_iri(value: Any) -> bool:
    if not isinstance(value, str):
        return True
    if len(value) > _REMEMBERED_IRI_LENGTH:
        return bool(_IRI.fullmatch(value))
    return _iri_matches(value)


# Statements repeat the same verb, activity and extension IRIs and language tags over and
# over; remembering recent answers spares the (long) RFC 3987 pattern most of its work.
# Only short strings are remembered, so the cache stays a few megabytes.
_REMEMBERED_IRI_LENGTH = 512


@functools.lru_cache(maxsize=16_384)
def _iri_matches(value: str) -> bool:
    return bool(_IRI.fullmatch(value))


def _is_uri(value: Any) -> bool:
    return not isinstance(value, str) or bool(_URI.fullmatch(value))


FORMATS = {"iri": _is_iri, "uri": _is_uri}


def _format_checker() -> FormatChecker:
    """IRIs and URIs per RFC 3987/3986, matched against the whole string."""
    checker = FormatChecker(formats=())
    for name, check in FORMATS.items():
        checker.checks(name)(check)
    return checker


def _fast_validator(schema: dict):
    """The same schema compiled by jsonschema-rs, with the same format checks.

    It only answers "valid or not", about fifty times faster; the error a client sees
    always comes from the `jsonschema` validator, which also has the last word.
    """
    return jsonschema_rs.validator_for(schema, formats=FORMATS, validate_formats=True)


@functools.cache
def _compiled_schema(version: str) -> _CompiledSchema:
    # Once per process: the schema files ship with the package and no setting changes them,
    # so apps built in one process (tests build thousands) share the read-only compilation.
    return _CompiledSchema(version)


class _CompiledSchema:
    """One version's statement schema, compiled once, plus an Actor-only view of it."""

    def __init__(self, version: str) -> None:
        text = resources.files("schemas").joinpath(f"xapi-{version}-statement.json").read_text(
            encoding="utf-8")
        self.document = _inline_refs(json.loads(text))
        checker = _format_checker()
        self.statement = _XapiValidator(self.document, format_checker=checker)
        self.actor = _XapiValidator(self.document["$defs"]["Actor"], format_checker=checker)
        self.fast = {id(self.statement): _fast_validator(self.document),
                     id(self.actor): _fast_validator(self.document["$defs"]["Actor"])}
        self.default_rule = RULES[version]["schema"]
        self.rule_of: dict[int, str] = {}
        self._index_rules(self.document, self.default_rule)

    def _index_rules(self, node: Any, rule: str) -> None:
        """Map every subschema (by identity) to the x-rule of its nearest definition."""
        if isinstance(node, dict):
            rule = node.get("x-rule", rule)
            self.rule_of[id(node)] = rule
            children: Iterable[Any] = node.values()
        elif isinstance(node, list):
            children = node
        else:
            return
        for child in children:
            self._index_rules(child, rule)

    def rule(self, error: ValidationError) -> str:
        return self.rule_of.get(id(error.schema), self.default_rule)


def _inline_refs(document: dict) -> dict:
    """Replace each {"$ref": "#/$defs/X"} by the definition itself (the schema is acyclic).

    Validation then never resolves a reference: about twice as fast on every statement.
    """
    definitions = document["$defs"]

    def inline(node: Any) -> Any:
        if isinstance(node, list):
            return [inline(item) for item in node]
        if not isinstance(node, dict):
            return node
        if set(node) == {"$ref"}:
            return definitions[node["$ref"].removeprefix("#/$defs/")]
        for key, value in node.items():
            node[key] = inline(value)
        return node

    for name in definitions:
        definitions[name] = inline(definitions[name])
    return inline(document)


def _raise_first(validator, instance: Any, schema: _CompiledSchema, where: _Location) -> None:
    # Valid statements (nearly all of them) skip the slow validator; anything the fast
    # one doubts is judged by `jsonschema`, so both must fail before a 400 is raised.
    try:
        if schema.fast[id(validator)].is_valid(instance):
            return
    except (ValueError, TypeError, OverflowError):  # what Rust cannot take, Python judges
        pass
    try:
        error = best_match(validator.iter_errors(instance))
    except RecursionError:
        raise where.error([], "is nested too deeply", schema.default_rule) from None
    if error is not None:
        path, message = _explain(error)
        raise where.error(path, message, schema.rule(error))


_ARTICLE = {"object": "an object", "array": "an array", "string": "a string",
            "number": "a number", "integer": "an integer", "boolean": "true or false"}


def _explain(error: ValidationError) -> tuple[list[str | int], str]:
    """The instance path of a schema error and a short message for a client."""
    path = list(error.absolute_path)
    schema, keyword, value = error.schema, error.validator, error.validator_value
    if "propertyNames" in error.absolute_schema_path:
        path.append(error.instance)
        return path, f"is not allowed as a key: it must be {_describe(schema)}"
    if isinstance(schema, dict) and "x-message" in schema:
        return path, schema["x-message"]
    if keyword == "required":
        missing = next(name for name in value if name not in error.instance)
        return [*path, missing], f"is required in {_describe(schema)}"
    if keyword == "additionalProperties":
        known = schema.get("properties", {})
        extra = next(name for name in error.instance if name not in known)
        return [*path, extra], f"is not allowed in {_describe(schema)}"
    if keyword == "type":
        return path, f"must be {_ARTICLE.get(value, value)}"
    if keyword == "const":
        return path, f"must be {json.dumps(value)}"
    if keyword == "enum":
        return path, "must be one of " + ", ".join(json.dumps(item) for item in value)
    if keyword in ("pattern", "format"):
        return path, f"must be {_describe(schema)}"
    if keyword in ("minimum", "maximum"):
        word = "at least" if keyword == "minimum" else "at most"
        return path, f"must be {word} {value}"
    if keyword == "minItems":
        return path, f"must contain at least {value} item(s)"
    return path, "is not valid here"


def _describe(schema: Any) -> str:
    """What the schema node stands for, from its description (e.g. "an Agent")."""
    if not isinstance(schema, dict):
        return "a valid value"
    return schema.get("description") or (
        "this object" if schema.get("type") == "object" else "a valid value")


# --- where an error is reported ----------------------------------------------------------


class _Location:
    """Turns an instance path into a pointer (statements) or a parameter name (queries)."""

    def __init__(self, root: str, parameter: str | None = None) -> None:
        self.root = root
        self.parameter = parameter

    def error(self, path: list[str | int], message: str, rule: str) -> BadRequest:
        name = self.root + "".join(
            f"[{part}]" if isinstance(part, int) else f".{_short(part)}" for part in path)
        text = f"{name} {message}"
        if self.parameter is not None:
            return BadRequest(text, parameter=self.parameter, rule=rule)
        return BadRequest(text, pointer=_pointer(path), rule=rule)


def _pointer(path: list[str | int]) -> str:
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def _short(name: str, limit: int = 80) -> str:
    return name if len(name) <= limit else name[:limit] + "…"


# --- the rules a schema cannot say -------------------------------------------------------


class _Checks:
    """Walks a statement that passed the schema, so every shape here is already known."""

    def __init__(self, version: str, where: _Location) -> None:
        self.rules = RULES[version]
        self.where = where

    def fail(self, path: list[str | int], message: str, rule: str) -> BadRequest:
        return self.where.error(path, message, self.rules[rule])

    def statement(self, statement: Mapping[str, Any]) -> None:
        self.statement_body(statement, [])
        self.voiding(statement)
        for key in ("timestamp", "stored"):
            if key in statement:
                self.timestamp(statement[key], [key])
        if "authority" in statement:
            self.authority(statement["authority"], ["authority"])

    def statement_body(self, statement: Mapping[str, Any], path: list) -> None:
        """What a Statement and a SubStatement share (xAPI 1.0.3 Data 2.4.4.3.s8.b2)."""
        self.actor(statement["actor"], [*path, "actor"])
        self.language_map(statement["verb"].get("display"), [*path, "verb", "display"])
        self.object(statement["object"], [*path, "object"])
        if "result" in statement:
            self.result(statement["result"], [*path, "result"])
        if "context" in statement:
            self.context(statement["context"], [*path, "context"], statement["object"])
        if path and "timestamp" in statement:
            self.timestamp(statement["timestamp"], [*path, "timestamp"])
        for index, attachment in enumerate(statement.get("attachments", ())):
            for key in ("display", "description"):
                self.language_map(attachment.get(key), [*path, "attachments", index, key])

    # Agents and Groups

    def actor(self, actor: Mapping[str, Any], path: list) -> None:
        if actor.get("objectType") == "Group":
            self.group(actor, path)
        else:
            self.agent(actor, path)

    def agent(self, agent: Mapping[str, Any], path: list) -> None:
        found = [key for key in IFIS if key in agent]
        if not found:
            raise self.fail(path, "must have exactly one inverse functional identifier "
                                  "(mbox, mbox_sha1sum, openid or account); it has none", "ifi")
        if len(found) > 1:
            raise self.fail([*path, found[1]], "is a second inverse functional identifier "
                            f"(already has {found[0]}); an Agent has exactly one", "ifi")

    def group(self, group: Mapping[str, Any], path: list) -> None:
        found = [key for key in IFIS if key in group]
        if len(found) > 1:
            raise self.fail([*path, found[1]], "is a second inverse functional identifier "
                            f"(already has {found[0]}); a Group has at most one", "group_ifi")
        if not found and not group.get("member"):
            raise self.fail([*path, "member"], "must list the members of an anonymous Group "
                            "(a Group without an inverse functional identifier)", "anonymous")
        for index, member in enumerate(group.get("member", ())):
            self.agent(member, [*path, "member", index])

    def authority(self, authority: Mapping[str, Any], path: list) -> None:
        self.actor(authority, path)
        if authority.get("objectType") != "Group":
            return
        if any(key in authority for key in IFIS):
            raise self.fail(path, "must be an Agent, or an anonymous Group of the OAuth "
                                  "application and the user", "authority")
        if len(authority["member"]) != 2:
            raise self.fail([*path, "member"], "must hold exactly two Agents (the OAuth "
                                               "application and the user)", "authority")

    # Objects

    def object(self, target: Mapping[str, Any], path: list) -> None:
        kind = target.get("objectType", "Activity")
        if kind == "Activity":
            self.activity(target, path)
        elif kind in ("Agent", "Group"):
            self.actor(target, path)
        elif kind == "SubStatement":
            self.statement_body(target, path)

    def activity(self, activity: Mapping[str, Any], path: list) -> None:
        if "definition" in activity:
            self.definition(activity["definition"], [*path, "definition"])

    def definition(self, definition: Mapping[str, Any], path: list) -> None:
        for key in ("name", "description"):
            self.language_map(definition.get(key), [*path, key])
        kind = definition.get("interactionType")
        interaction_keys = [key for key in (*COMPONENT_LISTS, "correctResponsesPattern")
                            if key in definition]
        if kind is None and interaction_keys:
            raise self.fail([*path, interaction_keys[0]],
                            "belongs to an interaction Activity, which needs an interactionType",
                            "interaction")
        allowed = COMPONENTS_FOR.get(kind, ()) if isinstance(kind, str) else ()
        for key in COMPONENT_LISTS:
            if key in definition:
                if key not in allowed:
                    uses = " and ".join(allowed) or "no component list"
                    raise self.fail([*path, key], f"is not used with interactionType {kind!r} "
                                    f"(it takes {uses})", "interaction")
                self.components(definition[key], [*path, key])

    def components(self, components: list, path: list) -> None:
        seen: set[str] = set()
        for index, component in enumerate(components):
            if component["id"] in seen:
                raise self.fail([*path, index, "id"], "repeats an id already used in this list",
                                "component_id")
            seen.add(component["id"])
            self.language_map(component.get("description"), [*path, index, "description"])

    def voiding(self, statement: Mapping[str, Any]) -> None:
        if statement["verb"]["id"] != VOIDED:
            return
        if statement["object"].get("objectType") != "StatementRef":
            raise self.fail(["object", "objectType"], "must be \"StatementRef\" in a statement "
                            "that voids another", "voiding")

    # Result and Context

    def result(self, result: Mapping[str, Any], path: list) -> None:
        if "score" in result:
            self.score(result["score"], [*path, "score"])

    def score(self, score: Mapping[str, Any], path: list) -> None:
        for key, value in score.items():
            if not _finite(value):
                raise self.fail([*path, key], "must be a finite number", "score")
        low, raw, high = score.get("min"), score.get("raw"), score.get("max")
        if low is not None and high is not None and not low < high:
            raise self.fail([*path, "max"], "must be greater than min", "score")
        if raw is not None and low is not None and raw < low:
            raise self.fail([*path, "raw"], "must not be below min", "score")
        if raw is not None and high is not None and raw > high:
            raise self.fail([*path, "raw"], "must not be above max", "score")

    def context(self, context: Mapping[str, Any], path: list, target: Mapping) -> None:
        if target.get("objectType", "Activity") != "Activity":
            for key in ("revision", "platform"):
                if key in context:
                    raise self.fail([*path, key], "may only be used when the statement's "
                                    "object is an Activity", key)
        if "language" in context:
            self.language_tag(context["language"], [*path, "language"])
        if "instructor" in context:
            self.actor(context["instructor"], [*path, "instructor"])
        if "team" in context:
            self.group(context["team"], [*path, "team"])
        for kind, activities in context.get("contextActivities", {}).items():
            listed = activities if isinstance(activities, list) else [activities]
            for index, activity in enumerate(listed):
                where = [*path, "contextActivities", kind]
                self.activity(activity, [*where, index] if listed is activities else where)
        for index, entry in enumerate(context.get("contextAgents", ())):
            self.agent(entry["agent"], [*path, "contextAgents", index, "agent"])
        for index, entry in enumerate(context.get("contextGroups", ())):
            self.group(entry["group"], [*path, "contextGroups", index, "group"])

    # Data types

    def language_map(self, language_map: Mapping[str, str] | None, path: list) -> None:
        for tag in language_map or ():
            self.language_tag(tag, [*path, tag])

    def language_tag(self, tag: str, path: list) -> None:
        """What the schema's pattern cannot say: no variant or extension subtag twice."""
        repeated = _repeated_subtag(tag)
        if repeated:
            raise self.fail(path, f"is not a valid RFC 5646 language tag: "
                            f"{repeated!r} appears twice", "langtag")

    def timestamp(self, value: str, path: list) -> None:
        if _instant(value) is None:
            raise self.fail(path, "is not a real point in time (check the date, the time "
                                  "and the offset)", "timestamp")


def _finite(number: float) -> bool:
    """False for NaN, ±Infinity (Python's JSON parser accepts them) and ints beyond a double."""
    try:
        return math.isfinite(number)
    except OverflowError:
        return False


def _repeated_subtag(tag: str) -> str | None:
    return _repeated_subtag_of(tag) if len(tag) > 64 else _remembered_repeated_subtag(tag)


@functools.lru_cache(maxsize=4_096)
def _remembered_repeated_subtag(tag: str) -> str | None:
    return _repeated_subtag_of(tag)


def _repeated_subtag_of(tag: str) -> str | None:
    """A singleton or variant used twice, which RFC 5646 2.2.5 and 2.2.6 forbid."""
    subtags = tag.lower().split("-")
    if "x" in subtags:
        subtags = subtags[:subtags.index("x")]  # private use subtags are free-form
    if subtags[:1] == ["i"]:
        return None  # grandfathered i-… tags
    first_singleton = next((i for i, s in enumerate(subtags) if len(s) == 1), len(subtags))
    variants = [s for s in subtags[1:first_singleton]
                if len(s) >= 5 or (len(s) == 4 and s[0].isdigit())]
    singletons = [s for s in subtags[first_singleton:] if len(s) == 1]
    for group in (variants, singletons):
        seen: set[str] = set()
        for subtag in group:
            if subtag in seen:
                return subtag
            seen.add(subtag)
    return None


_TIMESTAMP = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})[Tt ](\d{2}):?(\d{2})?:?(\d{2})?(?:[.,]\d+)?"
                        r"(?:[Zz]|([+-])(\d{2}):?(\d{2})?)?")


def _instant(value: str) -> datetime | None:
    """The UTC instant of a timestamp the schema accepted, or None if no such instant exists."""
    match = _TIMESTAMP.fullmatch(value)
    if match is None:
        return None
    year, month, day, hour, minute, second, sign, off_hours, off_minutes = match.groups()
    seconds = int(second or 0)
    if seconds > 60:  # 60 is a leap second
        return None
    try:
        local = datetime(int(year), int(month), int(day), int(hour), int(minute or 0),
                         min(seconds, 59), tzinfo=UTC)
    except ValueError:
        return None
    offset = timedelta()
    if sign:
        hours, minutes = int(off_hours), int(off_minutes or 0)
        if hours > 23 or minutes > 59:
            return None
        offset = timedelta(hours=hours, minutes=minutes) * (1 if sign == "+" else -1)
    try:
        return local - offset
    except OverflowError:  # e.g. 9999-12-31T23:00:00-05:00 is in the year 10000 in UTC
        return None


