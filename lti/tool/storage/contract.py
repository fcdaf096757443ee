"""The LTI tool slice of the storage contract: platforms that launch the hub, OIDC
values, rosters, the Deep Linking catalogue and grade-passback jobs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class LtiPlatform:
    """A registered LMS: one (issuer, client id) pair and its deployments."""

    id: int | None
    issuer: str
    client_id: str
    name: str
    auth_login_url: str
    token_url: str
    jwks_url: str
    created_at: datetime
    auth_audience: str | None = None
    deployment_ids: tuple[str, ...] = ()
    disabled_at: datetime | None = None  # set: refused at login, launch and services

    @property
    def enabled(self) -> bool:
        return self.disabled_at is None

    @property
    def stored_id(self) -> int:
        """The id of a platform read from the store; only one not yet inserted has none."""
        if self.id is None:
            raise ValueError(f"platform {self.issuer} {self.client_id} is not stored")
        return self.id


class LtiPlatformStore(Protocol):
    def insert_platform(self, platform: LtiPlatform) -> LtiPlatform:
        """Store with its deployments and return it with its id; AlreadyExists when
        the (issuer, client id) pair is registered."""

    def get_platform(self, platform_id: int) -> LtiPlatform | None: ...
    def find_platforms(self, issuer: str) -> list[LtiPlatform]: ...
    def list_platforms(self) -> list[LtiPlatform]: ...
    def update_platform(self, platform: LtiPlatform) -> LtiPlatform | None:
        """Replace the editable fields of platform `platform.id` (client id, name, URLs,
        audience) and its set of deployments, in one transaction; the issuer, creation
        time and disabled state stay.  None when there is no such platform; AlreadyExists
        when another registration has the (issuer, client id) pair."""

    def set_platform_disabled(self, platform_id: int, when: datetime | None) -> bool:
        """Disable the platform at `when`, or enable it again with None; False when
        there is no such platform.  Disabling a disabled platform keeps its first time."""

    def add_deployment(self, platform_id: int, deployment_id: str, when: datetime) -> bool:
        """False when the deployment was already there."""

    def remove_deployment(self, platform_id: int, deployment_id: str) -> bool: ...
    def insert_invite(self, token_digest: str, note: str, created_at: datetime,
                      expires_at: datetime) -> None: ...
    def invite_is_open(self, token_digest: str, now: datetime) -> bool: ...
    def close_invite(self, token_digest: str, platform_id: int, when: datetime) -> bool:
        """Mark an open, unexpired invite used; False when it was not open (single use)."""


class LtiSessionStore(Protocol):
    """Short-lived values shared by every worker: OIDC state, nonces, launch data,
    cached platform key sets.  Expired values read as absent."""

    def put_value(self, key: str, value: Any, expires_at: datetime) -> None: ...
    def get_value(self, key: str, now: datetime) -> Any | None: ...
    def take_value(self, key: str, now: datetime) -> Any | None:
        """Remove and return the value; of concurrent callers only one gets it."""

    def purge_expired(self, now: datetime) -> int: ...


@dataclass(frozen=True)
class LtiUser:
    issuer: str
    sub: str
    updated: datetime
    name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    email: str | None = None
    sourcedid: str | None = None
    nip: str | None = None
    hub_identity: str | None = None


@dataclass(frozen=True)
class LtiContext:
    platform_id: int
    context_id: str
    updated: datetime
    title: str | None = None
    label: str | None = None
    memberships_url: str | None = None


@dataclass(frozen=True)
class LtiMember:
    platform_id: int
    context_id: str
    sub: str
    roles: tuple[str, ...]
    status: str  # Active | Inactive | Deleted (NRPS 2.0)
    launched: bool
    updated: datetime


@dataclass(frozen=True)
class LtiResourceLink:
    platform_id: int
    resource_link_id: str
    deployment_id: str
    activity_key: str  # SHA-256 of the link's xAPI activity IRI
    updated: datetime
    context_id: str | None = None
    title: str | None = None
    catalogue_id: str | None = None
    lineitem_url: str | None = None
    lineitems_url: str | None = None
    ags_scopes: tuple[str, ...] = ()


class LtiRosterStore(Protocol):
    """Who launched the hub from where.  Upserts keep stored values where the new
    record has None (an NRPS page does not erase what a launch told)."""

    def upsert_users(self, users: Sequence[LtiUser]) -> None: ...
    def find_user(self, issuer: str, sub: str) -> LtiUser | None: ...
    def find_users(self, issuer: str, subs: Iterable[str]) -> dict[str, LtiUser]: ...
    def find_users_by_email(self, email: str) -> list[LtiUser]: ...
    def upsert_context(self, context: LtiContext) -> None: ...
    def get_context(self, platform_id: int, context_id: str) -> LtiContext | None: ...
    def upsert_members(self, members: Sequence[LtiMember]) -> None:
        """`launched` only ever turns on."""

    def list_members(self, platform_id: int, context_id: str) -> list[LtiMember]: ...
    def upsert_resource_link(self, link: LtiResourceLink) -> None: ...
    def get_resource_link(self, platform_id: int, resource_link_id: str
                          ) -> LtiResourceLink | None: ...
    def list_resource_links(self, platform_id: int, context_id: str
                            ) -> list[LtiResourceLink]: ...
    def set_lineitem_url(self, platform_id: int, resource_link_id: str, url: str) -> None: ...
    def record_link_launch(self, platform_id: int, resource_link_id: str, sub: str,
                           when: datetime) -> None: ...
    def find_launched_links(self, issuer: str, subs: Iterable[str],
                            activity_keys: Iterable[str], catalogue_ids: Iterable[str]
                            ) -> list[tuple[str, LtiResourceLink]]:
        """(sub, link) for links that a user of `issuer` among `subs` launched and whose
        activity key or catalogue entry is among those given."""


@dataclass(frozen=True)
class CatalogueEntry:
    """A partner activity the hub offers through Deep Linking."""

    id: str
    title: str
    description: str
    activity_id: str  # the partner activity's xAPI IRI
    launch_url: str
    keywords: str
    graded: bool
    created_at: datetime
    score_maximum: float | None = None


class LtiCatalogueStore(Protocol):
    def insert_entry(self, entry: CatalogueEntry) -> None:
        """AlreadyExists when the id is taken."""

    def get_entry(self, entry_id: str) -> CatalogueEntry | None: ...
    def find_entries_by_activity(self, activity_ids: Iterable[str]) -> list[CatalogueEntry]: ...
    def search_entries(self, text: str, limit: int) -> list[CatalogueEntry]:
        """Entries whose title, description or keywords contain every word of `text`
        (case-insensitive), by title."""


@dataclass(frozen=True)
class GradeJob:
    """One score to post to an LMS line item (AGS 2.0), made from one statement."""

    platform_id: int
    resource_link_id: str
    sub: str
    statement_id: str
    activity_progress: str
    grading_progress: str
    timestamp: str
    created_at: datetime
    next_attempt_at: datetime
    id: int | None = None
    score_given: float | None = None
    score_maximum: float | None = None
    status: str = "pending"  # pending | done | failed
    attempts: int = 0
    last_error: str | None = None
    done_at: datetime | None = None

    @property
    def stored_id(self) -> int:
        """The id of a job read from the store; only one not yet enqueued has none."""
        if self.id is None:
            raise ValueError(f"grade job for statement {self.statement_id} is not stored")
        return self.id


class LtiGradeStore(Protocol):
    def enqueue_jobs(self, jobs: Sequence[GradeJob]) -> int:
        """Store new jobs; one already stored for the same statement, link and user is
        skipped (so a statement never yields two scores).  Returns how many were new."""

    def claim_due_jobs(self, now: datetime, lease_until: datetime, limit: int
                       ) -> list[GradeJob]:
        """Pending jobs due by `now`, leased to this caller until `lease_until`."""

    def complete_job(self, job_id: int, when: datetime) -> None: ...
    def retry_job(self, job_id: int, error: str, next_attempt_at: datetime | None) -> None:
        """Record a failed attempt; None gives up (status failed)."""

    def list_jobs(self, status: str | None = None) -> list[GradeJob]: ...
    def latest_results(self, platform_id: int, resource_link_ids: Iterable[str],
                       sub: str | None = None) -> list[GradeJob]:
        """The newest job per (link, user), for progress pages."""

    def get_cursor(self, name: str) -> int: ...
    def set_cursor(self, name: str, seq: int) -> None: ...
