"""Telling other features that a person's yearly transcript changed (a port).

`ingest.refresh_summaries` hands the summaries it replaced and those it saved to the
announcer, inside the unit of work that saves them.  The announcer adds what a listener
needs (the person's employee type and the JP they must reach that year) and calls every
listener registered with `add_transcript_listener`, still inside that unit of work: what
a listener writes (the connectors' webhook outbox) commits with the summaries or not at
all.  A listener that raises rolls the batch back, and the feed is processed again later.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from flask import Flask, current_app, has_app_context

from transcripts.aggregation import JP_TYPES
from transcripts.policy import current_policy
from transcripts.storage import stores as transcript_stores
from transcripts.storage.contract import YearSummary

_LISTENERS = "transcripts.transcript_listeners"


@dataclass(frozen=True)
class SummaryChange:
    """A (nip, year) summary as it was and as it is now (None: there was or is none)."""

    nip: str
    year: int
    before: YearSummary | None
    after: YearSummary | None
    at: datetime


SummaryListener = Callable[[Sequence[SummaryChange]], None]


@dataclass(frozen=True)
class YearTotals:
    jp_centi: int
    jp_by_type_centi: Mapping[str, int]  # transcripts.aggregation.JP_TYPES
    activity_count: int


NO_TOTALS = YearTotals(jp_centi=0, jp_by_type_centi=dict.fromkeys(JP_TYPES, 0),
                       activity_count=0)


@dataclass(frozen=True)
class TranscriptChange:
    """What a listener is told: a person's year before and after, and their requirement."""

    nip: str
    year: int
    employee_type: str | None  # None until a roster says: no requirement applies
    required_jp_centi: int | None
    before: YearTotals
    after: YearTotals
    at: datetime

    @property
    def reached_requirement(self) -> bool:
        """The change took the person's JP of the year from below the requirement to it."""
        required = self.required_jp_centi
        return (required is not None
                and self.before.jp_centi < required <= self.after.jp_centi)


TranscriptListener = Callable[[Sequence[TranscriptChange]], None]


def add_transcript_listener(app: Flask, listener: TranscriptListener) -> None:
    """Register `listener`; it runs inside the transaction that saves the summaries."""
    app.extensions.setdefault(_LISTENERS, []).append(listener)


def totals_of(summary: YearSummary | None) -> YearTotals:
    if summary is None:
        return NO_TOTALS
    return YearTotals(jp_centi=summary.jp_centi,
                      jp_by_type_centi={k: summary.jp_by_type_centi.get(k, 0) for k in JP_TYPES},
                      activity_count=summary.activity_count)


def changes_of(pairs: Iterable[tuple[str, int]], before: Iterable[YearSummary],
               after: Iterable[YearSummary], at: datetime) -> list[SummaryChange]:
    """The pairs whose totals differ (a summary recomputed to the same totals is no change)."""
    old = {(s.nip, s.year): s for s in before}
    new = {(s.nip, s.year): s for s in after}
    changes = []
    for nip, year in sorted(set(pairs)):
        was, now = old.get((nip, year)), new.get((nip, year))
        if totals_of(was) != totals_of(now):
            changes.append(SummaryChange(nip=nip, year=year, before=was, after=now, at=at))
    return changes


def announcer() -> SummaryListener | None:
    """What the running app's transcript processing hands its summary changes to; None
    when no listener is registered (nothing extra is read then)."""
    if not has_app_context():  # listeners belong to an app; a bare script has none
        return None
    listeners: list[TranscriptListener] = current_app.extensions.get(_LISTENERS, [])
    if not listeners:
        return None
    requirements = current_policy().requirements_centi

    def announce(changes: Sequence[SummaryChange]) -> None:
        if not changes:
            return
        people = transcript_stores().people.find_people({c.nip for c in changes})
        told = []
        for change in changes:
            person = people.get(change.nip)
            kind = person.employee_type if person is not None else None
            told.append(TranscriptChange(
                nip=change.nip, year=change.year, employee_type=kind,
                required_jp_centi=requirements.get(kind) if kind else None,
                before=totals_of(change.before), after=totals_of(change.after),
                at=change.at))
        for listener in listeners:
            listener(told)

    return announce
