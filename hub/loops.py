"""Background loops: the port through which a feature hands work to the hub's worker.

A feature registers its loops from `init_app` (`add_loop(app, Loop(...))`); the worker
process (`flask --app wsgi worker`, connectors.runtime) runs every registered loop.  A
loop is split into *units* (one per forwarding destination, say, or a single unit for
the transcripts follower); each unit is leased by one worker at a time, so several
workers share the units without two working on the same one at once.

A step does a bounded amount of work on its unit and says how much it did.  Before it
commits a position (a cursor, a job's state) it calls `lease.confirm()` inside its own
unit of work: if another worker took the unit over meanwhile (this one stalled past
the lease), the step's transaction is rolled back instead of moving a position it no
longer owns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from flask import Flask

EXTENSION = "hub.loops"


class LeaseLost(RuntimeError):
    """Another worker holds the unit now: the step must not commit."""


class Lease(Protocol):
    @property
    def name(self) -> str:
        """The leased unit, `<loop>` or `<loop>:<unit>`."""

    def confirm(self) -> None:
        """Inside the caller's unit of work: raise LeaseLost unless this worker still
        holds the unit (and keep others from taking it until that unit of work ends)."""


@dataclass(frozen=True)
class Lag:
    """How far a unit is behind: items waiting and the age of the oldest, in seconds."""

    behind: int
    oldest_seconds: float | None = None


NO_LAG = Lag(0, None)


def single_unit() -> Sequence[str]:
    return ("",)


@dataclass(frozen=True)
class Loop:
    name: str
    # Work on one unit; returns how many items it processed (0 when there was nothing).
    step: Callable[[str, Lease], int]
    # The units to lease, asked again every few seconds ("" for a loop of one unit).
    units: Callable[[], Sequence[str]] = single_unit
    lag: Callable[[str], Lag] = lambda unit: NO_LAG
    # The wait after a step that found nothing to do.
    idle_seconds: float = 1.0
    # The wait after a step that did work, given (items done, seconds the step took); a
    # loop that shares SQLite's one write lock with ingest may pause so ingest keeps it.
    pace: Callable[[int, float], float] = lambda done, took: 0.0

    def unit_name(self, unit: str) -> str:
        return f"{self.name}:{unit}" if unit else self.name


def add_loop(app: Flask, loop: Loop) -> None:
    registered = app.extensions.setdefault(EXTENSION, {})
    if loop.name in registered:
        raise ValueError(f"a background loop named {loop.name!r} is already registered")
    registered[loop.name] = loop


def loops(app: Flask) -> list[Loop]:
    return list(app.extensions.get(EXTENSION, {}).values())
