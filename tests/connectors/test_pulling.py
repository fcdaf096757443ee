"""Pulling from partner LRSs over real HTTP on loopback: a second hub as the source, and
a scripted partner that answers what a source may answer (bad statements, failures)."""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from connectors import pulling
from connectors.lrs_client import multipart_body
from connectors.runtime import Worker, WorkerOptions
from connectors.storage import stores
from hub.app import create_app
from hub.loops import Lag
from hub.timestamps import format_timestamp, parse_timestamp
from lrs import service as lrs_service
from lrs.service import Attachment
from lrs.statements.ops import CONSISTENCY_MARGIN
from tests.connectors.partners import FlakyPartner, SecondHub
from tests.connectors.registrations import ADMIN_API, SOURCES, quick_client, source_body
from tests.factories import make_statement
from tests.xapi_attachments import attachment_meta

register, drain, state = SOURCES.register, SOURCES.drain, SOURCES.state


@pytest.fixture
def puller(make_credential) -> dict:
    """The hub credential the pulled statements are stored under."""
    return make_credential("statements/write", name="LRS vendor")


def due_now(app, source_id: str) -> None:
    """As if the source's interval (or its retry wait) had passed."""
    with app.app_context():
        current = stores().sources.pull_state(source_id)
        polled = None if current.polled_at is None else current.polled_at - timedelta(days=1)
        stores().sources.save_pull_state(source_id, replace(current, polled_at=polled,
                                                            retry_at=None))


def stored_here(app, ids) -> dict:
    with app.app_context():
        return lrs_service.find_statements(ids)


def as_stored(statement: dict, stored: str) -> dict:
    """A statement as a source LRS serves it."""
    return {**statement, "stored": stored, "version": "1.0.0",
            "authority": {"objectType": "Agent", "name": "LRS vendor",
                          "account": {"homePage": "https://vendor.example", "name": "lrs"}}}


# --- registration ---------------------------------------------------------------------------
# (What sources share with destinations: tests/connectors/test_partner_admin.py.)
def test_a_source_is_registered_with_its_credential_schedule_and_start(client, admin, puller):
    body = source_body("https://lrs.vendor.example/xapi/", "hub", "rahasia-sumber",
                       puller["key"], start="2026-01-01T00:00:00Z")
    response = client.post(f"{ADMIN_API}/sources", json=body, headers=admin)
    assert response.status_code == 201, response.get_json()
    shown = response.get_json()
    assert shown["endpoint"] == "https://lrs.vendor.example/xapi"
    assert (shown["credential"], shown["poll_seconds"], shown["page_limit"]) == \
        (puller["key"], 600, 50)
    assert shown["start"] == "2026-01-01T00:00:00Z"
    assert shown["pulling"] == {"cursor": None, "more": None, "pulled": 0, "polled_at": None,
                                "attempts": 0, "retry_at": None, "last_error": None}
    changed = client.put(f"{ADMIN_API}/sources/{shown['id']}",
                         json={**body, "enabled": False, "poll_seconds": 60}, headers=admin)
    assert changed.status_code == 200, changed.get_json()
    assert (changed.get_json()["enabled"], changed.get_json()["poll_seconds"]) == (False, 60)


@pytest.mark.parametrize(("change", "pointer"), [
    ({"endpoint": "ftp://lrs.example/xapi"}, "/endpoint"),
    ({"endpoint": "https://user:pw@lrs.example/xapi"}, "/endpoint"),
    ({"version": "0.95"}, "/version"),
    ({"auth": {"kind": "oauth2", "username": "c", "secret": "s"}}, "/auth"),
    ({"auth": {"kind": "basic", "username": "c"}}, "/auth/secret"),
    ({"poll_seconds": 0}, "/poll_seconds"),
    ({"poll_seconds": "60"}, "/poll_seconds"),
    ({"page_limit": 5000}, "/page_limit"),
    ({"enabled": "yes"}, "/enabled"),
    ({"start": "kemarin"}, "/start"),
    ({"credential": ""}, "/credential"),
    ({"interval": 60}, "/interval"),
])
def test_a_malformed_source_is_a_400_naming_the_field(client, admin, puller, change, pointer):
    body = {**source_body("https://lrs.example/xapi", "hub", "s", puller["key"]), **change}
    response = client.post(f"{ADMIN_API}/sources", json=body, headers=admin)
    assert response.status_code == 400
    assert response.get_json()["error"]["pointer"] == pointer, response.get_json()
    assert client.get(f"{ADMIN_API}/sources", headers=admin).get_json() == []


def test_a_source_needs_a_credential_that_exists_is_not_revoked_and_may_store(
        client, admin, storage, make_credential):
    reader = make_credential("statements/read")
    revoked = make_credential("statements/write")
    storage.credentials.revoke_credential(revoked["key"], datetime.now(UTC))
    for key in ("no-such-key", revoked["key"], reader["key"]):
        body = source_body("https://lrs.example/xapi", "hub", "s", key)
        response = client.post(f"{ADMIN_API}/sources", json=body, headers=admin)
        assert response.status_code == 400, key
        assert response.get_json()["error"]["pointer"] == "/credential"
    assert client.get(f"{ADMIN_API}/sources", headers=admin).get_json() == []


def test_sources_need_the_admin_scope(client, make_credential):
    partner = make_credential("statements/write")
    response = client.get(f"{ADMIN_API}/sources",
                          headers={"Authorization": partner["Authorization"]})
    assert response.status_code == 403


# --- pulling from a second hub ------------------------------------------------------------
def test_statements_are_pulled_with_their_ids_the_credential_authority_and_attachments(
        app, client, admin, puller, storage, second_hub: SecondHub):
    plain = [make_statement(id=str(uuid.uuid4())) for _ in range(3)]
    second_hub.seed(plain)
    certificate = b"%PDF-1.4 sertifikat pelatihan dari LRS vendor"
    meta = attachment_meta(certificate)
    with_file = make_statement(id=str(uuid.uuid4()), attachments=[meta])
    second_hub.seed([with_file], [("application/pdf", certificate, meta["sha2"])])
    source = register(client, admin, source_body(second_hub.endpoint, *second_hub.credential,
                                                 puller["key"]))

    assert drain(app, source) == 4
    ids = [s["id"] for s in [*plain, with_file]]
    found = stored_here(app, ids)
    assert sorted(found) == sorted(ids), "ids kept"
    for sent in [*plain, with_file]:
        arrived = found[sent["id"]].document
        assert arrived["authority"] == puller["authority"]
        for key in ("actor", "verb", "object", "result", "timestamp"):
            assert arrived[key] == sent[key], key
    assert storage.statements.get_attachments([meta["sha2"]])[meta["sha2"]].content == \
        certificate
    done = state(app, source)
    newest = max(parse_timestamp(s.document["stored"]) for s in second_hub.stored())
    assert (done.pulled, done.more, done.attempts, done.last_error) == (4, None, 0, None)
    # The hub vouches for what was stored up to a second before it answered (its
    # Consistent-Through): the cursor is the newest `stored`, or that moment if earlier.
    assert newest - CONSISTENCY_MARGIN <= done.cursor <= newest
    assert done.polled_at is not None
    with app.app_context():
        assert pulling.pull(source) == 0, "the next poll waits for the interval"


def test_more_is_followed_across_steps_and_a_restarted_hub_resumes(
        app_config, app, client, admin, puller, second_hub: SecondHub):
    ids = second_hub.seed([make_statement(id=str(uuid.uuid4())) for _ in range(5)])
    source = register(client, admin, source_body(second_hub.endpoint, *second_hub.credential,
                                                 puller["key"], page_limit=2))
    with app.app_context():
        assert pulling.pull(source) == 2
    midway = state(app, source)
    assert midway.more is not None and midway.polled_at is None
    assert len(stored_here(app, ids)) == 2

    restarted = create_app(app_config)  # another process on the same database
    try:
        with restarted.app_context():
            assert pulling.pull_state(source).more == midway.more
            assert [pulling.pull(source) for _ in range(3)] == [2, 1, 0]
            done = pulling.pull_state(source)
    finally:
        restarted.extensions["hub.storage"].dispose()
    assert (done.more, done.pulled) == (None, 5) and done.polled_at is not None
    assert sorted(stored_here(app, ids)) == sorted(ids)


def test_a_new_poll_stores_nothing_twice_and_takes_what_is_new(
        app, client, admin, puller, second_hub: SecondHub):
    first = second_hub.seed([make_statement(id=str(uuid.uuid4())) for _ in range(3)])
    source = register(client, admin, source_body(second_hub.endpoint, *second_hub.credential,
                                                 puller["key"]))
    drain(app, source)
    with app.app_context():
        feed_before = lrs_service.newest_seq()
    due_now(app, source)
    assert drain(app, source) == 3, "the overlap re-reads them"
    with app.app_context():
        assert lrs_service.newest_seq() == feed_before, "repeats store nothing"
    assert state(app, source).pulled == 3
    later = second_hub.seed([make_statement(id=str(uuid.uuid4()))])
    due_now(app, source)
    drain(app, source)
    assert state(app, source).pulled == 4
    assert sorted(stored_here(app, [*first, *later])) == sorted([*first, *later])


def test_an_id_stored_with_other_content_is_a_conflict_and_the_stored_one_stays(
        app, client, admin, xapi, puller, second_hub: SecondHub):
    shared = str(uuid.uuid4())
    ours = make_statement("completed", id=shared)
    assert client.post("/xapi/statements", json=[ours], headers=xapi()).status_code == 200
    theirs = make_statement("failed", id=shared)
    other = make_statement(id=str(uuid.uuid4()))
    second_hub.seed([theirs, other])
    source = register(client, admin, source_body(second_hub.endpoint, *second_hub.credential,
                                                 puller["key"]))

    assert drain(app, source) == 2
    found = stored_here(app, [shared, other["id"]])
    assert found[shared].document["verb"] == ours["verb"], "never overwritten"
    assert found[shared].document["authority"] == xapi.credential["authority"]
    assert found[other["id"]].document["authority"] == puller["authority"]
    listed = client.get(f"{ADMIN_API}/sources/{source}/conflicts", headers=admin).get_json()
    assert [(c["statement_id"], c["kind"]) for c in listed] == [(shared, "conflict")]
    assert listed[0]["statement"]["verb"] == theirs["verb"], "the incoming one is kept"
    assert listed[0]["noticed_at"] is not None
    due_now(app, source)
    drain(app, source)
    again = client.get(f"{ADMIN_API}/sources/{source}/conflicts", headers=admin).get_json()
    assert len(again) == 1, "seen again through the overlap, recorded once"
    assert state(app, source).pulled == 1


# --- a scripted source ------------------------------------------------------------------------
def test_a_statement_the_hub_refuses_is_recorded_and_never_blocks_the_page(
        app, client, admin, puller, flaky_partner: FlakyPartner):
    good = as_stored(make_statement(id=str(uuid.uuid4())), "2026-12-01T08:00:00.000Z")
    no_actor = as_stored(make_statement(id=str(uuid.uuid4()), actor=None),
                         "2026-12-01T08:00:01.000Z")
    no_id = as_stored(make_statement(), "2026-12-01T08:00:02.000Z")
    flaky_partner.answer_next(200, {"statements": [no_actor, good, no_id], "more": ""})
    source = register(client, admin, source_body(flaky_partner.endpoint, "hub", "rahasia",
                                                 puller["key"]))
    with app.app_context():
        assert pulling.pull(source, client=quick_client(flaky_partner)) == 3
    (asked,) = flaky_partner.xapi_requests
    assert asked.path == "/xapi/statements" and "since" not in asked.query
    assert (asked.query["ascending"], asked.query["attachments"], asked.query["limit"]) == \
        ("true", "true", "50")
    assert list(stored_here(app, [good["id"], no_actor["id"]])) == [good["id"]]
    listed = client.get(f"{ADMIN_API}/sources/{source}/conflicts", headers=admin).get_json()
    assert [(c["statement_id"], c["kind"]) for c in listed] == \
        [(no_actor["id"], "refused"), ("", "refused")]
    assert "actor" in listed[0]["message"]
    done = state(app, source)
    assert done.cursor == parse_timestamp("2026-12-01T08:00:02.000Z")
    assert done.pulled == 1


def test_a_statement_whose_attachment_came_spoiled_is_refused_and_the_rest_is_stored(
        app, client, admin, puller, flaky_partner: FlakyPartner):
    """An attachment whose content does not match its sha2 (Learning Locker 5.0.1 keeps
    binary files as UTF-8 text) would be sent so at every poll: refusing the page would
    stop the source for good, so only its statement is refused."""
    certificate = b"%PDF-1.7 \xe2\xe3\xcf\xd3"
    meta = attachment_meta(certificate)
    spoiled = as_stored(make_statement(id=str(uuid.uuid4()), attachments=[meta]),
                        "2026-12-01T08:00:00.000Z")
    good = as_stored(make_statement(id=str(uuid.uuid4())), "2026-12-01T08:00:01.000Z")
    body, content_type = multipart_body(
        json.dumps({"statements": [spoiled, good], "more": ""}).encode(),
        [Attachment(meta["sha2"], "application/pdf", certificate.decode("utf-8", "replace")
                    .encode())])
    flaky_partner.answer_next(200, body, {"Content-Type": content_type})
    source = register(client, admin, source_body(flaky_partner.endpoint, "hub", "rahasia",
                                                 puller["key"]))
    with app.app_context():
        assert pulling.pull(source, client=quick_client(flaky_partner)) == 2
    assert list(stored_here(app, [spoiled["id"], good["id"]])) == [good["id"]]
    listed = client.get(f"{ADMIN_API}/sources/{source}/conflicts", headers=admin).get_json()
    assert [(c["statement_id"], c["kind"]) for c in listed] == [(spoiled["id"], "refused")]
    assert meta["sha2"] in listed[0]["message"] and "does not match" in listed[0]["message"]
    done = state(app, source)
    assert (done.cursor, done.pulled, done.last_error, done.more) == \
        (parse_timestamp("2026-12-01T08:00:01.000Z"), 1, None, None)


def test_a_new_poll_asks_since_the_cursor_less_the_overlap_never_before_start(
        app, client, admin, puller, flaky_partner: FlakyPartner):
    flaky_partner.answer_next(200, {"statements": [
        as_stored(make_statement(id=str(uuid.uuid4())), "2026-12-01T08:00:30.000Z")],
        "more": ""})
    source = register(client, admin, source_body(flaky_partner.endpoint, "hub", "rahasia",
                                                 puller["key"], start="2026-12-01T08:00:00Z"))
    with app.app_context():
        pulling.pull(source, client=quick_client(flaky_partner))
        due_now(app, source)
        pulling.pull(source, client=quick_client(flaky_partner))
    first, second = flaky_partner.xapi_requests
    assert first.query["since"] == "2026-12-01T08:00:00.000Z", "start"
    assert second.query["since"] == "2026-12-01T08:00:00.000Z", "cursor - 60 s, not before start"


def test_more_links_of_a_source_are_followed_to_the_end(
        app, client, admin, puller, flaky_partner: FlakyPartner):
    page = [as_stored(make_statement(id=str(uuid.uuid4())), f"2026-12-01T08:00:0{i}.000Z")
            for i in range(3)]
    flaky_partner.answer_next(200, {"statements": page[:2], "more": "/xapi/statements?p=2"})
    flaky_partner.answer_next(200, {"statements": page[2:], "more": ""})
    source = register(client, admin, source_body(flaky_partner.endpoint, "hub", "rahasia",
                                                 puller["key"]))
    assert drain(app, source, quick_client(flaky_partner)) == 3
    assert [r.target for r in flaky_partner.xapi_requests][1] == "/xapi/statements?p=2"
    assert state(app, source).pulled == 3


@pytest.mark.parametrize("failure", ["500", "429", "timeout", "not a StatementResult"])
def test_a_failing_source_is_asked_again_later_and_the_cursor_stays(
        app, client, admin, puller, flaky_partner: FlakyPartner, failure):
    taken = "2026-12-01T08:00:00.000Z"
    flaky_partner.answer_next(200, {"statements": [
        as_stored(make_statement(id=str(uuid.uuid4())), taken)], "more": ""})
    source = register(client, admin, source_body(flaky_partner.endpoint, "hub", "rahasia",
                                                 puller["key"]))
    with app.app_context():
        assert pulling.pull(source, client=quick_client(flaky_partner)) == 1
    due_now(app, source)
    if failure == "500":
        flaky_partner.answer_next(500, {"error": "database down"})
    elif failure == "429":
        flaky_partner.answer_next(429, {"error": "slow down"}, headers={"Retry-After": "7"})
    elif failure == "timeout":
        flaky_partner.hang_next(3)
    else:
        flaky_partner.answer_next(200, {"statement": []})
    before = datetime.now(UTC)
    with app.app_context():
        assert pulling.pull(source, client=quick_client(flaky_partner, 0.5)) == 0
        waiting = pulling.pull_state(source)
        assert waiting.cursor == parse_timestamp(taken) and waiting.attempts == 1
        assert waiting.retry_at is not None and waiting.last_error
        wait = (waiting.retry_at - before).total_seconds()
        if failure == "429":
            assert 5 <= wait <= 9, "Retry-After"
            asked = len(flaky_partner.xapi_requests)
            assert pulling.pull(source, client=quick_client(flaky_partner)) == 0
            assert len(flaky_partner.xapi_requests) == asked, "it waits for retry_at"
        else:
            assert 0 <= wait <= 3, "the first backoff is at most a second (full jitter)"
        due_now(app, source)
        pulling.pull(source, client=quick_client(flaky_partner))
        recovered = pulling.pull_state(source)
    assert (recovered.attempts, recovered.retry_at, recovered.last_error) == (0, None, None)
    again = flaky_partner.xapi_requests[-1]
    assert again.query["since"] == format_timestamp(parse_timestamp(taken) - pulling.OVERLAP)


def test_a_failure_midway_keeps_the_more_link(app, client, admin, puller,
                                              flaky_partner: FlakyPartner):
    flaky_partner.answer_next(200, {"statements": [
        as_stored(make_statement(id=str(uuid.uuid4())), "2026-12-01T08:00:00.000Z")],
        "more": "/xapi/statements?p=2"})
    flaky_partner.answer_next(503, {"error": "busy"})
    source = register(client, admin, source_body(flaky_partner.endpoint, "hub", "rahasia",
                                                 puller["key"]))
    with app.app_context():
        pulling.pull(source, client=quick_client(flaky_partner))
        pulling.pull(source, client=quick_client(flaky_partner))
    waiting = state(app, source)
    assert waiting.more is not None and waiting.more.endswith("/xapi/statements?p=2")
    assert waiting.attempts == 1
    due_now(app, source)
    with app.app_context():
        pulling.pull(source, client=quick_client(flaky_partner))
    assert flaky_partner.xapi_requests[-1].target == "/xapi/statements?p=2"


def test_a_revoked_credential_stops_storing_until_it_is_fixed(
        app, client, admin, puller, storage, second_hub: SecondHub):
    ids = second_hub.seed([make_statement(id=str(uuid.uuid4()))])
    source = register(client, admin, source_body(second_hub.endpoint, *second_hub.credential,
                                                 puller["key"]))
    storage.credentials.revoke_credential(puller["key"], datetime.now(UTC))
    with app.app_context():
        assert pulling.pull(source) == 0
    waiting = state(app, source)
    assert waiting.attempts == 1 and "revoked" in waiting.last_error
    assert waiting.cursor is None and stored_here(app, ids) == {}


# --- the loop and its lag -------------------------------------------------------------------
def test_the_pull_loop_has_a_unit_per_enabled_source_and_reports_its_lag(
        app, client, admin, puller, second_hub: SecondHub):
    source = register(client, admin, source_body(second_hub.endpoint, *second_hub.credential,
                                                 puller["key"]))
    register(client, admin, source_body(second_hub.endpoint, *second_hub.credential,
                                        puller["key"], enabled=False))
    second_hub.seed([make_statement(id=str(uuid.uuid4()))])
    with app.app_context():
        loop = pulling.pulling_loop()
        assert loop.units() == [source]
        assert loop.lag(source) == Lag(1, None), "never polled: one poll overdue"
    drain(app, source)
    with app.app_context():
        lag = loop.lag(source)
        assert lag.behind == 0 and lag.oldest_seconds is not None and lag.oldest_seconds < 60
        current = stores().sources.pull_state(source)
        stores().sources.save_pull_state(source, replace(
            current, polled_at=current.polled_at - timedelta(seconds=1300)))
        assert loop.lag(source).behind == 2, "two intervals of 600 s overdue"


# --- the CLI ------------------------------------------------------------------------------------
def test_sources_by_command(app, runner, puller, xapi, client, second_hub: SecondHub,
                            tmp_path):
    shared = str(uuid.uuid4())
    client.post("/xapi/statements", json=[make_statement("completed", id=shared)],
                headers=xapi())
    second_hub.seed([make_statement("failed", id=shared)])
    body = tmp_path / "source.json"
    body.write_text(json.dumps(source_body(second_hub.endpoint, *second_hub.credential,
                                           puller["key"], name="LRS vendor")))
    added = runner.invoke(args=["connectors", "sources", "add", str(body)])
    assert added.exit_code == 0, added.output
    source = added.output.strip()
    drain(app, source)
    listed = runner.invoke(args=["connectors", "sources", "list"])
    assert source in listed.output and "LRS vendor" in listed.output
    conflicts = runner.invoke(args=["connectors", "sources", "conflicts", source])
    assert shared in conflicts.output and "conflict" in conflicts.output
    bad = runner.invoke(args=["connectors", "sources", "add", "-"],
                        input=json.dumps({"name": "x"}))
    assert bad.exit_code != 0 and "/endpoint" in bad.output
    assert runner.invoke(args=["connectors", "sources", "remove", source]).exit_code == 0
    assert runner.invoke(args=["connectors", "sources", "remove", source]).exit_code != 0


def test_a_new_endpoint_drops_the_pending_more_link(app, client, admin, puller,
                                                    flaky_partner: FlakyPartner):
    flaky_partner.answer_next(200, {"statements": [
        as_stored(make_statement(id=str(uuid.uuid4())), "2026-12-01T08:00:00.000Z")],
        "more": "/xapi/statements?p=2"})
    body = source_body(flaky_partner.endpoint, "hub", "rahasia", puller["key"])
    source = register(client, admin, body)
    with app.app_context():
        pulling.pull(source, client=quick_client(flaky_partner))
    assert state(app, source).more is not None
    moved = client.put(f"{ADMIN_API}/sources/{source}", headers=admin,
                       json={**body, "endpoint": "https://lrs-baru.vendor.example/xapi"})
    assert moved.status_code == 200, moved.get_json()
    after = moved.get_json()["pulling"]
    assert after["more"] is None and after["cursor"] == "2026-12-01T08:00:00Z"


def test_the_worker_pulls_a_source_under_its_lease_and_reports_it(
        app, client, admin, puller, second_hub: SecondHub):
    ids = second_hub.seed([make_statement(id=str(uuid.uuid4())) for _ in range(5)])
    source = register(client, admin, source_body(second_hub.endpoint, *second_hub.credential,
                                                 puller["key"], page_limit=2))
    worker = Worker(app, WorkerOptions(lease_seconds=3.0, heartbeat_seconds=0.2,
                                       renew_seconds=0.5, graceful_seconds=10.0),
                    only=frozenset({"pull"}))
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and state(app, source).polled_at is None:
            time.sleep(0.05)
        assert state(app, source).pulled == 5
        assert sorted(stored_here(app, ids)) == sorted(ids)
        while time.monotonic() < deadline:
            units = client.get(f"{ADMIN_API}/worker", headers=admin).get_json()["loops"]
            if any(u["name"] == f"pull:{source}" and u["processed"] == 5 for u in units):
                break
            time.sleep(0.05)
        else:
            raise AssertionError(f"the worker status does not show the pull: {units}")
    finally:
        worker.stop()
        thread.join(15)


@pytest.mark.parametrize(("consistent_through", "cursor"), [
    # The page went beyond what the source vouches for: the cursor stops there.
    ("2026-12-01T08:00:10.000Z", "2026-12-01T08:00:10.000Z"),
    # The source vouches for more than the page holds: the page's newest `stored`.
    ("2026-12-01T09:00:00.000Z", "2026-12-01T08:00:30.000Z"),
    # No header, or one that is no timestamp: the page's newest `stored` (OVERLAP covers).
    (None, "2026-12-01T08:00:30.000Z"),
    ("kemarin", "2026-12-01T08:00:30.000Z"),
])
def test_the_cursor_never_passes_the_sources_consistent_through(
        app, client, admin, puller, flaky_partner: FlakyPartner, consistent_through, cursor):
    headers = {"X-Experience-API-Consistent-Through": consistent_through} \
        if consistent_through else {}
    flaky_partner.answer_next(200, {"statements": [
        as_stored(make_statement(id=str(uuid.uuid4())), "2026-12-01T08:00:30.000Z")],
        "more": ""}, headers=headers)
    source = register(client, admin, source_body(flaky_partner.endpoint, "hub", "rahasia",
                                                 puller["key"]))
    with app.app_context():
        assert pulling.pull(source, client=quick_client(flaky_partner)) == 1
        due_now(app, source)
        pulling.pull(source, client=quick_client(flaky_partner))
    assert state(app, source).cursor == parse_timestamp(cursor)
    again = flaky_partner.xapi_requests[-1]
    assert again.query["since"] == format_timestamp(parse_timestamp(cursor) - pulling.OVERLAP)


def test_a_consistent_through_behind_the_cursor_never_moves_it_back(
        app, client, admin, puller, flaky_partner: FlakyPartner):
    flaky_partner.answer_next(200, {"statements": [
        as_stored(make_statement(id=str(uuid.uuid4())), "2026-12-01T08:00:30.000Z")],
        "more": ""})
    flaky_partner.answer_next(200, {"statements": [
        as_stored(make_statement(id=str(uuid.uuid4())), "2026-12-01T08:05:00.000Z")],
        "more": ""}, headers={"X-Experience-API-Consistent-Through": "2026-12-01T07:00:00Z"})
    source = register(client, admin, source_body(flaky_partner.endpoint, "hub", "rahasia",
                                                 puller["key"]))
    with app.app_context():
        pulling.pull(source, client=quick_client(flaky_partner))
        due_now(app, source)
        pulling.pull(source, client=quick_client(flaky_partner))
    assert state(app, source).cursor == parse_timestamp("2026-12-01T08:00:30.000Z")


def test_a_source_polled_for_everything_reads_it_whole_each_time(
        app, client, admin, puller, flaky_partner: FlakyPartner):
    # For an LRS whose `since` filters by `timestamp` (Ralph, docs/connectors.md): a
    # statement stored after the last poll but dated long before it is still found.
    early = as_stored(make_statement(id=str(uuid.uuid4())), "2026-12-01T08:00:30.000Z")
    late = {**as_stored(make_statement(id=str(uuid.uuid4())), "2026-12-01T09:00:00.000Z"),
            "timestamp": "2026-11-01T08:00:00.000Z"}
    flaky_partner.answer_next(200, {"statements": [early], "more": ""})
    flaky_partner.answer_next(200, {"statements": [early, late], "more": ""})
    response = client.post(f"{ADMIN_API}/sources", headers=admin, json=source_body(
        flaky_partner.endpoint, "hub", "rahasia", puller["key"], poll="everything"))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["poll"] == "everything"
    source = response.get_json()["id"]
    with app.app_context():
        assert pulling.pull(source, client=quick_client(flaky_partner)) == 1
        due_now(app, source)
        assert pulling.pull(source, client=quick_client(flaky_partner)) == 2
    assert ["since" in r.query for r in flaky_partner.xapi_requests] == [False, False]
    assert sorted(stored_here(app, [early["id"], late["id"]])) == \
        sorted([early["id"], late["id"]])
    assert state(app, source).pulled == 2, "the repeat of the first statement is a no-op"


def test_a_source_asks_since_unless_told_and_a_bad_poll_is_a_400(client, admin, puller):
    body = source_body("https://lrs.vendor.example/xapi", "hub", "s", puller["key"])
    response = client.post(f"{ADMIN_API}/sources", json=body, headers=admin)
    assert response.status_code == 201 and response.get_json()["poll"] == "since"
    response = client.post(f"{ADMIN_API}/sources", headers=admin,
                           json={**body, "name": "lain", "poll": "kadang"})
    assert response.status_code == 400
    assert response.get_json()["error"]["pointer"] == "/poll"
