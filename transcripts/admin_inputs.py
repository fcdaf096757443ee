"""Typed bodies and query strings of the transcripts admin API."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, field_validator, model_validator

from hub.errors import BadRequest
from hub.inputs import Body, Input, whole_number
from transcripts.identifiers import Actor, lti_actor
from transcripts.inputs import (
    Flag,
    Nip,
    Text,
    Timestamp,
    agent_identity,
    has_control,
)

Page = Annotated[int, whole_number(1, 1000)]
AfterId = Annotated[int, whole_number(0, 2**62)]


def _label(value: str) -> str:
    if not value.strip() or len(value) > 200 or has_control(value):
        raise ValueError("must be a string of 1 to 200 characters without control characters")
    return value.strip()


# A name, agency or unit: trimmed, 1 to 200 characters, no control characters.
Label = Annotated[str, AfterValidator(_label)]


class PersonBody(Body):
    name: Label
    employee_type: Literal["PNS", "PPPK"]  # transcripts.storage.contract.EMPLOYEE_TYPES
    agency: Label
    unit: Label | None = None


class AgencyLimits(Body):
    agencies: list[Label]

    @field_validator("agencies")
    @classmethod
    def _some(cls, agencies: list[str]) -> list[str]:
        if not agencies:  # an empty list is not a way to lift the limit
            raise ValueError("must be a non-empty array of agency names (DELETE removes "
                             "the limit)")
        return agencies


class RuleBody(Body):
    """One mapping rule; POST /rules takes one or an array of them."""

    kind: str
    pattern: str
    competency: str | None = None  # a competency id
    level: int | None = None
    jp: float | None = None

    @field_validator("jp")
    @classmethod
    def _jp_range(cls, jp: float | None) -> float | None:
        if jp is not None and not 0 <= jp <= 1000:
            raise ValueError("jp must be a number from 0 to 1000")
        return jp

    def jp_centi(self) -> int | None:
        return None if self.jp is None else round(self.jp * 100)


def _lti_value(value: str) -> str:
    if not value or has_control(value):
        raise ValueError("must be a non-empty string without control characters")
    return value


class LtiUser(Body):
    issuer: Annotated[str, AfterValidator(_lti_value)]
    sub: Annotated[str, AfterValidator(_lti_value)]


class IdentityLink(Body):
    """POST /identities: link `agent` (an xAPI Agent with one IFI) or `lti` to `nip`."""

    nip: Nip
    agent: object = None
    lti: LtiUser | None = None
    relink: bool = False

    @field_validator("agent")
    @classmethod
    def _one_identifier(cls, agent: object) -> object:
        if agent is not None:
            agent_identity(agent, pointer="/agent")  # its own 400: the xAPI agent rule
        return agent

    @model_validator(mode="after")
    def _exactly_one(self) -> IdentityLink:
        if (self.agent is None) == (self.lti is None):
            raise BadRequest("give exactly one of agent or lti", pointer="/agent")
        return self

    def actor(self) -> Actor:
        if self.lti is not None:
            return lti_actor(self.lti.issuer, self.lti.sub)
        return agent_identity(self.agent, pointer="/agent")


class IdentityQuery(Input):
    """DELETE /identities: `agent` (JSON), or `lti_issuer` and `lti_sub`."""

    agent: str | None = None
    lti_issuer: Text | None = None
    lti_sub: Text | None = None

    @field_validator("agent")
    @classmethod
    def _one_identifier(cls, agent: str | None) -> str | None:
        if agent is not None:
            agent_identity(agent, parameter="agent")
        return agent

    @model_validator(mode="after")
    def _some_identity(self) -> IdentityQuery:
        if self.agent is None and (self.lti_issuer is None or self.lti_sub is None):
            raise BadRequest("give agent, or lti_issuer and lti_sub", parameter="agent")
        return self

    def actor(self) -> Actor:
        if self.agent is not None:
            return agent_identity(self.agent, parameter="agent")
        assert self.lti_issuer is not None and self.lti_sub is not None  # _some_identity
        return lti_actor(self.lti_issuer, self.lti_sub)


class RosterQuery(Input):
    skip_invalid: Flag = False


class ConflictsQuery(Input):
    open: Flag = True
    after: AfterId | None = None
    limit: Page = 100


class CsvFrameworkQuery(Input):
    """A CSV framework names itself in the query: ?id=&title=."""

    id: Text
    title: Text


class AccessLogQuery(Input):
    subject: Text | None = None
    credential: Text | None = None
    action: Text | None = None
    since: Timestamp | None = None
    until: Timestamp | None = None
    after: AfterId | None = None
    limit: Page = 100
