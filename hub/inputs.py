"""Typed inputs: query strings and JSON bodies parse into pydantic models.

Views call `parse_query(Model, request.args)` or `parse_body(Model, body)` and get a
validated, immutable model back, or a `BadRequest` in the hub's one error shape: the
`parameter` (query strings) or JSON `pointer` (bodies) of the first problem, and a
message that names it. Models derive from `Input`, which refuses unknown names; a model
whose spec tells the server to ignore unrecognised names says so with `extra="ignore"`
(and a comment quoting the spec), and `parse_query` then skips them.
A field validator may also raise `BadRequest` itself when a check it calls (e.g. the
xAPI agent validation) already speaks the error shape, with its own rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, ValidationError
from pydantic_core import ErrorDetails
from werkzeug.datastructures import MultiDict

from hub.errors import BadRequest
from hub.json_input import escape_pointer


class Input(BaseModel):
    """Base of every input model: unknown fields are an error, values do not change."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Body(Input):
    """Base of JSON body models: a value keeps its JSON type (no "1" for 1, no 1 for true);
    arrays are read as lists."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


def not_blank(value: str) -> str:
    """For `Annotated[str, AfterValidator(not_blank)]`: a text that must say something."""
    if not value.strip():
        raise ValueError("must be a non-empty string")
    return value


NonBlank = Annotated[str, AfterValidator(not_blank)]


def whole_number(low: int, high: int) -> BeforeValidator:
    """For `Annotated[int, whole_number(low, high)]`: a query value that is a whole number
    from `low` to `high` (ASCII digits only, no sign or spaces)."""
    def parse(value: object) -> int:
        if not (isinstance(value, str) and value.isascii() and value.isdigit()
                and low <= int(value) <= high):
            raise ValueError(f"must be a whole number from {low} to {high}")
        return int(value)
    return BeforeValidator(parse)


M = TypeVar("M", bound=BaseModel)

OBJECT_REQUIRED = "the body must be a JSON object (Content-Type: application/json)"


def parse_body(model: type[M], body: Any, *, pointer: str = "") -> M:
    """`body` (already decoded JSON) as `model`; `pointer` prefixes every error's pointer,
    e.g. the index of an item in a list the caller walks itself."""
    if not isinstance(body, dict):
        raise BadRequest(OBJECT_REQUIRED, pointer=pointer)
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        error = _first(exc)
        location = pointer + "".join("/" + escape_pointer(str(t)) for t in error["loc"])
        raise BadRequest(_message(model, error, location or "the body"),
                         pointer=location) from None


def parse_query(model: type[M], args: MultiDict[str, str], *,
                repeatable: Iterable[str] = (), unknown_rule: str | None = None,
                context: dict[str, Any] | None = None) -> M:
    """`args` as `model`. A parameter given twice is an error unless named in
    `repeatable`, whose fields then receive every value as a list. Unknown names are
    refused before any value is read (citing `unknown_rule`), or skipped by a model with
    `extra="ignore"`; `context` reaches the field validators as `info.context`."""
    known = [field.alias or name for name, field in model.model_fields.items()]
    ignoring = model.model_config.get("extra") == "ignore"
    for name in args:
        if name not in known and not ignoring:
            near = next((k for k in known if k.lower() == name.lower()), None)
            hint = f" (did you mean {near!r}? names are case-sensitive)" if near else ""
            raise BadRequest(f"unknown parameter {name!r}; expected {', '.join(known) or 'none'}"
                             f"{hint}", parameter=name, rule=unknown_rule)
    lists = set(repeatable)
    values: dict[str, Any] = {}
    for name in args:
        if name not in known:
            continue  # an unrecognised parameter the model's spec says to ignore
        given = args.getlist(name)
        if name in lists:
            values[name] = given
        elif len(given) > 1:
            raise BadRequest(f"parameter {name!r} is given {len(given)} times; give it once",
                             parameter=name)
        else:
            values[name] = given[0]
    try:
        return model.model_validate(values, context=context)
    except ValidationError as exc:
        error = _first(exc)
        name = str(error["loc"][0]) if error["loc"] else ""
        raise BadRequest(_message(model, error, f"parameter {name!r}" if name else "the query"),
                         parameter=name or None) from None


def _first(exc: ValidationError) -> ErrorDetails:
    # An unknown name first: it is often a misspelt known one, which then reads as missing.
    errors = exc.errors(include_url=False)
    return next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])


def _message(model: type[BaseModel], error: ErrorDetails, where: str) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return f"unknown {_noun(where)}; expected {_names(model, error['loc'][:-1])}"
    if kind == "missing":
        return f"{where} is required"
    text = error["msg"]
    # A validator's own ValueError reads "Value error, <our message>": keep ours.
    for prefix in ("Value error, ", "Assertion failed, "):
        if text.startswith(prefix):
            text = text[len(prefix):]
    return f"{where}: {text}"


def _noun(where: str) -> str:
    return where if where.startswith("parameter") else f"field {where}"


def _names(model: type[BaseModel], parents: Sequence[int | str]) -> str:
    # The field names one level up from the unknown one, for the common flat case.
    if parents:
        return "only the documented fields"
    names = [field.alias or name for name, field in model.model_fields.items()]
    return ", ".join(names) if names else "none"
