"""Statement request inputs: strict query parameters and request bodies."""

from __future__ import annotations

import re
import uuid
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Annotated, Any

from flask import current_app
from itsdangerous import BadData, URLSafeSerializer
from pydantic import AfterValidator, BeforeValidator, Field, ValidationInfo
from werkzeug.datastructures import MultiDict

from hub.errors import BadRequest
from hub.inputs import Input, parse_query
from hub.json_input import JSONInputError
from hub.timestamps import parse_timestamp
from lrs.documents_input import UNKNOWN_PARAMETER_RULE
from lrs.identifiers import agent_key
from lrs.json_body import parse_json
from lrs.statements.attachments import parse_multipart
from lrs.statements.formats import FORMATS
from lrs.storage.contract import Attachment

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


def parse_get(args: MultiDict[str, str], validator: Any,
              version: str) -> SingleRequest | QueryRequest:
    if "more" in args:
        if len(args) > 1:
            raise BadRequest("`more` cannot be combined with other parameters", parameter="more")
        return _from_more(parse_query(MoreParams, args).more)
    if "statementId" in args or "voidedStatementId" in args:
        return _single(args)
    params = parse_query(QueryParams, args, unknown_rule=UNKNOWN_PARAMETER_RULE,
                         context={"validator": validator, "version": version})
    return QueryRequest(**params.model_dump())


def _single(args: MultiDict[str, str]) -> SingleRequest:
    if "statementId" in args and "voidedStatementId" in args:
        raise BadRequest("statementId and voidedStatementId cannot be used together",
                         parameter="voidedStatementId", rule="xAPI 1.0.3 Communication 2.1.3.s2.b1")
    params = parse_query(SingleParams, args, unknown_rule="xAPI 1.0.3 Communication 2.1.3.s2.b2")
    given = params.statement_id or params.voided_statement_id
    assert given is not None  # one of the two is in `args`, and both are not
    return SingleRequest(statement_id=given, voided=params.statement_id is None,
                         format=params.format, attachments=params.attachments)


def _from_more(token: str) -> QueryRequest:
    try:
        query = QueryRequest(**_more_serializer().loads(token))
    except (BadData, TypeError):
        raise BadRequest("the `more` token is not one this LRS issued", parameter="more") from None
    if not isinstance(query.after_seq, int) or not isinstance(query.ceiling_seq, int):
        raise BadRequest("the `more` token is not one this LRS issued", parameter="more")
    return query


def statement_id_param(args: MultiDict[str, str]) -> str:
    params = parse_query(PutParams, args, unknown_rule=UNKNOWN_PARAMETER_RULE)
    if params.statement_id is None:
        raise BadRequest("PUT needs the statementId parameter", parameter="statementId",
                         rule="xAPI 1.0.3 Communication 2.1.1")
    return params.statement_id


def reject_post_params(args: MultiDict[str, str]) -> None:
    parse_query(PostParams, args, unknown_rule=UNKNOWN_PARAMETER_RULE)


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


# --- parameter values ----------------------------------------------------------
def _statement_agent(raw: str, info: ValidationInfo) -> str:
    """The agent_key of an Agent or identified Group given as JSON, checked as in statements."""
    try:
        agent = parse_json(raw)
    except JSONInputError as exc:
        raise BadRequest(f"the agent parameter is refused: {exc}", parameter="agent") from None
    context = info.context or {}
    context["validator"].validate_agent(agent, context["version"], parameter="agent")
    key = agent_key(agent)
    if key is None:
        raise ValueError("must be an Agent or identified Group")
    return key


def _iri(value: str) -> str:
    if not _IRI.match(value):
        raise ValueError("must be an absolute IRI")
    return value


def _uuid(value: str) -> str:
    try:
        if len(value) == 36:
            return str(uuid.UUID(value))
    except ValueError:
        pass
    raise ValueError("must be a UUID")


# Python clients (TinCanPython) send str(True): "True"/"False" are read as the booleans.
_BOOLEANS = {"true": True, "false": False, "True": True, "False": False}


def _bool(value: Any) -> bool:
    if value not in _BOOLEANS:
        raise ValueError("must be true or false")
    return _BOOLEANS[value]


def _timestamp(value: str) -> str:
    try:
        return parse_timestamp(value).isoformat()
    except ValueError:
        raise ValueError("must be an ISO 8601 timestamp") from None
    except OverflowError:  # 9999-12-31T23:00:00-05:00 is in the year 10000 in UTC
        raise ValueError("is not a real point in time (its UTC time is past the "
                         "year 9999 or before the year 1)") from None


def _limit(value: Any) -> int:
    if not (isinstance(value, str) and value.isdigit()):
        raise ValueError("must be a non-negative integer")
    return int(value)


def _format(value: str) -> str:
    if value not in FORMATS:
        raise ValueError("must be ids, exact or canonical")
    return value


StatementAgent = Annotated[str, AfterValidator(_statement_agent)]
IRI = Annotated[str, AfterValidator(_iri)]
UUIDParam = Annotated[str, AfterValidator(_uuid)]
XAPIBool = Annotated[bool, BeforeValidator(_bool)]
Timestamp = Annotated[str, AfterValidator(_timestamp)]
Limit = Annotated[int, BeforeValidator(_limit)]
Format = Annotated[str, AfterValidator(_format)]


class QueryParams(Input):
    """GET /statements without an id (xAPI 1.0.3 Communication 2.1.3)."""

    agent: StatementAgent | None = None
    verb: IRI | None = None
    activity: IRI | None = None
    registration: UUIDParam | None = None
    related_activities: XAPIBool = False
    related_agents: XAPIBool = False
    since: Timestamp | None = None
    until: Timestamp | None = None
    limit: Limit | None = None  # None: the hub's page size; 0: the most it allows
    format: Format = "exact"
    attachments: XAPIBool = False
    ascending: XAPIBool = False


class SingleParams(Input):
    """GET of one statement (2.1.3.s2.b2: only format and attachments go with an id)."""

    statement_id: UUIDParam | None = Field(None, alias="statementId")
    voided_statement_id: UUIDParam | None = Field(None, alias="voidedStatementId")
    format: Format = "exact"
    attachments: XAPIBool = False


class MoreParams(Input):
    more: str


class PutParams(Input):
    statement_id: UUIDParam | None = Field(None, alias="statementId")


class PostParams(Input):
    """POST /statements takes no parameter."""


def to_datetime(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
