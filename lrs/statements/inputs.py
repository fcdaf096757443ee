"""Statement request inputs: strict query parameters and request bodies."""

from __future__ import annotations

import re
import uuid
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any, NoReturn

from flask import current_app
from itsdangerous import BadData, URLSafeSerializer
from werkzeug.datastructures import MultiDict

from hub.errors import BadRequest
from hub.json_input import JSONInputError
from hub.timestamps import parse_timestamp
from lrs.identifiers import agent_key
from lrs.json_body import parse_json
from lrs.statements.attachments import parse_multipart
from lrs.statements.formats import FORMATS
from lrs.storage.contract import Attachment

SINGLE_PARAMS = {"statementId", "voidedStatementId", "attachments", "format"}
QUERY_PARAMS = {"agent", "verb", "activity", "registration", "related_activities",
                "related_agents", "since", "until", "limit", "format", "attachments",
                "ascending"}
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")


@dataclass(frozen=True)
class SingleRequest:
    statement_id: str
    voided: bool
    format: str = "exact"
    attachments: bool = False


@dataclass(frozen=True)
class QueryRequest:
    """A statement query; also what a `more` token carries (with its cursor)."""

    agent: str | None = None  # agent_key of the `agent` parameter
    verb: str | None = None
    activity: str | None = None
    registration: str | None = None
    related_activities: bool = False
    related_agents: bool = False
    since: str | None = None
    until: str | None = None
    limit: int | None = None  # None: the hub's page size; 0: the most it allows
    format: str = "exact"
    attachments: bool = False
    ascending: bool = False
    after_seq: int | None = None
    ceiling_seq: int | None = None

    @property
    def filters(self) -> tuple[tuple[str, str], ...]:
        # Most selective first: the first filter drives the index scan.
        filters = []
        if self.registration:
            filters.append(("registration", self.registration))
        if self.activity:
            filters.append(("related_activity" if self.related_activities else "activity",
                            self.activity))
        if self.agent:
            filters.append(("related_agent" if self.related_agents else "agent", self.agent))
        if self.verb:
            filters.append(("verb", self.verb))
        return tuple(filters)

    def next_page(self, after_seq: int, ceiling_seq: int | None) -> str:
        state = asdict(replace(self, after_seq=after_seq, ceiling_seq=ceiling_seq))
        state = {k: v for k, v in state.items() if v not in (None, False, "exact", 0)}
        return _more_serializer().dumps(state)


def _more_serializer() -> URLSafeSerializer:
    # Signed, so a client can only resume a query the LRS itself answered: its filters
    # and cursor are not re-validated when it comes back.
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="xapi-statements-more")


def parse_get(args: MultiDict, validator, version: str) -> SingleRequest | QueryRequest:
    _reject_repeats(args)
    if "more" in args:
        if len(args) > 1:
            raise BadRequest("`more` cannot be combined with other parameters", parameter="more")
        return _from_more(args["more"])
    if "statementId" in args or "voidedStatementId" in args:
        return _single(args)
    unknown = set(args) - QUERY_PARAMS
    if unknown:
        name = sorted(unknown)[0]
        raise BadRequest(f"unknown parameter {name!r}", parameter=name)
    query = QueryRequest(
        agent=_agent(args.get("agent"), validator, version),
        verb=_iri(args, "verb"),
        activity=_iri(args, "activity"),
        registration=_uuid(args, "registration"),
        related_activities=_bool(args, "related_activities"),
        related_agents=_bool(args, "related_agents"),
        since=_timestamp(args, "since"),
        until=_timestamp(args, "until"),
        limit=_limit(args),
        format=_format(args),
        attachments=_bool(args, "attachments"),
        ascending=_bool(args, "ascending"),
    )
    return query


def _single(args: MultiDict) -> SingleRequest:
    if "statementId" in args and "voidedStatementId" in args:
        raise BadRequest("statementId and voidedStatementId cannot be used together",
                         parameter="voidedStatementId", rule="xAPI 1.0.3 Communication 2.1.3.s2.b1")
    extra = set(args) - SINGLE_PARAMS
    if extra:
        name = sorted(extra)[0]
        raise BadRequest(f"parameter {name!r} cannot be combined with a statement id",
                         parameter=name, rule="xAPI 1.0.3 Communication 2.1.3.s2.b2")
    name = "statementId" if "statementId" in args else "voidedStatementId"
    return SingleRequest(statement_id=_given_uuid(args, name), voided=name == "voidedStatementId",
                         format=_format(args), attachments=_bool(args, "attachments"))


def _from_more(token: str) -> QueryRequest:
    try:
        query = QueryRequest(**_more_serializer().loads(token))
    except (BadData, TypeError):
        raise BadRequest("the `more` token is not one this LRS issued", parameter="more") from None
    if not isinstance(query.after_seq, int) or not isinstance(query.ceiling_seq, int):
        raise BadRequest("the `more` token is not one this LRS issued", parameter="more")
    return query


def statement_id_param(args: MultiDict) -> str:
    _reject_repeats(args)
    unknown = set(args) - {"statementId"}
    if unknown:
        name = sorted(unknown)[0]
        raise BadRequest(f"unknown parameter {name!r}", parameter=name)
    if "statementId" not in args:
        raise BadRequest("PUT needs the statementId parameter", parameter="statementId",
                         rule="xAPI 1.0.3 Communication 2.1.1")
    return _given_uuid(args, "statementId")


def reject_post_params(args: MultiDict) -> None:
    if args:
        name = sorted(args)[0]
        raise BadRequest(f"POST of statements takes no parameter {name!r}", parameter=name)


def parse_statements(content_type: str | None, body: bytes, max_attachment_bytes: int, *,
                     single: bool) -> tuple[list[Any], dict[str, Attachment]]:
    """The statement(s) of a PUT (`single`) or POST body, and its attachment parts."""
    content, parts = _parse_body(content_type, body, max_attachment_bytes)
    if single and not isinstance(content, dict):
        raise BadRequest("PUT takes a single statement object", pointer="")
    statements = content if isinstance(content, list) else [content]
    if not statements:
        raise BadRequest("an empty batch stores nothing; send at least one statement",
                         pointer="")
    return statements, parts


def _parse_body(content_type: str | None, body: bytes, max_attachment_bytes: int
                ) -> tuple[Any, dict[str, Attachment]]:
    mimetype = (content_type or "").split(";")[0].strip().lower()
    if mimetype == "application/json":
        if not body.strip():
            raise BadRequest("the request has no body; a statement is expected", pointer="")
        try:
            return parse_json(body), {}
        except JSONInputError as exc:
            raise BadRequest(f"the body is refused: {exc}", pointer=exc.pointer) from None
    if mimetype == "multipart/mixed":
        return parse_multipart(content_type or "", body, max_attachment_bytes)
    # A 400, not a 415: xAPI 1.0.3 Communication 1.5.1 (conformance requirement XAPI-00127).
    raise BadRequest(
        f"statements are sent as application/json or multipart/mixed, not {mimetype or 'nothing'}",
        header="Content-Type", rule="xAPI 1.0.3 Communication 1.5.1")


# --- parameter parsers ----------------------------------------------------------
def _reject_repeats(args: MultiDict) -> None:
    for name in args:
        if len(args.getlist(name)) > 1:
            raise BadRequest(f"parameter {name!r} is given more than once", parameter=name)


def _agent(raw: str | None, validator, version: str) -> str | None:
    if raw is None:
        return None
    try:
        agent = parse_json(raw)
    except JSONInputError as exc:
        raise BadRequest(f"the agent parameter is refused: {exc}", parameter="agent") from None
    validator.validate_agent(agent, version, parameter="agent")
    key = agent_key(agent)
    if key is None:
        raise BadRequest("the agent parameter must be an Agent or identified Group",
                         parameter="agent")
    return key


def _iri(args: MultiDict, name: str) -> str | None:
    value = args.get(name)
    if value is not None and not _IRI.match(value):
        raise BadRequest(f"{name} must be an absolute IRI", parameter=name)
    return value


def _uuid(args: MultiDict, name: str) -> str | None:
    return None if name not in args else _given_uuid(args, name)


def _given_uuid(args: MultiDict, name: str) -> str:
    value = args[name]
    try:
        return str(uuid.UUID(value)) if len(value) == 36 else _bad_uuid(name)
    except ValueError:
        return _bad_uuid(name)


def _bad_uuid(name: str) -> NoReturn:
    raise BadRequest(f"{name} must be a UUID", parameter=name)


# Python clients (TinCanPython) send str(True): "True"/"False" are read as the booleans.
_BOOLEANS = {"true": True, "false": False, "True": True, "False": False}


def _bool(args: MultiDict, name: str) -> bool:
    value = args.get(name)
    if value is None:
        return False
    if value not in _BOOLEANS:
        raise BadRequest(f"{name} must be true or false", parameter=name)
    return _BOOLEANS[value]


def _timestamp(args: MultiDict, name: str) -> str | None:
    value = args.get(name)
    if value is None:
        return None
    try:
        return parse_timestamp(value).isoformat()
    except ValueError:
        raise BadRequest(f"{name} must be an ISO 8601 timestamp", parameter=name) from None
    except OverflowError:  # 9999-12-31T23:00:00-05:00 is in the year 10000 in UTC
        raise BadRequest(f"{name} is not a real point in time (its UTC time is past the "
                         "year 9999 or before the year 1)", parameter=name) from None


def _limit(args: MultiDict) -> int | None:
    value = args.get("limit")
    if value is None:
        return None
    if not value.isdigit():
        raise BadRequest("limit must be a non-negative integer", parameter="limit")
    return int(value)


def _format(args: MultiDict) -> str:
    value = args.get("format", "exact")
    if value not in FORMATS:
        raise BadRequest("format must be ids, exact or canonical", parameter="format")
    return value


def to_datetime(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
