"""The LTI platform slice of the storage contract: partner tools, their placements,
learners, contexts, links, line items and results.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


# --- lti platform ------------------------------------------------------------
# The hub as an LTI 1.3 platform that launches partner tools (lti/platform).  Its keys
# use the LtiKeyStore protocol above, on a table of their own.
@dataclass(frozen=True)
class PartnerTool:
    """A registered partner tool; the hub issued its client id and deployment id."""

    id: int | None
    client_id: str
    deployment_id: str
    name: str
    organisation: str
    login_url: str  # OIDC third-party initiated login
    target_link_uri: str
    redirect_uris: tuple[str, ...]
    jwks_url: str
    custom: dict[str, str]
    services: frozenset[str]  # lineitem | lineitem.readonly | result.readonly | score | nrps
    personal_data: frozenset[str]  # name | email | nip
    sub_salt: str  # per-tool secret: `sub` = HMAC(salt, hub identity)
    created_at: datetime
    deep_linking_url: str | None = None
    disabled_at: datetime | None = None  # set: not launched, no tokens, no services

    @property
    def enabled(self) -> bool:
        return self.disabled_at is None

    @property
    def stored_id(self) -> int:
        """The id of a tool read from the store; only one not yet inserted has none."""
        if self.id is None:
            raise ValueError(f"partner tool {self.client_id} is not stored")
        return self.id


@dataclass(frozen=True)
class ToolPlacement:
    """Which tool launches a catalogue entry, where, and what the activity is worth."""

    catalogue_id: str
    tool_id: int
    custom: dict[str, str]
    created_at: datetime
    url: str | None = None  # None: the tool's target link URI
    lesson_hours: float | None = None  # JP
    passing_score: float | None = None  # scaled 0..1; None: no passed/failed statements


@dataclass(frozen=True)
class PlatformLearner:
    """A learner as one tool knows them (`sub`) and who they are at the hub: the LTI
    account they signed in with (issuer, learner_sub)."""

    tool_id: int
    sub: str
    issuer: str
    learner_sub: str
    updated: datetime
    name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    email: str | None = None
    nip: str | None = None


@dataclass(frozen=True)
class PlatformContext:
    id: str
    kind: str  # lms (relayed from an LMS course) | catalogue (the hub's own catalogue)
    updated: datetime
    lms_platform_id: int | None = None
    lms_context_id: str | None = None
    title: str | None = None
    label: str | None = None


@dataclass(frozen=True)
class PlatformMember:
    tool_id: int
    context_id: str
    sub: str
    roles: tuple[str, ...]
    updated: datetime


@dataclass(frozen=True)
class PlatformLink:
    """A resource link the hub launched a tool from."""

    id: str
    tool_id: int
    context_id: str
    catalogue_id: str
    updated: datetime
    title: str | None = None
    lms_platform_id: int | None = None
    lms_resource_link_id: str | None = None


@dataclass(frozen=True)
class PlatformLineItem:
    """An AGS 2.0 line item (a gradebook column) of one tool in one context."""

    id: int | None
    tool_id: int
    context_id: str
    label: str
    score_maximum: float
    created_at: datetime
    resource_id: str | None = None
    resource_link_id: str | None = None
    tag: str | None = None
    start_date_time: str | None = None
    end_date_time: str | None = None

    @property
    def stored_id(self) -> int:
        """The id of a line item read from the store; only a new one has none."""
        if self.id is None:
            raise ValueError(f"line item {self.label!r} of tool {self.tool_id} is not stored")
        return self.id


@dataclass(frozen=True)
class LineItemQuery:
    tool_id: int
    context_id: str
    resource_link_id: str | None = None
    resource_id: str | None = None
    tag: str | None = None
    after_id: int | None = None
    limit: int = 100


@dataclass(frozen=True)
class PlatformResult:
    """The latest score of one user on one line item."""

    line_item_id: int
    sub: str
    activity_progress: str
    grading_progress: str
    timestamp: datetime
    updated: datetime
    score_given: float | None = None
    score_maximum: float | None = None
    comment: str | None = None


class LtiPlatformToolStore(Protocol):
    def insert_tool(self, tool: PartnerTool) -> PartnerTool:
        """Store and return with its id; AlreadyExists when the client id is taken."""

    def get_tool(self, tool_id: int) -> PartnerTool | None: ...
    def find_tool(self, client_id: str) -> PartnerTool | None: ...
    def list_tools(self) -> list[PartnerTool]: ...
    def update_tool(self, tool: PartnerTool) -> PartnerTool | None:
        """Replace the editable fields of tool `tool.id` (name, organisation, URLs,
        redirect URIs, custom parameters, services, personal data); the client id,
        deployment id, sub salt, creation time and disabled state stay.  None when there
        is no such tool."""

    def set_tool_disabled(self, tool_id: int, when: datetime | None) -> bool:
        """Disable the tool at `when`, or enable it again with None; False when there is
        no such tool.  Disabling a disabled tool keeps its first time."""

    def put_placement(self, placement: ToolPlacement) -> None:
        """Insert or replace by catalogue id."""

    def get_placement(self, catalogue_id: str) -> ToolPlacement | None: ...
    def list_placements(self, tool_id: int | None = None) -> list[ToolPlacement]: ...
    def remember_assertion(self, client_id: str, jti: str, expires_at: datetime) -> bool:
        """Record a client assertion id; False when it was already recorded (a replay)."""

    def purge_assertions(self, now: datetime) -> int: ...


class LtiPlatformRosterStore(Protocol):
    def upsert_learners(self, learners: Sequence[PlatformLearner]) -> None: ...
    def find_learners(self, tool_id: int, subs: Iterable[str]) -> dict[str, PlatformLearner]: ...
    def upsert_context(self, context: PlatformContext) -> None: ...
    def get_context(self, context_id: str) -> PlatformContext | None: ...
    def upsert_members(self, members: Sequence[PlatformMember]) -> None: ...
    def list_members(self, tool_id: int, context_id: str, *, after_sub: str | None = None,
                     limit: int = 100) -> list[PlatformMember]:
        """Members ordered by sub, after `after_sub` (a keyset cursor)."""

    def upsert_link(self, link: PlatformLink) -> None: ...
    def get_link(self, link_id: str) -> PlatformLink | None: ...


class LtiPlatformGradebookStore(Protocol):
    def insert_line_item(self, item: PlatformLineItem) -> PlatformLineItem: ...
    def get_line_item(self, item_id: int) -> PlatformLineItem | None: ...
    def update_line_item(self, item: PlatformLineItem) -> bool: ...
    def delete_line_item(self, item_id: int) -> bool:
        """Delete the line item and its results."""

    def query_line_items(self, query: LineItemQuery) -> list[PlatformLineItem]:
        """Ordered by id, after `after_id`, at most `limit`."""

    def save_result(self, result: PlatformResult, *,
                    implausible_after: datetime | None = None) -> bool:
        """Store the score unless one with the same or a later timestamp is stored for
        the same line item and user (atomically); False when it was not stored.  A stored
        score dated after `implausible_after` is replaced whatever the new timestamp."""

    def list_results(self, line_item_id: int, *, user_id: str | None = None,
                     after_sub: str | None = None, limit: int = 100) -> list[PlatformResult]:
        """Ordered by user, after `after_sub`."""
