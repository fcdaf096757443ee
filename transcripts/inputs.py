"""Request → typed input for the transcripts API: the value types of its query models
(parsed by `hub.inputs.parse_query`: an unknown, repeated or malformed parameter is a 400
naming it), and the checks of path values and xAPI identities."""

from __future__ import annotations

import json
import unicodedata
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator

from hub.errors import BadRequest
from hub.timestamps import parse_timestamp
from transcripts.evidence import JAKARTA
from transcripts.identifiers import Actor, actor_of
from transcripts.nip import InvalidNip, parse_nip


def has_control(value: str) -> bool:
    """Control characters have no place in a name, agency or unit (and PostgreSQL refuses
    NUL in text)."""
    return any(unicodedata.category(c) == "Cc" for c in value)


def year(name: str, value: str) -> int:
    if not value.isdigit() or not 1900 <= int(value) <= 2200:
        raise BadRequest(f"{name} must be a year such as 2026", parameter=name)
    return int(value)


def current_year() -> int:
    return datetime.now(JAKARTA).year


def nip(name: str, value: str) -> str:
    try:
        return parse_nip(value).value
    except InvalidNip as exc:
        raise BadRequest(f"{name} is not a valid NIP: {exc}", parameter=name) from None


def nip_in_path(value: str) -> str:
    try:
        return parse_nip(value).value
    except InvalidNip as exc:
        raise BadRequest(f"the NIP in the path is not valid: {exc}", pointer="/nip") from None


def agent_identity(agent: Any, *, pointer: str | None = None,
                   parameter: str | None = None) -> Actor:
    if isinstance(agent, str):
        try:
            agent = json.loads(agent)
        except json.JSONDecodeError:
            raise BadRequest("agent must be JSON", pointer=pointer, parameter=parameter) \
                from None
    identifiers = [k for k in ("mbox", "mbox_sha1sum", "openid", "account")
                   if isinstance(agent, dict) and k in agent]
    actor = actor_of(agent) if len(identifiers) == 1 else None
    if actor is None or "\x00" in actor.identifier:
        raise BadRequest("agent must be an xAPI Agent with exactly one identifier "
                         "(mbox, mbox_sha1sum, openid or account)",
                         pointer=pointer, parameter=parameter)
    return actor


# --- query-string value types for `hub.inputs.parse_query` models ------------------------
# A query value is always a string; a ValueError message is reported after the name.

def _query_text(value: str) -> str:
    value = value.strip()
    if not value or len(value) > 200:
        raise ValueError("must be 1 to 200 characters")
    if has_control(value):
        raise ValueError("must not contain control characters")
    return value


def _query_year(value: object) -> int:
    if not isinstance(value, str) or not value.isdigit() or not 1900 <= int(value) <= 2200:
        raise ValueError("must be a year such as 2026")
    return int(value)


def _query_nip(value: str) -> str:
    try:
        return parse_nip(value).value
    except InvalidNip as exc:
        raise ValueError(f"is not a valid NIP: {exc}") from None


def _query_flag(value: object) -> bool:
    if value not in ("true", "false"):
        raise ValueError("must be true or false")
    return value == "true"


def _query_timestamp(value: object) -> datetime:
    try:
        return parse_timestamp(str(value))
    except ValueError:
        raise ValueError("must be an ISO 8601 timestamp") from None


Text = Annotated[str, AfterValidator(_query_text)]  # a name, agency, unit or key
Year = Annotated[int, BeforeValidator(_query_year)]
Nip = Annotated[str, AfterValidator(_query_nip)]
Flag = Annotated[bool, BeforeValidator(_query_flag)]  # exactly true or false
Timestamp = Annotated[datetime, BeforeValidator(_query_timestamp)]
Format = Literal["json", "csv"]
