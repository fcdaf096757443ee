"""Typed inputs of the credentials API."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, Field, field_validator

from hub.auth import ALL_SCOPES
from hub.inputs import Body, Input, NonBlank


def _known_scope(scope: str) -> str:
    if scope not in ALL_SCOPES:
        raise ValueError(f"unknown scope {scope!r}; known scopes: "
                         f"{', '.join(sorted(ALL_SCOPES))}")
    return scope


class NewCredential(Body):
    name: NonBlank
    owner: NonBlank
    scopes: list[Annotated[str, AfterValidator(_known_scope)]] = Field(min_length=1)
    authority: dict[str, Any] | None = None  # an xAPI Agent; checked when issuing

    @field_validator("name", "owner")
    @classmethod
    def _stripped(cls, value: str) -> str:
        return value.strip()


class NoParameters(Input):
    """A resource that takes no query parameters."""
