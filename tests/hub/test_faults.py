"""Faults (issue 13.9): the database stops mid-load → 503 with Retry-After on every
endpoint, never 500, and the hub recovers by itself; two hub processes share one SQLite
file under write load without a 500.

The PostgreSQL here is an instance this module starts itself (initdb + pg_ctl on a free
port in a temporary folder), never the shared server, so stopping it harms nobody.
"""

from __future__ import annotations

import threading
import time
import uuid

import pytest
import requests
from factories import make_statement
from live_server import LiveHub

from hub.app import create_app, open_hub_storage
from hub.auth import issue_credential
from tests.conftest import TEST_KEY_ENCRYPTION_KEY, TEST_SECRET, basic_auth

pytestmark = pytest.mark.slow
XAPI = {"X-Experience-API-Version": "1.0.3"}


def credential(url: str) -> tuple[str, str]:
    storage = open_hub_storage(url)
    issued = issue_credential(storage.credentials, name="Faults", owner="Test", scopes=["all"],
                              authority_home_page="https://hub.test/partners")
    storage.dispose()
    return issued.credential.key, issued.secret


def _sample_path(rule) -> str:
    """A concrete URL for a rule, with every variable filled in."""
    from werkzeug.routing import IntegerConverter

    values = {name: 2026 if isinstance(converter, IntegerConverter) else "x"
              for name, converter in rule._converters.items()}
    return rule.build(values, append_unknown=False)[1]


def test_every_endpoint_answers_503_with_retry_after_while_the_database_is_down(
        running_postgres, tmp_path):
    key, secret = credential(running_postgres.url)
    app = create_app({"env": "test", "secret_key": TEST_SECRET, "log_level": "ERROR",
                      "database_url": running_postgres.url,
                      "key_encryption_keys": (TEST_KEY_ENCRYPTION_KEY,),
                      "instance_path": str(tmp_path / "instance"), "auth_failure_delay_ms": 0})
    client = app.test_client()
    headers = {**XAPI, "Authorization": basic_auth(key, secret)}
    assert client.post("/xapi/statements", json=make_statement(), headers=headers).status_code \
        == 200

    running_postgres.stop()
    answers: dict[str, int] = {}
    try:
        for rule in app.url_map.iter_rules():
            if rule.endpoint == "static":
                continue
            path = _sample_path(rule)
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                response = client.open(path, method=method, headers=headers, json={})
                answers[f"{method} {path}"] = response.status_code
                assert response.status_code != 500, (method, path, response.data[:300])
                if response.status_code == 503:
                    assert response.headers.get("Retry-After") == "5", (method, path)
        health = client.get("/health")
        assert health.status_code == 503 and health.headers["Retry-After"] == "5"
        down = client.post("/xapi/statements", json=make_statement(), headers=headers)
        assert down.status_code == 503
        assert down.get_json()["error"]["code"] == "service_unavailable"
        assert "retry" in down.get_json()["error"]["message"]
        assert client.get("/xapi/statements", headers=headers).status_code == 503
    finally:
        running_postgres.start()

    # Everything that reads the database said 503, not something else.
    assert answers["GET /xapi/statements"] == 503
    assert sum(1 for status in answers.values() if status == 503) >= 20, answers

    # Back by itself: no restart of the hub.
    assert client.get("/health").status_code == 200
    assert client.post("/xapi/statements", json=make_statement(), headers=headers).status_code \
        == 200
    app.extensions["hub.storage"].dispose()


def test_a_live_hub_rides_out_a_database_stop_mid_load(running_postgres):
    key, secret = credential(running_postgres.url)
    statuses: list[int] = []
    acknowledged: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def partner(hub_url: str) -> None:
        session = requests.Session()
        while not stop.is_set():
            statement_id = str(uuid.uuid4())
            try:
                response = session.post(f"{hub_url}/xapi/statements",
                                        json=[make_statement(id=statement_id)], headers=XAPI,
                                        auth=(key, secret), timeout=15)
            except requests.RequestException:  # a dropped connection is a fault too
                with lock:
                    statuses.append(-1)
                continue
            with lock:
                statuses.append(response.status_code)
                if response.status_code == 200:
                    acknowledged.append(statement_id)
                elif response.status_code == 503:
                    assert response.headers.get("Retry-After") == "5"
            if response.status_code == 503:
                time.sleep(0.05)

    with LiveHub(running_postgres.url) as hub:
        threads = [threading.Thread(target=partner, args=(hub.url,)) for _ in range(3)]
        for thread in threads:
            thread.start()
        time.sleep(1.5)
        running_postgres.stop()
        time.sleep(3)
        health = requests.get(hub.url + "/health", timeout=10)
        assert health.status_code == 503 and health.headers["Retry-After"] == "5"
        running_postgres.start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and statuses[-1:] != [200]:
            time.sleep(0.2)
        time.sleep(1)
        stop.set()
        for thread in threads:
            thread.join(timeout=20)
        assert requests.get(hub.url + "/health", timeout=10).status_code == 200

        counts = {status: statuses.count(status) for status in set(statuses)}
        assert set(counts) <= {200, 503}, counts
        assert counts.get(503, 0) > 0, "the database stop was never seen"
        assert statuses[-1] == 200, "the hub did not recover by itself"
        session = requests.Session()
        missing = [sid for sid in acknowledged
                   if session.get(f"{hub.url}/xapi/statements", params={"statementId": sid},
                                  headers=XAPI, auth=(key, secret), timeout=10).status_code
                   != 200]
        assert missing == []


def test_two_hub_processes_on_one_sqlite_file_under_write_load_give_no_500(tmp_path):
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    storage = open_hub_storage(url)
    storage.upgrade()
    storage.dispose()
    key, secret = credential(url)
    statuses: list[int] = []
    acknowledged: list[str] = []
    lock = threading.Lock()

    def partner(hub_url: str, count: int) -> None:
        session = requests.Session()
        for _ in range(count):
            batch = [make_statement(id=str(uuid.uuid4())) for _ in range(5)]
            response = session.post(f"{hub_url}/xapi/statements", json=batch, headers=XAPI,
                                    auth=(key, secret), timeout=60)
            with lock:
                statuses.append(response.status_code)
                if response.status_code == 200:
                    acknowledged.extend(s["id"] for s in batch)

    with LiveHub(url) as first, LiveHub(url) as second:
        threads = [threading.Thread(target=partner, args=(hub.url, 40))
                   for hub in (first, second, first, second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=240)
        assert statuses.count(200) == len(statuses) == 160, {
            s: statuses.count(s) for s in set(statuses)}
        session = requests.Session()
        for sid in acknowledged[::10]:
            response = session.get(f"{second.url}/xapi/statements", params={"statementId": sid},
                                   headers=XAPI, auth=(key, secret), timeout=10)
            assert response.status_code == 200
