"""Typed inputs of the tool role's admin API (bodies and query strings)."""

from __future__ import annotations

from typing import Any, Literal

from hub.inputs import Body, Input, NonBlank


class PlatformRegistration(Body):
    issuer: NonBlank
    client_id: NonBlank
    name: str = ""
    auth_login_url: NonBlank
    token_url: NonBlank
    jwks_url: NonBlank
    deployment_ids: list[str] = []
    auth_audience: str | None = None


class PlatformChanges(Body):
    """A PATCH: only the fields given change; their values are checked as at
    registration, and `issuer` is refused there with the reason."""

    issuer: Any = None
    client_id: str = ""
    name: str = ""
    auth_login_url: str = ""
    token_url: str = ""
    jwks_url: str = ""
    deployment_ids: list[str] = []
    auth_audience: str | None = None

    def changes(self) -> dict[str, Any]:
        given = self.model_dump(exclude_unset=True)
        if "deployment_ids" in given:
            given["deployment_ids"] = tuple(given["deployment_ids"])
        return given


class NewDeployment(Body):
    deployment_id: NonBlank


class InviteRequest(Body):
    note: str = ""


class CatalogueEntryBody(Body):
    id: NonBlank
    title: NonBlank
    description: str = ""
    activity_id: NonBlank
    launch_url: NonBlank
    keywords: str = ""
    graded: bool = False
    score_maximum: float | None = None


class CatalogueQuery(Input):
    q: str = ""


class GradeJobsQuery(Input):
    status: Literal["pending", "done", "failed"] | None = None
