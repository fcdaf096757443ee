"""Issue 15.5: signed webhooks over real HTTP, on both engines.

The receiver is a WSGI server on loopback that checks every request with the
`standardwebhooks` library, as a partner following the spec would; it answers from a
script (500, 429 with Retry-After, 400, ...) and 200 otherwise.  Time moves through the
delivery clock (`now=`), never by sleeping, and stays within the receiver's 5-minute
tolerance of the signed timestamp.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.serving import make_server
from werkzeug.wrappers import Request

from connectors import webhooks
from connectors.runtime import Worker, WorkerOptions
from connectors.storage.sql.webhook_tables import webhook_subscriptions
from hub.app import create_app
from transcripts import service as transcripts_service

COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
ATTEMPTED = "http://adlnet.gov/expapi/verbs/attempted"
JP = "https://berpijar.id/xapi/extensions/jp"
SIASN = "https://siasn.bkn.go.id"
SITI = "199001012015032001"
ADMIN_API = "/api/connectors/admin/webhooks"


# --- the receiver --------------------------------------------------------------------------
@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    payload: dict[str, Any] | None  # verified and parsed, or None
    error: str | None  # why verification failed


class Receiver:
    """A webhook receiver on 127.0.0.1 verifying with the subscription's secret."""

    def __init__(self) -> None:
        self.secret: str | None = None
        self.script: deque[tuple[int, dict[str, str], str, float]] = deque()
        self.received: list[Received] = []
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self._server.block_on_close = False
        self.url = f"http://127.0.0.1:{self._server.server_port}/hooks/berpijar"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def answer(self, status: int, body: str = "", *, delay: float = 0.0, **headers: str) -> None:
        self.script.append((status, {k.replace("_", "-"): v for k, v in headers.items()}, body,
                            delay))

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        request = Request(environ)
        body = request.get_data()
        headers = dict(request.headers)
        try:
            assert self.secret is not None
            payload, error = Webhook(self.secret).verify(body, headers), None
        except WebhookVerificationError as exc:
            payload, error = None, str(exc)
        self.received.append(Received(headers, body, payload, error))
        status, extra, text, delay = self.script.popleft() if self.script else (200, {}, "", 0)
        time.sleep(delay)
        start_response(f"{status} {HTTP_STATUS_CODES.get(status, 'Status')}",
                       [("Content-Type", "text/plain"), *extra.items()])
        return [text.encode()]

    @property
    def payloads(self) -> list[dict[str, Any]]:
        assert all(r.error is None for r in self.received), [r.error for r in self.received]
        return [r.payload for r in self.received if r.payload is not None]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    try:
        yield server
    finally:
        server.close()


class Clock:
    def __init__(self) -> None:
        self.at = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


# --- helpers -------------------------------------------------------------------------------
@pytest.fixture
def admin(make_credential) -> dict:
    return make_credential("admin", name="Admin BKN", owner="BKN")


@pytest.fixture
def subscribe(client, admin, receiver):
    def post(*events: str, **extra: Any) -> dict[str, Any]:
        response = client.post(ADMIN_API, json={"url": receiver.url, "events": list(events),
                                                **extra},
                               headers={"Authorization": admin["Authorization"]})
        assert response.status_code == 201, response.json
        receiver.secret = response.json["secret"]
        return response.json

    return post


def statement(verb: str = COMPLETED, activity: str = "https://akademi.example.id/kelas/a",
              actor: dict[str, Any] | None = None, jp: float | None = None) -> dict[str, Any]:
    document: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "actor": actor or {"objectType": "Agent", "mbox": "mailto:siti@menpan.go.id"},
        "verb": {"id": verb, "display": {"en-US": verb.rsplit("/", 1)[-1]}},
        "object": {"objectType": "Activity", "id": activity,
                   "definition": {"name": {"id-ID": "Kelas"}}},
        "timestamp": "2026-03-14T09:30:00+07:00",
    }
    if jp is not None:
        document["result"] = {"extensions": {JP: jp}}
    return document


@pytest.fixture
def store(client, xapi):
    def post(*statements: dict[str, Any], credential: dict | None = None) -> list[str]:
        response = client.post("/xapi/statements", json=list(statements),
                               headers=xapi(credential=credential))
        assert response.status_code == 200, response.json
        return response.json

    return post


def deliver(app, **options: Any) -> int:
    with app.app_context():
        return webhooks.deliver_webhooks(**options)


def outbox_entry(app, state: str = "pending") -> Any:
    with app.app_context():
        found = app.extensions["hub.storage"].webhooks.entries(state)
    assert len(found) == 1, found
    return found[0]


# --- signing and filters ---------------------------------------------------------------------
def test_a_stored_statement_reaches_the_receiver_signed_as_standard_webhooks(
        app, store, subscribe, receiver):
    subscription = subscribe("statement.stored", filter={"verb": COMPLETED})
    assert subscription["secret"].startswith("whsec_")
    assert len(__import__("base64").b64decode(subscription["secret"][6:])) >= 24
    completed, attempted = statement(), statement(ATTEMPTED)
    store(completed, attempted)

    assert deliver(app) >= 1
    [received] = receiver.received
    assert received.error is None  # standardwebhooks verified id, timestamp and signature
    assert received.headers["Webhook-Signature"].startswith("v1,")
    assert received.headers["Webhook-Id"].startswith("msg_")
    assert received.payload["type"] == "statement.stored"
    assert received.payload["data"]["id"] == completed["id"]
    assert received.payload["data"]["statement"]["verb"]["id"] == COMPLETED
    assert received.payload["timestamp"].endswith("Z")
    assert deliver(app) == 0  # delivered once; nothing left
    assert len(receiver.received) == 1


def test_filters_by_activity_prefix_and_partner_credential(app, store, subscribe, receiver,
                                                           make_credential):
    partner = make_credential("statements/write", name="Akademi")
    other = make_credential("statements/write", name="Other LMS")
    subscribe("statement.stored", filter={"activity_prefix": "https://akademi.example.id/",
                                          "credential": partner["key"]})
    wanted = statement(activity="https://akademi.example.id/kelas/b")
    store(wanted, statement(activity="https://lms.example.id/x/1"), credential=partner)
    store(statement(activity="https://akademi.example.id/kelas/c"), credential=other)

    deliver(app)
    assert [p["data"]["id"] for p in receiver.payloads] == [wanted["id"]]


def test_statements_stored_before_the_subscription_are_not_sent(app, store, subscribe,
                                                               receiver):
    store(statement())
    subscribe("statement.stored")
    later = statement()
    store(later)
    deliver(app)
    assert [p["data"]["id"] for p in receiver.payloads] == [later["id"]]


def test_the_secret_is_shown_once_and_kept_sealed(app, client, admin, subscribe):
    created = subscribe("statement.stored")
    listed = client.get(ADMIN_API, headers={"Authorization": admin["Authorization"]}).json
    one = client.get(f"{ADMIN_API}/{created['id']}",
                     headers={"Authorization": admin["Authorization"]}).json
    assert "secret" not in listed[0] and "secret" not in one
    assert one["outbox"] == {"pending": 0, "dead": 0, "oldest_pending_at": None}
    engine = app.extensions["hub.storage"].engine
    with engine.connect() as conn:
        stored = conn.execute(select(webhook_subscriptions.c.secret)).scalar_one()
    assert stored.startswith("fernet:") and created["secret"] not in stored


# --- retries and dead letters ------------------------------------------------------------------
def test_a_500_then_a_429_with_retry_after_are_retried_until_delivered(app, store, subscribe,
                                                                      receiver):
    subscribe("statement.stored")
    store(statement())
    receiver.answer(500, "busy")
    receiver.answer(429, "slow down", Retry_After="120")
    clock = Clock()

    deliver(app, now=clock)
    entry = outbox_entry(app)
    assert (entry.attempts, entry.response_status) == (1, 500)
    # Full jitter: anywhere from now to the first backoff ceiling (5 s).
    assert clock.at <= entry.next_attempt_at <= clock.at + timedelta(seconds=5)

    clock.advance(6)
    deliver(app, now=clock)
    entry = outbox_entry(app)
    assert (entry.attempts, entry.response_status) == (2, 429)
    assert entry.next_attempt_at == clock.at + timedelta(seconds=120)  # Retry-After honoured

    clock.advance(60)
    assert deliver(app, now=clock) == 0  # not due yet
    assert len(receiver.received) == 2
    clock.advance(61)
    deliver(app, now=clock)
    assert outbox_entry(app, "delivered").attempts == 3
    ids = {r.headers["Webhook-Id"] for r in receiver.received}
    assert len(receiver.received) == 3 and len(ids) == 1  # the same webhook-id each time
    assert len({r.headers["Webhook-Timestamp"] for r in receiver.received}) == 3
    assert len(receiver.payloads) == 3  # and every attempt verifies


def test_a_400_is_a_dead_letter_with_the_answer_and_can_be_sent_again(
        app, client, admin, store, subscribe, receiver):
    subscription = subscribe("statement.stored")
    store(statement())
    receiver.answer(400, '{"error": "unknown activity"}')
    deliver(app)
    auth = {"Authorization": admin["Authorization"]}

    letters = client.get(f"{ADMIN_API}/dead-letters", headers=auth).json
    assert len(letters) == 1
    letter = letters[0]
    assert letter["status"] == 400 and "unknown activity" in letter["answer"]
    assert letter["subscription"] == subscription["id"]
    assert letter["payload"]["type"] == "statement.stored"
    assert deliver(app) == 0  # a dead letter is not retried on its own

    response = client.post(f"{ADMIN_API}/dead-letters/resend", json={"ids": [letter["id"]]},
                           headers=auth)
    assert response.json == {"resent": 1}
    deliver(app)
    assert client.get(f"{ADMIN_API}/dead-letters", headers=auth).json == []
    assert len(receiver.payloads) == 2
    assert receiver.received[0].headers["Webhook-Id"] == receiver.received[1].headers["Webhook-Id"]


def test_retries_stop_after_max_attempts_as_a_dead_letter(app, store, subscribe, receiver):
    subscribe("statement.stored")
    store(statement())
    for _ in range(3):
        receiver.answer(503, "down")
    clock = Clock()
    policy = webhooks.RetryPolicy(max_attempts=3, base_seconds=1)
    for _ in range(3):
        deliver(app, now=clock, policy=policy)
        clock.advance(2)
    dead = outbox_entry(app, "dead")
    assert dead.attempts == 3 and dead.response_status == 503
    assert "gave up after 3 attempts" in dead.error


def test_an_unreachable_receiver_is_retried_later(app, client, admin, store):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    response = client.post(ADMIN_API, json={"url": f"http://127.0.0.1:{port}/x",
                                            "events": ["statement.stored"]},
                           headers={"Authorization": admin["Authorization"]})
    assert response.status_code == 201
    store(statement())
    deliver(app)
    entry = outbox_entry(app)
    assert entry.attempts == 1 and entry.response_status is None
    assert "ConnectionError" in entry.error


def test_a_receiver_that_answers_too_late_is_tried_again(app, store, subscribe, receiver):
    subscribe("statement.stored")
    store(statement())
    receiver.answer(200, delay=1.5)
    clock = Clock()
    deliver(app, now=clock, policy=webhooks.RetryPolicy(timeout_seconds=0.3))
    entry = outbox_entry(app)
    assert entry.attempts == 1 and "no answer within 0.3 s" in entry.error
    clock.advance(6)
    deliver(app, now=clock)
    assert outbox_entry(app, "delivered").attempts == 2


def test_a_410_turns_the_subscription_off(app, client, admin, store, subscribe, receiver):
    subscription = subscribe("statement.stored")
    store(statement())
    receiver.answer(410, "gone")
    deliver(app)
    one = client.get(f"{ADMIN_API}/{subscription['id']}",
                     headers={"Authorization": admin["Authorization"]}).json
    assert one["enabled"] is False and one["outbox"]["dead"] == 1


# --- durability ------------------------------------------------------------------------------
def test_the_outbox_survives_a_crash_between_commit_and_delivery(app, app_config, store,
                                                                subscribe, receiver):
    subscription = subscribe("statement.stored")
    stored = statement()
    store(stored)
    with app.app_context():  # queued and committed, not delivered: then the process dies
        assert webhooks.collect_statements(subscription["id"]) == 1
    app.extensions["hub.storage"].dispose()

    restarted = create_app(app_config)
    try:
        deliver(restarted)
    finally:
        restarted.extensions["hub.storage"].dispose()
    assert [p["data"]["id"] for p in receiver.payloads] == [stored["id"]]


def test_three_deliverers_at_once_send_each_message_once(app, store, subscribe, receiver):
    subscription = subscribe("statement.stored")
    ids = store(*[statement() for _ in range(30)])
    with app.app_context():
        assert webhooks.collect_statements(subscription["id"]) == 30
    errors: list[BaseException] = []

    def run() -> None:
        try:
            deliver(app, limit=100)
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sorted(p["data"]["id"] for p in receiver.payloads) == sorted(ids)


def test_the_worker_delivers_each_subscription_as_a_unit_of_its_own(app, client, admin, store,
                                                                   subscribe, receiver):
    subscription = subscribe("statement.stored")
    stored = statement()
    store(stored)
    options = WorkerOptions(lease_seconds=3.0, heartbeat_seconds=0.2, renew_seconds=0.5,
                            graceful_seconds=10.0)
    worker = Worker(app, options, only=frozenset({"webhooks"}))
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not receiver.received and time.monotonic() < deadline:
            time.sleep(0.05)
        status = client.get("/api/connectors/admin/worker",
                            headers={"Authorization": admin["Authorization"]}).get_json()
    finally:
        worker.stop()
        thread.join(15)
    assert [p["data"]["id"] for p in receiver.payloads] == [stored["id"]]
    assert f"webhooks:{subscription['id']}" in {u["name"] for u in status["loops"]}


# --- transcript events ---------------------------------------------------------------------------
def test_jp_reached_fires_once_when_a_person_crosses_20_jp(app, app_config, client, admin,
                                                          store, subscribe, receiver):
    auth = {"Authorization": admin["Authorization"]}
    response = client.put(f"/api/transcripts/admin/people/{SITI}", headers=auth,
                          json={"name": "Siti Rahmawati", "employee_type": "PNS",
                                "agency": "Kementerian PANRB"})
    assert response.status_code == 201, response.json
    subscribe("transcript.changed", "transcript.jp_reached")
    siti = {"objectType": "Agent", "account": {"homePage": SIASN, "name": SITI}}
    for number, jp in enumerate((12, 10, 5)):
        store(statement(actor=siti, activity=f"https://akademi.example.id/kelas/{number}", jp=jp))
        with app.app_context():
            transcripts_service.sync_now()
    # The rows were committed with the summaries; a fresh process delivers them.
    app.extensions["hub.storage"].dispose()
    restarted = create_app(app_config)
    try:
        deliver(restarted)
        with restarted.app_context():
            transcripts_service.rebuild_now()  # recomputes every total: reached already sent
        deliver(restarted)
    finally:
        restarted.extensions["hub.storage"].dispose()

    reached = [p for p in receiver.payloads if p["type"] == "transcript.jp_reached"]
    assert len(reached) == 1
    assert reached[0]["data"] == {"nip": SITI, "year": 2026, "employee_type": "PNS",
                                  "required_jp": 20, "jp": 22}
    changed = [p["data"] for p in receiver.payloads if p["type"] == "transcript.changed"]
    steps = sorted((c["before"]["jp"], c["after"]["jp"]) for c in changed)
    assert (0, 12) in steps and (12, 22) in steps and (22, 27) in steps
    first = next(c for c in changed if c["after"]["jp"] == 12)
    assert first["after"]["jp_by_type"]["unmapped"] == 12 and first["after"]["activities"] == 1


# --- bad input ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("body", "pointer"), [
    ({"url": "http://hooks.example.id/x", "events": ["statement.stored"]}, "/url"),
    ({"url": "ftp://127.0.0.1/x", "events": ["statement.stored"]}, "/url"),
    ({"url": "https://hooks.example.id/x", "events": ["statement.deleted"]}, "/events/0"),
    ({"url": "https://hooks.example.id/x", "events": []}, "/events"),
    ({"url": "https://hooks.example.id/x", "events": ["transcript.changed"],
      "filter": {"verb": COMPLETED}}, "/filter"),
    ({"url": "https://hooks.example.id/x", "events": ["statement.stored"],
      "filter": {"verb": "not an iri"}}, "/filter/verb"),
    ({"url": "https://hooks.example.id/x", "events": ["statement.stored"],
      "filter": {"credential": "no-such-key"}}, "/filter/credential"),
    ({"url": "https://hooks.example.id/x", "events": ["statement.stored"], "secret": "x"},
     "/secret"),
])
def test_a_malformed_subscription_is_a_400_naming_the_field(client, admin, body, pointer):
    response = client.post(ADMIN_API, json=body, headers={"Authorization": admin["Authorization"]})
    assert response.status_code == 400, response.json
    assert response.json["error"]["pointer"] == pointer


def test_the_admin_api_needs_the_admin_scope(client, make_credential):
    partner = make_credential("statements/write")
    response = client.get(ADMIN_API, headers={"Authorization": partner["Authorization"]})
    assert response.status_code == 403


# --- the CLI --------------------------------------------------------------------------------------
def test_the_cli_adds_lists_resends_and_removes(app, runner, store, receiver):
    added = runner.invoke(args=["connectors", "webhooks", "add", receiver.url,
                                "--event", "statement.stored", "--verb", COMPLETED])
    assert added.exit_code == 0, added.output
    subscription_id = added.output.split()[1]
    receiver.secret = added.output.split("with it): ")[1].strip()
    listed = runner.invoke(args=["connectors", "webhooks", "list"])
    assert json.loads(listed.output.splitlines()[0])["id"] == subscription_id

    store(statement())
    receiver.answer(404, "no such hook")
    assert runner.invoke(args=["connectors", "webhooks", "deliver"]).exit_code == 0
    letters = runner.invoke(args=["connectors", "webhooks", "dead-letters"])
    letter = json.loads(letters.output.splitlines()[0])
    assert letter["status"] == 404
    resent = runner.invoke(args=["connectors", "webhooks", "resend", str(letter["id"])])
    assert "1 dead letter" in resent.output
    runner.invoke(args=["connectors", "webhooks", "deliver"])
    assert len(receiver.payloads) == 2

    bad = runner.invoke(args=["connectors", "webhooks", "add", "http://hooks.example.id/",
                              "--event", "statement.stored"])
    assert bad.exit_code != 0 and "https" in bad.output
    removed = runner.invoke(args=["connectors", "webhooks", "remove", subscription_id])
    assert removed.exit_code == 0
    assert runner.invoke(args=["connectors", "webhooks", "list"]).output == ""
