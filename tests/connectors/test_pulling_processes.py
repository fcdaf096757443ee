"""Pulling as operators run it (`flask --app wsgi worker --only pull`, real processes):
killed with SIGKILL mid-poll and restarted, the worker goes on from the durable `more`
link and cursor, and every statement of the source is stored exactly once."""

from __future__ import annotations

import signal
import time
import uuid

import pytest

from connectors import pulling
from lrs import service as lrs_service
from tests.connectors.registrations import SOURCES, source_body
from tests.connectors.worker_processes import start_worker, stop, wait_for_worker
from tests.factories import make_statement

pytestmark = pytest.mark.slow


def test_kill_9_mid_poll_then_restart_stores_every_statement_exactly_once(
        app, client, admin, make_credential, database_url, second_hub):
    puller = make_credential("statements/write", name="LRS vendor")
    ids: list[str] = []
    for _ in range(4):
        ids += second_hub.seed([make_statement(id=str(uuid.uuid4())) for _ in range(50)])
    source = SOURCES.register(client, admin, source_body(
        second_hub.endpoint, *second_hub.credential, puller["key"], page_limit=5,
        poll_seconds=300))

    def pulled() -> int:
        with app.app_context():
            return pulling.pull_state(source).pulled

    worker = start_worker(database_url, "pull")
    try:
        assert wait_for_worker(lambda: pulled() >= 20), "the worker pulled nothing"
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    with app.app_context():
        midway = pulling.pull_state(source)
    assert 0 < midway.pulled < 200 and midway.more is not None, "the kill came after the end"
    time.sleep(0.5)
    restarted = start_worker(database_url, "pull")
    try:
        assert wait_for_worker(lambda: pulled() == 200, timeout=120), f"{pulled()} of 200 pulled"
    finally:
        code, stderr = stop(restarted)
    assert code == 0, stderr
    with app.app_context():
        found = lrs_service.find_statements(ids)
        done = pulling.pull_state(source)
        feed = lrs_service.statements_after(0, 1000)
    assert sorted(found) == sorted(ids)
    assert len(feed) == 200, "each statement stored once"
    assert done.more is None and done.polled_at is not None
