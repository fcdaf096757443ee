"""Typed inputs of the tool role's admin API (bodies and query strings)."""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, ConfigDict, StringConstraints

from hub.inputs import Body, Input, NonBlank
from lti.tool.registration import InvalidRegistration, check_url


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


# --- the pages (lti.tool.views) ----------------------------------------------------------
def _no_control(value: str) -> str:
    # These pages check this themselves (hub.guards leaves NUL to them), to say it on a page;
    # PostgreSQL text cannot hold NUL, and no id, search or URL needs a control character.
    if any(unicodedata.category(c) == "Cc" for c in value):
        raise ValueError("must not hold control characters")
    return value


PageText = Annotated[str, AfterValidator(_no_control)]


class PageFields(Input):
    """What every LTI page takes: `lang`, the language switch (`?lang=` links and the
    pages' own forms send it; hub.i18n.pick_language reads it)."""

    lang: PageText | None = None


class CourseQuery(PageFields):
    roster: Literal["failed"] | None = None  # set by the hub's own redirect after a refresh


class CatalogueSearch(PageFields):
    """The deep-linking page's search form."""

    q: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200),
                 AfterValidator(_no_control)] = ""


class DeepLinkChoice(PageFields):
    """The deep-linking page's choice form: the catalogue ids ticked. None ticked is an
    answer too (an empty content_items list: the LMS adds nothing)."""

    entry: list[Annotated[NonBlank, AfterValidator(_no_control)]] = []


def _configuration_url(value: str) -> str:
    try:
        return check_url("openid_configuration", value)
    except InvalidRegistration as exc:
        raise ValueError(exc.message) from None


class RegistrationQuery(Input):
    """LTI DR 1.0 §3.3: the platform opens the registration URL with `openid_configuration`
    (required) and `registration_token` (optional). The spec names no others and says
    nothing of them; they are ignored, not refused, because the LMS builds this URL, not
    the admin: a platform adding a name of its own must not make registering impossible
    (the hub reads none of them)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    openid_configuration: Annotated[PageText, AfterValidator(_configuration_url)]
    registration_token: PageText | None = None
