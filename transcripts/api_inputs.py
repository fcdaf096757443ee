"""Typed query strings and bodies of the auditor API (`transcripts.api`)."""

from __future__ import annotations

from typing import Annotated, Literal

from hub.inputs import Body, Input, whole_number
from transcripts.inputs import Flag, Format, Nip, Text, Year


class NoParameters(Input):
    """An endpoint that takes no query parameters."""


class PeopleQuery(Input):
    year: Year | None = None  # default: the current year in Jakarta
    agency: Text | None = None
    unit: Text | None = None
    name: Text | None = None
    compliance: Literal["compliant", "non_compliant", "unknown"] | None = None
    after: Nip | None = None
    limit: Annotated[int, whole_number(1, 1000)] = 100
    format: Format = "json"


class TranscriptQuery(Input):
    format: Format = "json"


class AgencyReportQuery(Input):
    agency: Text
    year: Year | None = None
    limit: Annotated[int, whole_number(1, 5000)] | None = None
    after: Nip | None = None
    format: Format = "json"


class FrameworksQuery(Input):
    competencies: Flag = False


class VerifyBody(Body):
    credential: object  # checked by the view: one message for either way of sending it
