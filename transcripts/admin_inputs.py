"""Typed bodies of the transcripts admin API."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, field_validator

from hub.inputs import Body
from transcripts.inputs import has_control


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
