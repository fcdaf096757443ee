"""The worker as operators run it (`flask --app wsgi worker`, real processes): killed with
SIGKILL mid-delivery and restarted, every statement reaches the destination exactly once;
three workers on PostgreSQL share the destinations and never deliver to one at once."""

from __future__ import annotations

import itertools
import signal
import time

import pytest

from tests.conftest import TEST_KEY_ENCRYPTION_KEY, TEST_SECRET
from tests.connectors.registrations import DESTINATIONS, destination_body
from tests.connectors.worker_processes import start_worker, stop, wait_for_worker
from tests.factories import make_statement

pytestmark = pytest.mark.slow


def store(client, xapi, count: int) -> list[str]:
    ids: list[str] = []
    for start in range(0, count, 100):
        response = client.post("/xapi/statements", headers=xapi(),
                               json=[make_statement() for _ in range(min(100, count - start))])
        assert response.status_code == 200, response.get_json()
        ids += response.get_json()
    return ids


def test_kill_9_mid_delivery_then_restart_delivers_every_statement_exactly_once(
        client, admin, xapi, database_url, second_hub):
    second_hub.delay = 0.1  # a slow destination: the kill lands inside a POST
    DESTINATIONS.register(client, admin,
                          destination_body(second_hub.endpoint, *second_hub.credential))
    ids = store(client, xapi, 200)
    worker = start_worker(database_url, "forward")
    try:
        assert wait_for_worker(lambda: len(second_hub.posts) >= 5), "the worker delivered nothing"
        in_flight = len(second_hub.posts)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    delivered_before_restart = second_hub.statement_ids()
    assert 0 < len(delivered_before_restart) < 200, "the kill came after the end"
    time.sleep(0.5)
    restarted = start_worker(database_url, "forward")
    try:
        assert wait_for_worker(lambda: second_hub.count() == 200, timeout=90), \
            f"{second_hub.count()} of 200 arrived after the restart"
    finally:
        code, stderr = stop(restarted)
    assert code == 0, stderr
    arrived = second_hub.statement_ids()
    assert sorted(arrived) == sorted(ids) and len(set(arrived)) == 200
    assert len(second_hub.posts) > in_flight


@pytest.mark.parametrize("engine", ["postgresql"])
def test_three_workers_share_destinations_without_two_delivering_to_one_at_once(
        client, admin, xapi, database_url, make_second_hub):
    hubs = [make_second_hub() for _ in range(3)]
    for hub in hubs:
        hub.delay = 0.05
        DESTINATIONS.register(client, admin, destination_body(hub.endpoint, *hub.credential))
    ids = store(client, xapi, 200)
    workers = [start_worker(database_url, "forward") for _ in range(3)]
    try:
        assert wait_for_worker(lambda: all(len(h.posts) >= 2 for h in hubs), timeout=60)
        workers[0].send_signal(signal.SIGKILL)  # one dies; the others take its destination
        workers[0].wait(timeout=10)
        assert wait_for_worker(lambda: all(h.count() == 200 for h in hubs), timeout=120), \
            [h.count() for h in hubs]
    finally:
        results = [stop(w) for w in workers[1:]]
        if workers[0].poll() is None:
            workers[0].kill()
    for code, stderr in results:
        assert code == 0, stderr
    for hub in hubs:
        assert sorted(hub.statement_ids()) == sorted(ids)
        spans = sorted(hub.posts)
        for (_, end), (begin, _) in itertools.pairwise(spans):
            assert begin >= end - 0.001, "two deliveries to one destination overlapped"


def test_the_worker_rides_out_a_database_restart_and_loses_nothing(
        running_postgres, make_second_hub, tmp_path):
    from hub.app import create_app

    app = create_app({"env": "test", "secret_key": TEST_SECRET, "log_level": "ERROR",
                      "key_encryption_keys": (TEST_KEY_ENCRYPTION_KEY,),
                      "database_url": running_postgres.url,
                      "instance_path": str(tmp_path / "instance")})
    hub = make_second_hub()
    hub.delay = 0.05
    client = app.test_client()
    from hub.auth import issue_credential

    def credential(*scopes: str) -> dict:
        issued = issue_credential(app.extensions["hub.storage"].credentials, name="t",
                                  owner="t", scopes=scopes, authority_home_page="https://h/p")
        from tests.conftest import basic_auth

        return {"Authorization": basic_auth(issued.credential.key, issued.secret)}

    admin, partner = credential("admin"), credential("all")
    DESTINATIONS.register(client, admin, destination_body(hub.endpoint, *hub.credential))
    ids = store(client, lambda **_: {**partner, "X-Experience-API-Version": "1.0.3"}, 200)
    app.extensions["hub.storage"].dispose()
    worker = start_worker(running_postgres.url, "forward")
    try:
        assert wait_for_worker(lambda: len(hub.posts) >= 3)
        running_postgres.stop()
        time.sleep(3)
        assert worker.poll() is None, "the worker died with the database"
        running_postgres.start()
        arrived = wait_for_worker(lambda: hub.count() == 200, timeout=90)
        if not arrived:
            worker.send_signal(signal.SIGUSR1)  # its threads' stacks, for the message below
            time.sleep(1)
    finally:
        code, stderr = stop(worker)
    assert arrived, f"{hub.count()} of 200 after the restart; worker: {stderr[-3000:]}"
    assert code == 0, stderr
    assert sorted(hub.statement_ids()) == sorted(ids)
