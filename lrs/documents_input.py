"""Requests to the Document Resources, parsed into the typed inputs of lrs.documents.

Parameters are a strict model per resource (hub.inputs): a name the resource does not
know in this context, a name in the wrong case, or a name given twice is a 400 naming it
(xAPI 1.0.3 Communication 3.2.s3.b7-b8).  The parameter types `ActivityIdParam` and
`AgentParam` are shared with the Activities and Agents resources.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

import rfc3987
from flask import current_app, request
from pydantic import AfterValidator, BeforeValidator, Field

from hub.errors import BadRequest, PayloadTooLarge
from hub.inputs import Input, parse_query
from hub.json_input import JSONInputError
from hub.settings import current_settings
from lrs.documents import (
    DocumentDeletion,
    DocumentRead,
    DocumentResource,
    DocumentWrite,
    IdsRead,
    Preconditions,
    ScopeDeletion,
    Upload,
)
from lrs.identifiers import agent_key
from lrs.json_body import parse_json
from lrs.storage.contract import DocumentScope
from lrs.versioning import current_version

IFI_PROPERTIES = ("mbox", "mbox_sha1sum", "openid", "account")
DEFAULT_CONTENT_TYPE = "application/octet-stream"  # RFC 9110 §8.3: what a missing type means
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
# xAPI 1.0.3 Communication 3.2.s3.b7-b8: unknown names, and known ones in another case.
UNKNOWN_PARAMETER_RULE = "xAPI 1.0.3 Communication 3.2.s3.b7"
CONTENT_CODINGS = ("gzip", "br", "deflate", "zstd")
_SHA1_HEX = re.compile(r"^[0-9a-fA-F]{40}$")


# --- one function per method -------------------------------------------------------
def parse_get(resource: DocumentResource) -> DocumentRead | IdsRead:
    # `since` is accepted on single-document GETs too and ignored there (XAPI-00192).
    params = _params(resource, reading=True)
    document_id = params.document_id
    if document_id is None:
        since = params.since if isinstance(params, _Reading) else None
        return IdsRead(scope=_scope(resource, params), since=since)
    return DocumentRead(scope=_scope(resource, params), document_id=document_id)


def parse_write(resource: DocumentResource) -> DocumentWrite:
    params = _params(resource, reading=False)
    return DocumentWrite(scope=_scope(resource, params),
                         document_id=_required_document_id(resource, params),
                         upload=parse_upload(), preconditions=parse_preconditions(),
                         version=current_version())


def parse_delete(resource: DocumentResource) -> DocumentDeletion | ScopeDeletion:
    params = _params(resource, reading=False)
    scope = _scope(resource, params)
    document_id = (params.document_id if resource.can_delete_all
                   else _required_document_id(resource, params))
    if document_id is None:
        return ScopeDeletion(scope=scope, preconditions=parse_preconditions())
    return DocumentDeletion(scope=scope, document_id=document_id,
                            preconditions=parse_preconditions())


# --- parameter values ----------------------------------------------------------------
def _activity_id(value: str) -> str:
    if not rfc3987.match(value, rule="IRI"):
        raise ValueError("must be an absolute IRI")
    return value


def _agent(value: Any) -> dict[str, Any]:
    if not isinstance(value, str):
        raise ValueError("must be an Agent as JSON")
    return parse_agent_param(value, "agent")


def _registration(value: str) -> str:
    if not _UUID.match(value):
        raise ValueError("must be a UUID")
    return value.lower()


def _document_id(value: str) -> str:
    if value == "":
        raise ValueError("must not be empty")
    return value


def _since(value: Any) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value).replace("z", "Z"))
    except ValueError:
        raise ValueError("must be an ISO 8601 timestamp") from None
    # A timestamp without an offset is read as UTC, as the Statement resource reads it.
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


ActivityIdParam = Annotated[str, AfterValidator(_activity_id)]
AgentParam = Annotated[dict[str, Any], BeforeValidator(_agent)]
RegistrationParam = Annotated[str, AfterValidator(_registration)]
DocumentIdParam = Annotated[str, AfterValidator(_document_id)]
SinceParam = Annotated[datetime, BeforeValidator(_since)]


# --- one model per resource, and one with `since` for reading ----------------------------
class StateParams(Input):
    activity_id: ActivityIdParam = Field(alias="activityId")
    agent: AgentParam
    registration: RegistrationParam | None = None
    document_id: DocumentIdParam | None = Field(None, alias="stateId")


class ActivityProfileParams(Input):
    activity_id: ActivityIdParam = Field(alias="activityId")
    document_id: DocumentIdParam | None = Field(None, alias="profileId")


class AgentProfileParams(Input):
    agent: AgentParam
    document_id: DocumentIdParam | None = Field(None, alias="profileId")


class _Reading(Input):
    since: SinceParam | None = None


class StateReadParams(StateParams, _Reading):
    pass


class ActivityProfileReadParams(ActivityProfileParams, _Reading):
    pass


class AgentProfileReadParams(AgentProfileParams, _Reading):
    pass


DocumentParams = StateParams | ActivityProfileParams | AgentProfileParams
_MODELS: dict[str, tuple[type[DocumentParams], type[DocumentParams]]] = {
    "state": (StateParams, StateReadParams),
    "activity_profile": (ActivityProfileParams, ActivityProfileReadParams),
    "agent_profile": (AgentProfileParams, AgentProfileReadParams),
}


def _params(resource: DocumentResource, *, reading: bool) -> DocumentParams:
    writing_model, reading_model = _MODELS[resource.kind]
    return parse_query(reading_model if reading else writing_model, request.args,
                       unknown_rule=UNKNOWN_PARAMETER_RULE)


def _scope(resource: DocumentResource, params: DocumentParams) -> DocumentScope:
    agent = getattr(params, "agent", None)
    return DocumentScope(kind=resource.kind, activity_id=getattr(params, "activity_id", None),
                         agent_key=agent_key(agent) if agent is not None else None,
                         registration=getattr(params, "registration", None))


def _required_document_id(resource: DocumentResource, params: DocumentParams) -> str:
    if params.document_id is None:
        raise BadRequest(f"the {resource.id_param} parameter is required for this request",
                         parameter=resource.id_param)
    return params.document_id


def parse_agent_param(raw: str, parameter: str) -> dict[str, Any]:
    """An Agent given as a JSON parameter: an object with exactly one identifier."""
    try:
        agent = parse_json(raw)
    except JSONInputError as exc:
        raise BadRequest(f"the {parameter} parameter is not JSON ({exc})",
                         parameter=parameter) from None
    if not isinstance(agent, dict):
        raise BadRequest(f"the {parameter} parameter must be a JSON object (an Agent)",
                         parameter=parameter)
    if agent.get("objectType", "Agent") != "Agent":
        # xAPI 1.0.3 Communication 2.6: an Agent, not a Group; a Group's identifier
        # can be sent inside an Agent object instead.
        raise BadRequest(f"the {parameter} parameter must be an Agent (objectType Agent)",
                         parameter=parameter)
    identifiers = [prop for prop in IFI_PROPERTIES if prop in agent]
    if len(identifiers) != 1:
        raise BadRequest(f"the {parameter} parameter must carry exactly one of "
                         f"{', '.join(IFI_PROPERTIES)}", parameter=parameter,
                         rule="xAPI 1.0.3 Data 2.4.2.1")
    _check_identifier(identifiers[0], agent[identifiers[0]], parameter)
    if "name" in agent and not isinstance(agent["name"], str):
        raise BadRequest(f"{parameter}.name must be a string", parameter=parameter)
    validator = current_app.extensions.get("lrs.validator")
    if validator is not None:
        validator.validate_agent(agent, current_version(), parameter=parameter)
    return agent


def _check_identifier(prop: str, value: Any, parameter: str) -> None:
    problem = None
    if prop == "mbox":
        if not (isinstance(value, str) and value.startswith("mailto:") and "@" in value):
            problem = "mbox must be a mailto: IRI"
    elif prop == "mbox_sha1sum":
        if not (isinstance(value, str) and _SHA1_HEX.match(value)):
            problem = "mbox_sha1sum must be 40 hexadecimal digits"
    elif prop == "openid":
        if not (isinstance(value, str) and rfc3987.match(value, rule="URI")):
            problem = "openid must be an absolute URI"
    elif not (isinstance(value, dict) and set(value) == {"homePage", "name"}
              and isinstance(value["name"], str) and value["name"]
              and isinstance(value["homePage"], str)
              and rfc3987.match(value["homePage"], rule="IRI")):
        problem = "account must be an object with exactly homePage (an IRL) and name"
    if problem:
        raise BadRequest(f"{parameter}: {problem}", parameter=parameter)


# --- headers and body ----------------------------------------------------------------
def parse_preconditions() -> Preconditions:
    return Preconditions(if_match=_entity_tags(request.headers.get("If-Match")),
                         if_none_match=_entity_tags(request.headers.get("If-None-Match")))


def _entity_tags(raw: str | None) -> tuple[str, ...] | None:
    """RFC 7232 entity-tag lists, compared strongly: a weak tag (W/"…") never matches.
    Bare tags are accepted too, as some xAPI clients send the SHA-1 unquoted."""
    if raw is None:
        return None
    tags = []
    for part in raw.split(","):
        tag = part.strip()
        if not tag:
            continue
        if tag.startswith("W/"):
            tags.append("W/")  # a placeholder no ETag equals
        else:
            bare = tag[1:-1] if len(tag) >= 2 and tag[0] == tag[-1] == '"' else tag
            tags.append(_without_coding(bare))
    return tuple(tags)


def _without_coding(tag: str) -> str:
    """A gzip response names its representation "<sha1>:gzip" (flask-compress, RFC 9110
    §8.8.3); a client writing back what it read means the document's own SHA-1 ETag."""
    digest, _, coding = tag.partition(":")
    return digest if coding in CONTENT_CODINGS else tag


def parse_upload() -> Upload:
    limit = current_settings().lrs.max_document_bytes
    if request.content_length is not None and request.content_length > limit:
        raise _too_large(limit)
    content = request.get_data(cache=False)
    if len(content) > limit:
        raise _too_large(limit)
    content_type = request.headers.get("Content-Type") or DEFAULT_CONTENT_TYPE
    if len(content_type) > 255:
        raise BadRequest("the Content-Type header is longer than 255 characters",
                         header="Content-Type")
    return Upload(content=content, content_type=content_type)


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"documents are limited to {limit} bytes on this hub",
                           rule="xAPI 1.0.3 Communication 3.2.s3.b11")
