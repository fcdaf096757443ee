"""Typed inputs of the webhooks' admin API (and the CLI, which builds the same bodies)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, ValidationInfo, field_validator, model_validator

from connectors.storage.webhook_contract import STATEMENT_STORED
from connectors.webhooks import NewSubscription, check_url
from hub.inputs import Body, Input, NonBlank

EventName = Literal["statement.stored", "transcript.changed", "transcript.jp_reached"]


def _iri(value: str) -> str:
    scheme, colon, rest = value.partition(":")
    if not colon or not scheme.isascii() or not scheme[:1].isalpha() or not rest \
            or any(c.isspace() for c in value):
        raise ValueError("must be an absolute IRI")
    return value


Iri = Annotated[str, Field(max_length=2048), AfterValidator(_iri)]
WebhookUrl = Annotated[str, Field(max_length=2048), AfterValidator(check_url)]


class StatementFilterBody(Body):
    verb: Iri | None = None
    activity_prefix: Annotated[NonBlank, Field(max_length=2048)] | None = None
    credential: Annotated[NonBlank, Field(max_length=64)] | None = None  # a credential key


class SubscriptionBody(Body):
    url: WebhookUrl
    events: list[EventName] = Field(min_length=1, max_length=3)
    filter: StatementFilterBody | None = None
    description: Annotated[NonBlank, Field(max_length=200)] | None = None
    enabled: bool = True

    @field_validator("events")
    @classmethod
    def _once_each(cls, events: list[str]) -> list[str]:
        if len(set(events)) != len(events):
            raise ValueError("names an event twice")
        return events

    @field_validator("filter")
    @classmethod
    def _filter_for_statements(cls, value: StatementFilterBody | None,
                               info: ValidationInfo) -> StatementFilterBody | None:
        # events failed its own check when missing here: leave the filter alone then
        events = info.data.get("events", [STATEMENT_STORED])
        if value is not None and STATEMENT_STORED not in events:
            raise ValueError(f"a filter applies to {STATEMENT_STORED} only; add it to events")
        return value

    def subscription(self) -> NewSubscription:
        rule = self.filter or StatementFilterBody()
        return NewSubscription(url=self.url, events=frozenset(self.events), verb=rule.verb,
                               activity_prefix=rule.activity_prefix,
                               credential_key=rule.credential, description=self.description,
                               enabled=self.enabled)


class SubscriptionChange(Body):
    enabled: bool


class DeadLettersQuery(Input):
    subscription: Annotated[str, Field(max_length=40)] | None = None
    after: Annotated[int, Field(ge=0)] | None = None
    limit: Annotated[int, Field(ge=1, le=1000)] = 100


class ResendBody(Body):
    """Which dead letters to send again: `ids`, or every one (of `subscription`)."""

    ids: list[Annotated[int, Field(ge=1)]] | None = Field(default=None, min_length=1,
                                                          max_length=10_000)
    subscription: Annotated[str, Field(max_length=40)] | None = None
    all: bool = False

    @model_validator(mode="after")
    def _something(self) -> ResendBody:
        if self.ids is None and not self.all:
            raise ValueError("give ids, or all: true (with subscription to limit it)")
        if self.ids is not None and self.all:
            raise ValueError("give ids or all: true, not both")
        return self
