"""The hub's worker: leases in the database, units shared between workers without two
working on one at once, graceful stop, and the status (CLI and admin API)."""

from __future__ import annotations

import itertools
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from connectors.runtime import SQLITE_WORKER, Worker, WorkerOptions
from connectors.storage import stores
from hub.loops import Lag, Lease, LeaseLost, Loop, add_loop
from tests.connectors.registrations import DESTINATIONS, destination_body
from tests.waiting import wait_for

NOW = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
FAST = WorkerOptions(lease_seconds=3.0, heartbeat_seconds=0.2, renew_seconds=0.5,
                     graceful_seconds=10.0)


# --- the lease contract, on every engine ---------------------------------------------------
def test_a_unit_is_held_by_one_worker_until_its_lease_expires(app):
    with app.app_context():
        store = stores().worker
        assert store.acquire("forward:a", "forward", "w1", NOW, NOW + timedelta(seconds=30))
        assert not store.acquire("forward:a", "forward", "w2", NOW, NOW + timedelta(seconds=30))
        assert store.acquire("forward:a", "forward", "w1", NOW, NOW + timedelta(seconds=30)), \
            "the holder renews its own lease"
        later = NOW + timedelta(seconds=31)
        assert store.acquire("forward:a", "forward", "w2", later, later + timedelta(seconds=30))
        assert not store.confirm("forward:a", "w1", later)
        assert store.confirm("forward:a", "w2", later)
        assert not store.record_step("forward:a", "w1", later, later, processed=1, behind=0,
                                     oldest_seconds=None, error=None), \
            "the old holder can no longer write its status"
        assert store.held_by("w2", later) == ["forward:a"]
        store.release("forward:a", "w2", later)
        assert store.acquire("forward:a", "forward", "w3", later, later + timedelta(seconds=1))


def test_a_step_records_its_work_lag_and_last_error(app):
    with app.app_context():
        store = stores().worker
        store.acquire("transcripts", "transcripts", "w1", NOW, NOW + timedelta(seconds=30))
        assert store.record_step("transcripts", "w1", NOW, NOW + timedelta(seconds=30),
                                 processed=5, behind=7, oldest_seconds=2.5, error="Boom: x")
        store.record_step("transcripts", "w1", NOW, NOW + timedelta(seconds=30), processed=3,
                          behind=0, oldest_seconds=None, error=None)
        (unit,) = store.units()
        assert (unit.processed, unit.behind, unit.oldest_seconds) == (8, 0, None)
        assert unit.last_error == "Boom: x" and unit.last_error_at == NOW


# --- the worker ---------------------------------------------------------------------------
class Recorder:
    """A loop whose steps note (unit, worker, start, end), to check who ran what when."""

    def __init__(self, units: list[str], step_seconds: float = 0.02) -> None:
        self.names = units
        self.step_seconds = step_seconds
        self.runs: list[tuple[str, str, float, float]] = []
        self.lock = threading.Lock()
        self.fail_unit: str | None = None

    def loop(self) -> Loop:
        def step(unit: str, lease: Lease) -> int:
            began = time.monotonic()
            if unit == self.fail_unit:
                raise RuntimeError("the partner is down")
            time.sleep(self.step_seconds)
            with self.lock:
                self.runs.append((unit, lease.holder, began, time.monotonic()))
            return 1

        return Loop(name="probe", step=step, units=lambda: self.names,
                    lag=lambda unit: Lag(3, 1.5), idle_seconds=0.05)


def _start(worker: Worker) -> threading.Thread:
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    return thread


def test_the_worker_runs_every_unit_reports_status_and_stops_gracefully(app, client,
                                                                        make_credential):
    recorder = Recorder(["a", "b"])
    recorder.fail_unit = "b"
    add_loop(app, recorder.loop())
    worker = Worker(app, FAST, only=frozenset({"probe"}))
    thread = _start(worker)
    try:
        assert wait_for(lambda: len(recorder.runs) >= 5)
        admin = make_credential("admin")
        assert wait_for(lambda: any(u["last_error"] for u in client.get(
            "/api/connectors/admin/worker",
            headers={"Authorization": admin["Authorization"]}).get_json()["loops"]))
        status = client.get("/api/connectors/admin/worker",
                            headers={"Authorization": admin["Authorization"]}).get_json()
        assert [w["id"] for w in status["workers"]] == [worker.id]
        assert status["workers"][0]["alive"] is True
        units = {u["name"]: u for u in status["loops"]}
        assert units["probe:a"]["holder"] == worker.id
        assert units["probe:a"]["processed"] >= 1
        assert (units["probe:a"]["behind"], units["probe:a"]["oldest_seconds"]) == (3, 1.5)
        assert units["probe:b"]["last_error"] == "RuntimeError: the partner is down"
        assert units["probe:b"]["processed"] == 0
    finally:
        worker.stop()
        thread.join(15)
    assert not thread.is_alive(), "SIGTERM-like stop did not end the worker"
    with app.app_context():
        assert stores().worker.held_by(worker.id, datetime.now(UTC)) == [], \
            "a graceful stop releases the leases"
        (record,) = stores().worker.workers(alive_since=None) or [None]
    assert record is None, "a stopped worker is no longer listed"


def test_the_status_is_refused_without_the_admin_scope(client, make_credential):
    partner = make_credential("statements/write")
    assert client.get("/api/connectors/admin/worker",
                      headers={"Authorization": partner["Authorization"]}).status_code == 403
    assert client.get("/api/connectors/admin/worker").status_code == 401


def test_the_status_command_shows_units_and_errors(app, runner):
    with app.app_context():
        store = stores().worker
        store.acquire("forward:x", "forward", "host:1:abc", datetime.now(UTC),
                      datetime.now(UTC) + timedelta(seconds=30))
        store.record_step("forward:x", "host:1:abc", datetime.now(UTC),
                          datetime.now(UTC) + timedelta(seconds=30), processed=4, behind=12,
                          oldest_seconds=9.0, error="Retry: 503 from the destination")
    output = runner.invoke(args=["worker", "status"]).output
    assert "no worker is running" in output
    assert "forward:x" in output and "held by host:1:abc; 12 behind, oldest 9 s" in output
    assert "Retry: 503 from the destination" in output


def test_a_step_that_lost_its_lease_cannot_commit(app):
    add_loop(app, Recorder(["only"]).loop())
    worker = Worker(app, FAST, only=frozenset({"probe"}))
    from connectors.runtime import HeldLease

    with app.app_context():
        store = stores().worker
        now = datetime.now(UTC)
        store.acquire("probe:only", "probe", "someone-else", now, now + timedelta(seconds=60))
        with pytest.raises(LeaseLost):
            HeldLease("probe:only", worker.id, store).confirm()


@pytest.mark.parametrize("engine", ["sqlite"])
def test_on_sqlite_a_second_worker_waits_for_the_first(app):
    recorder = Recorder(["a", "b", "c"])
    add_loop(app, recorder.loop())
    first, second = (Worker(app, FAST, only=frozenset({"probe"})) for _ in range(2))
    threads = [_start(first)]
    try:
        assert wait_for(lambda: {r[0] for r in recorder.runs} == {"a", "b", "c"})
        threads.append(_start(second))
        time.sleep(1.0)
        with recorder.lock:
            holders = {r[1] for r in recorder.runs}
        assert holders == {first.id}, "the second worker ran units on SQLite"
        with app.app_context():
            assert stores().worker.held_by(second.id, datetime.now(UTC)) == []
            assert SQLITE_WORKER in stores().worker.held_by(first.id, datetime.now(UTC))
    finally:
        for worker in (first, second):
            worker.stop()
        for thread in threads:
            thread.join(15)


@pytest.mark.parametrize("engine", ["postgresql"])
def test_three_workers_share_the_units_and_never_run_one_at_once(app):
    recorder = Recorder([f"u{i}" for i in range(6)], step_seconds=0.03)
    add_loop(app, recorder.loop())
    workers = [Worker(app, FAST, only=frozenset({"probe"})) for _ in range(3)]
    threads = [_start(w) for w in workers]
    try:
        assert wait_for(lambda: len({r[1] for r in recorder.runs}) == 3, timeout=30), \
            "not every worker got a share"
        time.sleep(1.0)
        # One worker stops; the others take its units over.
        workers[0].stop()
        threads[0].join(15)
        mark = time.monotonic()
        assert wait_for(lambda: {r[0] for r in recorder.runs if r[2] > mark + 0.5}
                        == set(recorder.names), timeout=30), "its units were not taken over"
    finally:
        for worker in workers:
            worker.stop()
        for thread in threads:
            thread.join(15)
    by_unit: dict[str, list[tuple[str, float, float]]] = {}
    for unit, holder, began, ended in recorder.runs:
        by_unit.setdefault(unit, []).append((holder, began, ended))
    for unit, runs in by_unit.items():
        runs.sort(key=lambda r: r[1])
        for (h1, _, end1), (h2, begin2, _) in itertools.pairwise(runs):
            assert begin2 >= end1, f"{unit}: {h1} and {h2} ran it at once"


def test_a_hanging_destination_blocks_neither_ingest_nor_the_other_destinations(
        app, client, admin, xapi, flaky_partner, second_hub):
    for endpoint, key, secret in ((flaky_partner.endpoint, "h", "s"),
                                  (second_hub.endpoint, *second_hub.credential)):
        DESTINATIONS.register(client, admin, destination_body(endpoint, key, secret))
    flaky_partner.hang_next(20)  # the first delivery to it hangs
    worker = Worker(app, FAST, only=frozenset({"forward"}))
    thread = _start(worker)
    try:
        first = client.post("/xapi/statements", json=[{
            "actor": {"mbox": "mailto:a@example.id"}, "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
            "object": {"id": "https://akademi.example.id/kelas/1"}}], headers=xapi())
        assert first.status_code == 200
        assert wait_for(lambda: len(flaky_partner.xapi_requests) == 1), "no delivery began"
        began = time.monotonic()
        more = client.post("/xapi/statements", json=[{
            "actor": {"mbox": "mailto:b@example.id"}, "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
            "object": {"id": "https://akademi.example.id/kelas/2"}}], headers=xapi())
        assert more.status_code == 200 and time.monotonic() - began < 2, "ingest waited"
        assert wait_for(lambda: len(second_hub.statement_ids()) == 2, timeout=10), \
            "the other destination waited for the hanging one"
    finally:
        flaky_partner.close()  # ends the hang
        worker.stop()
        thread.join(30)


@pytest.mark.parametrize("engine", ["postgresql"])
def test_a_worker_that_joins_gets_its_share_from_the_one_running(app):
    recorder = Recorder([f"u{i}" for i in range(4)])
    add_loop(app, recorder.loop())
    first, second = (Worker(app, FAST, only=frozenset({"probe"})) for _ in range(2))
    threads = [_start(first)]
    try:
        assert wait_for(lambda: {r[0] for r in recorder.runs} == set(recorder.names))
        threads.append(_start(second))

        def held() -> tuple[int, int]:
            with app.app_context():
                now = datetime.now(UTC)
                return (len(stores().worker.held_by(first.id, now)),
                        len(stores().worker.held_by(second.id, now)))

        assert wait_for(lambda: held() == (2, 2), timeout=20), held()
    finally:
        for worker in (first, second):
            worker.stop()
        for thread in threads:
            thread.join(15)
