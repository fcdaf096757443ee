"""Typed inputs of the platform role: its admin API, the services it offers tools (OAuth 2
token, AGS 2.0, NRPS 2.0) and its browser pages (OIDC authorization, catalogue, Deep
Linking return).

The services and the authorization endpoint are called by the partners' LTI libraries, so
their models ignore names they do not know where the spec lets a server do so (each says
which); their faults are turned into the spec's own errors by lti.platform.oauth and
lti.platform.authorize.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel
from werkzeug.datastructures import MultiDict

from hub.errors import BadRequest
from hub.inputs import Body, Input, NonBlank, whole_number


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


# --- the services' query strings --------------------------------------------------------
PageLimit = Annotated[int, whole_number(1, 1000)]
DEFAULT_LIMIT = 100


class LineItemsQuery(Input):
    """AGS 2.0 §3.2.4 container request filters. The spec defines no error for other
    parameters and tools send their own (Canvas' `include`), so they are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    resource_link_id: str | None = None
    resource_id: str | None = None
    tag: str | None = None
    after: Annotated[int, whole_number(0, 2**62)] | None = None  # the last line item's id
    limit: PageLimit = DEFAULT_LIMIT


class ResultsQuery(Input):
    """AGS 2.0 §3.3 result service filters; other parameters ignored, as on line items."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    user_id: str | None = None
    after: str | None = None  # the last result's user
    limit: PageLimit = DEFAULT_LIMIT


class MembershipsQuery(Input):
    """NRPS 2.0 filters; other parameters ignored: pylti1p3 and ltijs send `rlid`
    (resource link membership), which the hub answers with the whole context."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    role: str | None = None
    after: str | None = None  # the last member's sub
    limit: PageLimit = DEFAULT_LIMIT


# --- the AGS bodies ------------------------------------------------------------------------
def instant(value: str) -> datetime:
    """An ISO 8601 date and time with a time zone."""
    try:
        parsed = datetime.fromisoformat(value) if len(value) <= 40 else None
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise ValueError("must be an ISO 8601 date and time with a time zone")
    return parsed


def _instant_text(value: str) -> str:
    instant(value)
    return value


def _timestamp(value: object) -> datetime:
    if not isinstance(value, str):
        raise ValueError("must be an ISO 8601 date and time with a time zone")
    return instant(value)


Text = Annotated[NonBlank, Field(max_length=1000)]
Identifier = Annotated[NonBlank, Field(max_length=64)]
InstantText = Annotated[str, AfterValidator(_instant_text)]  # kept as the tool wrote it
Timestamp = Annotated[datetime, BeforeValidator(_timestamp)]
Points = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Maximum = Annotated[float, Field(gt=0, allow_inf_nan=False)]


class AgsBody(Body):
    """JSON types kept, camelCase names. AGS objects carry properties of other specs and
    extensions (pylti1p3 sends a line item's `submissionReview`, LTI Submission Review
    1.0, and a score's extra claims): those the hub does not use are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True, strict=True,
                              alias_generator=to_camel)


class LineItemBody(AgsBody):
    """AGS 2.0 §3.2: a new or replaced line item."""

    id: str | None = None  # on PUT, the line item's own URL
    label: Text
    score_maximum: Maximum
    resource_id: Text | None = None
    resource_link_id: Identifier | None = None
    tag: Text | None = None
    start_date_time: InstantText | None = None
    end_date_time: InstantText | None = None

    @field_validator("end_date_time")
    @classmethod
    def _not_before_start(cls, end: str | None, info: ValidationInfo) -> str | None:
        start = info.data.get("start_date_time")
        if start and end and instant(end) < instant(start):
            raise ValueError("is before startDateTime")
        return end


ActivityProgress = Literal["Initialized", "Started", "InProgress", "Submitted", "Completed"]
GradingProgress = Literal["FullyGraded", "Pending", "PendingManual", "Failed", "NotReady"]


class ScoreBody(AgsBody):
    """AGS 2.0 §3.4: userId, timestamp, activityProgress and gradingProgress are required;
    scoreGiven needs scoreMaximum."""

    user_id: Identifier
    timestamp: Timestamp
    activity_progress: ActivityProgress
    grading_progress: GradingProgress
    score_given: Points | None = None
    score_maximum: Maximum | None = None
    comment: str | None = None

    @model_validator(mode="after")
    def _given_needs_maximum(self) -> ScoreBody:
        if self.score_given is not None and self.score_maximum is None:
            raise BadRequest("/scoreMaximum is required with scoreGiven",
                             pointer="/scoreMaximum")
        return self


# --- OAuth 2 and OpenID Connect requests -------------------------------------------------
def oauth_parameters(values: MultiDict[str, str]) -> MultiDict[str, str]:
    """RFC 6749 §3.1, §3.2: "Parameters sent without a value MUST be treated as if they
    were omitted from the request"."""
    return MultiDict([(k, v) for k, v in values.items(multi=True) if v])


class TokenRequest(Input):
    """RFC 6749 §4.4.2 with RFC 7523 §2.2 client authentication. RFC 6749 §3.2: "The
    authorization server MUST ignore unrecognized request parameters"."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    grant_type: Literal["client_credentials"]
    client_assertion_type: Literal["urn:ietf:params:oauth:client-assertion-type:jwt-bearer"]
    client_assertion: str
    client_id: str | None = None
    scope: str = ""  # none asked is invalid_scope (RFC 6749 §3.3), not a malformed request


def _openid(scope: str) -> str:
    if "openid" not in scope.split():
        raise ValueError("must contain openid")
    return scope


class AuthorizationClient(Input):
    """What an authentication request's errors wait for: until the client and its
    redirect URI are checked, no error may go back to the tool (RFC 6749 §4.2.2.1)."""

    # RFC 6749 §3.1: "The authorization server MUST ignore unrecognized request
    # parameters" (OIDC Core §3.1.2.1 adds display, ui_locales, max_age, ...).
    model_config = ConfigDict(extra="ignore", frozen=True)
    client_id: str = ""  # not a registered tool's: unauthorized_client
    redirect_uri: str = ""


class AuthorizationRequest(AuthorizationClient):
    """OIDC Core §3.1.2.1 as LTI Security Framework 1.0 §5.1.1.2 profiles it; the fields
    are in the order their faults are reported."""

    state: str | None = None
    scope: Annotated[str, AfterValidator(_openid)]
    response_type: Literal["id_token"]
    response_mode: Literal["form_post"]
    prompt: Literal["none"]
    nonce: Annotated[str, Field(max_length=255)]
    lti_message_hint: str
    login_hint: str


# --- the pages -----------------------------------------------------------------------------
class CatalogueQuery(Input):
    launch: str = ""  # a tool-role launch id: sign its learner in first
    lang: str | None = None  # the language switch (lti.i18n.pick_language)


class CatalogueLaunchForm(Input):
    csrf: str | None = None


class DeepLinkReturnForm(Input):
    """Deep Linking 2.0: the tool's auto-posted form carries the response as `JWT`. The
    form is built by the partner's library, which may add fields of its own: ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    JWT: str = ""
