"""Typed inputs of the connectors' admin API and CLI."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, model_validator

from connectors.storage.contract import Destination, ForwardFilter, RemoteAuth, Source
from hub.inputs import Body, Input, NonBlank
from hub.timestamps import parse_timestamp


def http_url(value: str) -> str:
    """An absolute http(s) URL without credentials or fragment in it."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an absolute http:// or https:// URL")
    if parts.username or parts.password:
        raise ValueError("must not carry credentials; give them in `auth`")
    if parts.fragment:
        raise ValueError("must not have a #fragment")
    return value.rstrip("/")


HttpUrl = Annotated[str, AfterValidator(http_url)]


class AuthBody(Body):
    kind: Literal["basic", "oauth2"]
    username: NonBlank = Field(max_length=255)  # the client id for oauth2
    secret: NonBlank = Field(max_length=2000)
    token_url: HttpUrl | None = None
    scope: str | None = Field(default=None, max_length=1000)

    @model_validator(mode="after")
    def _token_url_for_oauth2(self) -> AuthBody:
        if self.kind == "oauth2" and self.token_url is None:
            raise ValueError("token_url is required for kind oauth2")
        if self.kind == "basic" and (self.token_url is not None or self.scope is not None):
            raise ValueError("token_url and scope are for kind oauth2 only")
        return self

    def remote_auth(self) -> RemoteAuth:
        return RemoteAuth(kind=self.kind, username=self.username, secret=self.secret,
                          token_url=self.token_url, scope=self.scope)


class FilterBody(Body):
    credentials: list[NonBlank] = Field(default_factory=list, max_length=100)
    verbs: list[HttpUrl] = Field(default_factory=list, max_length=100)
    activity_prefix: NonBlank | None = None
    agencies: list[NonBlank] = Field(default_factory=list, max_length=1000)


class DestinationBody(Body):
    name: NonBlank = Field(max_length=200)
    endpoint: HttpUrl
    version: Literal["1.0.3", "2.0.0"] = "1.0.3"
    auth: AuthBody
    filter: FilterBody = Field(default_factory=FilterBody)
    batch_size: int = Field(default=500, ge=1, le=1000)
    enabled: bool = True
    # Where delivery starts: the whole feed, or what is stored from now on.
    start: Literal["beginning", "now"] = "beginning"

    def destination(self, destination_id: str = "") -> Destination:
        rules = self.filter
        return Destination(
            id=destination_id, name=self.name.strip(), endpoint=self.endpoint,
            version=self.version,
            auth=self.auth.remote_auth(),
            filter=ForwardFilter(credentials=tuple(rules.credentials), verbs=tuple(rules.verbs),
                                 activity_prefix=rules.activity_prefix,
                                 agencies=tuple(rules.agencies)),
            batch_size=self.batch_size, enabled=self.enabled)


class DeadLetterQuery(Input):
    destination: str | None = None
    include_resent: bool = False
    limit: int = Field(default=100, ge=1, le=1000)


class ResendBody(Body):
    ids: list[int] | None = Field(default=None, max_length=10_000)


def start_text(value: str) -> str:
    if value == "beginning":
        return value
    try:
        parse_timestamp(value)
    except (ValueError, OverflowError):
        raise ValueError('must be "beginning" or an ISO 8601 timestamp') from None
    return value


class SourceBody(Body):
    name: NonBlank = Field(max_length=200)
    endpoint: HttpUrl
    version: Literal["1.0.3", "2.0.0"] = "1.0.3"
    auth: AuthBody
    # The hub credential whose authority the pulled statements get (pulling.add_source
    # checks that it exists, is not revoked and may store statements).
    credential: NonBlank = Field(max_length=64)
    poll_seconds: int = Field(default=300, ge=1, le=7 * 24 * 3600)
    page_limit: int = Field(default=100, ge=1, le=1000)
    enabled: bool = True
    # Where pulling starts: every statement of the source, or those stored after a time.
    start: Annotated[str, AfterValidator(start_text)] = "beginning"
    # "everything" for an LRS whose `since` does not filter by `stored` (docs/connectors.md:
    # Ralph compares it with `timestamp`): each poll reads the whole source.
    poll: Literal["since", "everything"] = "since"

    def source(self, source_id: str = "") -> Source:
        start: datetime | None = None if self.start == "beginning" else parse_timestamp(self.start)
        return Source(id=source_id, name=self.name.strip(), endpoint=self.endpoint,
                      version=self.version, auth=self.auth.remote_auth(),
                      credential=self.credential.strip(), poll_seconds=self.poll_seconds,
                      page_limit=self.page_limit, enabled=self.enabled, start=start,
                      poll=self.poll)


class PullConflictQuery(Input):
    limit: int = Field(default=100, ge=1, le=1000)
