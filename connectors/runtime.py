"""The hub's worker process: every registered background loop, under database leases.

`flask --app wsgi worker` runs a `Worker`.  Its main thread beats (a heartbeat row per
worker), looks for units every `heartbeat_seconds`, takes leases on free ones up to its
fair share (units ÷ live workers, rounded up) and runs each held unit in a thread of
its own, so a slow partner holds up only its own unit.  A unit thread steps until the
worker stops or the lease is lost; each step renews the lease.  SIGTERM stops the
worker gracefully: the threads finish their step, leases are released, the worker row
is marked stopped.  A worker killed outright leaves leases that expire after
`lease_seconds`; another worker (or the restarted one) takes the units over and
resumes from their durable positions.

Why leases in the database and not a broker: every position the loops keep (feed
cursors, job states) already lives in the database and moves in the unit of work of
the step; a lease row beside it needs nothing else to run, works the same on SQLite,
PostgreSQL and MongoDB, and `Lease.confirm()` makes the position and the lease one
transaction (docs/operations.md "The worker").

On SQLite one worker runs (the database has one writer anyway): a second one waits
for the first one's `worker` lease.
"""

from __future__ import annotations

import logging
import math
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import Flask

from connectors.storage import stores
from connectors.storage.contract import WorkerRecord, WorkerStore
from hub.loops import Lag, LeaseLost, Loop, loops

log = logging.getLogger(__name__)

SQLITE_WORKER = "worker"  # the lease that lets one worker run on a SQLite database
ERROR_BACKOFF_CAP = 60.0


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class HeldLease:
    name: str
    holder: str
    store: WorkerStore
    clock: Callable[[], datetime] = _now

    def confirm(self) -> None:
        if not self.store.confirm(self.name, self.holder, self.clock()):
            raise LeaseLost(self.name)


@dataclass(frozen=True)
class WorkerOptions:
    lease_seconds: float = 30.0
    heartbeat_seconds: float = 2.0
    # A unit's status row is written after a step that did work or failed, and at least
    # this often otherwise (each write renews the lease).
    renew_seconds: float = 5.0
    graceful_seconds: float = 30.0


class Worker:
    def __init__(self, app: Flask, options: WorkerOptions | None = None, *,
                 only: frozenset[str] | None = None) -> None:
        self.app = app
        self.options = options or WorkerOptions()
        self.loops = [loop for loop in loops(app) if only is None or loop.name in only]
        self.id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.stopping = threading.Event()
        self._threads: dict[str, threading.Thread] = {}
        self._handing_off: set[str] = set()  # units over this worker's share, being released
        self._rounds = 0
        with app.app_context():
            self._store = stores().worker
            self._sqlite = app.extensions["hub.storage"].engine_name == "sqlite"
        self._started = _now()

    # --- the main thread -----------------------------------------------------------
    def run(self) -> None:
        names = ", ".join(loop.name for loop in self.loops)
        log.info("worker %s started: loops %s", self.id, names)
        with self.app.app_context():
            try:
                while not self.stopping.is_set():
                    try:
                        self._supervise()
                    except Exception:  # the database may be restarting: try again, never die
                        log.exception("worker %s: supervision failed; retrying", self.id)
                    self.stopping.wait(self.options.heartbeat_seconds)
            finally:
                self._stop_threads()
                try:
                    for name in self._store.held_by(self.id, _now()):
                        self._store.release(name, self.id, _now())
                    self._store.stop_worker(self.id, _now())
                except Exception:
                    log.exception("worker %s: could not release its leases; they expire", self.id)
        log.info("worker %s stopped", self.id)

    def stop(self) -> None:
        self.stopping.set()

    def _expiry(self, now: datetime) -> datetime:
        return now + timedelta(seconds=self.options.lease_seconds)

    def _supervise(self) -> None:
        now = _now()
        self._store.beat(WorkerRecord(id=self.id, host=socket.gethostname(), pid=os.getpid(),
                                      started_at=self._started, heartbeat_at=now))
        if self._sqlite and not self._store.acquire(SQLITE_WORKER, SQLITE_WORKER, self.id, now,
                                                    self._expiry(now)):
            log.info("worker %s: another worker runs on this SQLite database; waiting", self.id)
            return
        self._threads = {name: t for name, t in self._threads.items() if t.is_alive()}
        self._handing_off &= set(self._threads)
        self._rounds += 1
        if self._rounds == 1 and not self._sqlite:
            return  # one heartbeat first, so that workers started together see each other
        wanted = [(loop, unit) for loop in self.loops for unit in loop.units()]
        alive = self._store.workers(
            alive_since=now - timedelta(seconds=3 * self.options.heartbeat_seconds))
        # Sharing is for PostgreSQL; on SQLite the one running worker takes every unit.
        share = len(wanted) if self._sqlite else math.ceil(len(wanted) / max(1, len(alive)))
        kept = [name for name in self._threads if name not in self._handing_off]
        for name in kept[share:]:  # a worker joined: hand the surplus over, one step ends it
            log.info("worker %s: handing %s over (share %d)", self.id, name, share)
            self._handing_off.add(name)
        for loop, unit in wanted:
            name = loop.unit_name(unit)
            if name in self._threads:
                continue
            if len(self._threads) >= share:
                break
            if self._store.acquire(name, loop.name, self.id, now, self._expiry(now)):
                thread = threading.Thread(target=self._run_unit, args=(loop, unit, name),
                                          name=f"loop {name}", daemon=True)
                self._threads[name] = thread
                thread.start()

    def _stop_threads(self) -> None:
        self.stopping.set()
        deadline = time.monotonic() + self.options.graceful_seconds
        for thread in list(self._threads.values()):
            thread.join(max(0.0, deadline - time.monotonic()))

    # --- a unit's thread --------------------------------------------------------------
    def _run_unit(self, loop: Loop, unit: str, name: str) -> None:
        lease = HeldLease(name=name, holder=self.id, store=self._store)
        failures = 0
        last_write = 0.0
        with self.app.app_context():
            log.info("worker %s: took %s", self.id, name)
            while not self.stopping.is_set():
                if name in self._handing_off:
                    self._store.release(name, self.id, _now())
                    return
                error, done, began = None, 0, time.monotonic()
                try:
                    done = loop.step(unit, lease)
                    failures = 0
                except LeaseLost:
                    log.warning("worker %s: lost %s to another worker", self.id, name)
                    return
                except Exception as exc:
                    failures += 1
                    error = f"{type(exc).__name__}: {exc}"
                    log.exception("worker %s: %s failed (%d in a row)", self.id, name, failures)
                if done or error or time.monotonic() - last_write >= self.options.renew_seconds:
                    if not self._note(loop, unit, name, done, error):
                        return
                    last_write = time.monotonic()
                self.stopping.wait(self._pause(loop, done, time.monotonic() - began, failures))

    def _note(self, loop: Loop, unit: str, name: str, done: int, error: str | None) -> bool:
        """Write the step's status and renew the lease; False when the lease is gone."""
        try:
            lag = loop.lag(unit)
        except Exception:
            log.exception("worker %s: lag of %s unknown", self.id, name)
            lag = Lag(0, None)
        now = _now()
        try:
            held = self._store.record_step(name, self.id, now, self._expiry(now), processed=done,
                                           behind=lag.behind, oldest_seconds=lag.oldest_seconds,
                                           error=error)
        except Exception:
            log.exception("worker %s: could not record %s; trying again", self.id, name)
            return True
        if not held:
            log.warning("worker %s: lease on %s expired and was taken", self.id, name)
        return held

    @staticmethod
    def _pause(loop: Loop, done: int, took: float, failures: int) -> float:
        if failures:
            return min(ERROR_BACKOFF_CAP, loop.idle_seconds * 2 ** min(failures, 10))
        return loop.pace(done, took) if done else loop.idle_seconds
