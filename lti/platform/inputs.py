"""Typed inputs of the platform role's admin API."""

from __future__ import annotations

from typing import Any

from hub.inputs import Body


class ToolRegistration(Body):
    name: str
    organisation: str
    login_url: str
    target_link_uri: str
    jwks_url: str
    redirect_uris: list[str] = []
    deep_linking_url: str | None = None
    custom: dict[str, str] = {}
    services: list[str] = []
    personal_data: list[str] = []


class ToolChanges(Body):
    """A PATCH: only the fields given change; their values are checked as at
    registration, and `client_id` and `deployment_id` are refused there."""

    client_id: Any = None
    deployment_id: Any = None
    name: str = ""
    organisation: str = ""
    login_url: str = ""
    target_link_uri: str = ""
    jwks_url: str = ""
    redirect_uris: list[str] = []
    deep_linking_url: str | None = None
    custom: dict[str, str] = {}
    services: list[str] = []
    personal_data: list[str] = []

    def changes(self) -> dict[str, Any]:
        given = self.model_dump(exclude_unset=True)
        for name in ("redirect_uris", "services", "personal_data"):
            if name in given:
                given[name] = tuple(given[name])
        return given


class PlacementBody(Body):
    catalogue_id: str
    tool_id: int
    url: str | None = None
    custom: dict[str, str] = {}
    lesson_hours: float | None = None
    passing_score: float | None = None
