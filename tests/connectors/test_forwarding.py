"""Forwarding to other LRSs over real HTTP on loopback: a second hub as the destination,
and a scripted partner that fails in the ways partners fail."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime

import pytest

from connectors import forwarding
from connectors.storage.contract import DeliveryState
from lrs.service import FeedState
from tests.connectors.partners import FlakyPartner, SecondHub, http_date
from tests.connectors.registrations import (
    ADMIN_API,
    DESTINATIONS,
    destination_body,
    quick_client,
)
from tests.factories import VERBS, make_statement, voiding
from tests.xapi_attachments import attachment_meta, multipart

register, drain, state = DESTINATIONS.register, DESTINATIONS.drain, DESTINATIONS.state


def post(client, xapi, statements, credential=None) -> list[str]:
    response = client.post("/xapi/statements", json=statements,
                           headers=xapi(credential=credential))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


# --- registration ---------------------------------------------------------------------------
# (What destinations share with sources: tests/connectors/test_partner_admin.py.)
def test_a_destination_is_registered_with_its_filter_and_at_the_start_of_the_feed(
        client, admin):
    body = destination_body("https://lrs.kementerian.example/xapi/", "hub", "rahasia-sekali",
                            filter={"verbs": [VERBS["completed"]]})
    response = client.post(f"{ADMIN_API}/destinations", json=body, headers=admin)
    assert response.status_code == 201
    shown = response.get_json()
    assert shown["endpoint"] == "https://lrs.kementerian.example/xapi"
    assert shown["filter"]["verbs"] == [VERBS["completed"]]
    assert shown["delivery"] == {"cursor": 0, "open_gaps": 0, "delivered": 0, "attempts": 0,
                                 "retry_at": None, "last_error": None}


def test_a_destination_sends_500_statements_per_post_unless_told(client, admin):
    body = destination_body("https://lrs.example/xapi", "hub", "s")
    del body["batch_size"]
    response = client.post(f"{ADMIN_API}/destinations", json=body, headers=admin)
    assert response.status_code == 201
    assert response.get_json()["batch_size"] == 500


@pytest.mark.parametrize(("change", "pointer"), [
    ({"endpoint": "ftp://lrs.example/xapi"}, "/endpoint"),
    ({"endpoint": "https://user:pw@lrs.example/xapi"}, "/endpoint"),
    ({"version": "1.0.2"}, "/version"),
    ({"batch_size": 0}, "/batch_size"),
    ({"auth": {"kind": "oauth2", "username": "c", "secret": "s"}}, "/auth"),
    ({"auth": {"kind": "digest", "username": "c", "secret": "s"}}, "/auth/kind"),
    ({"filter": {"verbs": ["not an IRI"]}}, "/filter/verbs/0"),
    ({"filter": {"verb": []}}, "/filter/verb"),
    ({"colour": "blue"}, "/colour"),
])
def test_a_malformed_destination_is_a_400_naming_the_field(client, admin, change, pointer):
    body = {**destination_body("https://lrs.example/xapi", "hub", "s"), **change}
    response = client.post(f"{ADMIN_API}/destinations", json=body, headers=admin)
    assert response.status_code == 400
    assert response.get_json()["error"]["pointer"] == pointer, response.get_json()
    assert client.get(f"{ADMIN_API}/destinations", headers=admin).get_json() == []


def test_destinations_need_the_admin_scope(client, make_credential):
    partner = make_credential("statements/write")
    response = client.post(f"{ADMIN_API}/destinations", json={},
                           headers={"Authorization": partner["Authorization"]})
    assert response.status_code == 403


def test_an_unknown_destination_is_a_404(client, admin):
    assert client.get(f"{ADMIN_API}/destinations/nope", headers=admin).status_code == 404
    assert client.delete(f"{ADMIN_API}/destinations/nope", headers=admin).status_code == 404


# --- delivery to a second hub ------------------------------------------------------------
def test_every_statement_reaches_a_second_hub_as_stored_with_attachments_and_voiding(
        app, client, admin, xapi, second_hub: SecondHub):
    destination = register(client, admin, destination_body(second_hub.endpoint,
                                                            *second_hub.credential))
    plain = [make_statement(id=str(uuid.uuid4())) for _ in range(12)]
    ids = post(client, xapi, plain)
    certificate = b"%PDF-1.4 sertifikat pelatihan"
    meta = attachment_meta(certificate)
    with_file = make_statement(id=str(uuid.uuid4()), attachments=[meta])
    body, content_type = multipart([with_file], [("application/pdf", certificate, meta["sha2"])])
    response = client.post("/xapi/statements", data=body,
                           headers={**xapi(), "Content-Type": content_type})
    assert response.status_code == 200, response.get_json()
    void = voiding(ids[0])
    void_id = post(client, xapi, [void])[0]

    assert drain(app, destination) == 14
    assert sorted(second_hub.statement_ids()) == sorted([*ids, with_file["id"], void_id])
    for sent in plain[1:]:
        arrived = second_hub.statement(sent["id"])
        for key in ("actor", "verb", "object", "result", "context", "timestamp"):
            assert arrived[key] == sent[key], key
    assert second_hub.attachment(meta["sha2"]) == certificate
    voided = [s for s in second_hub.stored() if s.id == ids[0]]
    assert voided[0].voided, "the voiding statement voided it at the destination too"
    done = state(app, destination)
    assert (done.delivered, done.attempts, done.last_error) == (14, 0, None)


def test_repeats_are_absorbed_and_new_statements_follow(app, client, admin, xapi,
                                                        second_hub: SecondHub):
    destination = register(client, admin, destination_body(second_hub.endpoint,
                                                            *second_hub.credential))
    first = post(client, xapi, [make_statement() for _ in range(3)])
    drain(app, destination)
    # A worker killed after the POST and before its commit sends the batch again.
    with app.app_context():
        from connectors.storage import stores

        current = stores().destinations.delivery_state(destination)
        stores().destinations.save_delivery_state(destination, DeliveryState(
            feed=FeedState(cursor=0, gaps={}), delivered=current.delivered))
    second = post(client, xapi, [make_statement()])
    assert drain(app, destination) == 4
    assert sorted(second_hub.statement_ids()) == sorted([*first, *second])


def test_the_filter_decides_what_travels_and_the_cursor_moves_past_the_rest(
        app, client, admin, xapi, make_credential, second_hub: SecondHub):
    other = make_credential("all", name="Kelas startup")
    destination = register(client, admin, destination_body(
        second_hub.endpoint, *second_hub.credential,
        filter={"credentials": [xapi.credential["key"]], "verbs": [VERBS["completed"]],
                "activity_prefix": "https://akademi.example.id/"}))
    wanted = post(client, xapi, [make_statement("completed")])
    post(client, xapi, [make_statement("attempted")])  # another verb
    post(client, xapi, [make_statement("completed")], credential=other)  # another partner
    post(client, xapi, [make_statement("completed", object={
        "objectType": "Activity", "id": "https://lain.example/kelas/1"})])  # another prefix
    drain(app, destination)
    assert second_hub.statement_ids() == wanted
    assert state(app, destination).feed.cursor == 4, "the cursor moved past the others"


def test_batches_follow_stored_order_and_batch_size(app, client, admin, xapi,
                                                    flaky_partner: FlakyPartner):
    destination = register(client, admin, destination_body(
        flaky_partner.endpoint, "hub", "rahasia", batch_size=4))
    ids = post(client, xapi, [make_statement() for _ in range(10)])
    drain(app, destination, quick_client(flaky_partner))
    batches = [json.loads(r.body) for r in flaky_partner.xapi_requests if r.method == "POST"]
    assert [len(b) for b in batches] == [4, 4, 2]
    assert [s["id"] for b in batches for s in b] == ids
    sent = flaky_partner.xapi_requests[0]
    assert sent.headers["X-Experience-API-Version"] == "1.0.3"
    assert sent.headers["Authorization"] == "Basic " + base64.b64encode(b"hub:rahasia").decode()


def test_one_step_sends_its_batches_in_feed_order_one_at_a_time(
        app, client, admin, xapi, flaky_partner: FlakyPartner):
    destination = register(client, admin, destination_body(
        flaky_partner.endpoint, "hub", "rahasia", batch_size=4))
    ids = post(client, xapi, [make_statement() for _ in range(10)])
    flaky_partner.hang_next(0.4)  # the first answer comes late
    with app.app_context():
        assert forwarding.deliver(destination, client=quick_client(flaky_partner)) == 10
    posts = [r for r in flaky_partner.xapi_requests if r.method == "POST"]
    assert [s["id"] for r in posts for s in json.loads(r.body)] == ids
    # The second batch left only after the first was answered: never two in flight.
    assert posts[1].at - posts[0].at >= 0.4
    assert state(app, destination).delivered == 10


def test_a_step_sends_at_most_max_batches(app, client, admin, xapi,
                                          flaky_partner: FlakyPartner):
    destination = register(client, admin, destination_body(
        flaky_partner.endpoint, "hub", "rahasia", batch_size=3))
    ids = post(client, xapi, [make_statement() for _ in range(10)])
    with app.app_context():
        assert forwarding.deliver(destination, client=quick_client(flaky_partner),
                                  max_batches=2) == 6
        assert forwarding.delivery_state(destination).delivered == 6
        assert forwarding.deliver(destination, client=quick_client(flaky_partner)) == 4
    posts = [r for r in flaky_partner.xapi_requests if r.method == "POST"]
    assert [s["id"] for r in posts for s in json.loads(r.body)] == ids


def test_a_failure_within_a_step_keeps_the_batches_delivered_before_it(
        app, client, admin, xapi, flaky_partner: FlakyPartner):
    destination = register(client, admin, destination_body(
        flaky_partner.endpoint, "hub", "rahasia", batch_size=4))
    ids = post(client, xapi, [make_statement() for _ in range(10)])
    flaky_partner.hang_next(0)  # the first batch is answered as usual
    flaky_partner.answer_next(503, {"error": "busy"})
    with app.app_context():
        assert forwarding.deliver(destination, client=quick_client(flaky_partner)) == 4
        waiting = forwarding.delivery_state(destination)
        stored = {s.id: s.seq for s in forwarding.lrs_service.statements_after(0, 10)}
        assert (waiting.feed.cursor, waiting.delivered, waiting.attempts) == \
            (stored[ids[3]], 4, 1)
        _retry_now(destination)
        assert forwarding.deliver(destination, client=quick_client(flaky_partner)) == 6
    posts = [r for r in flaky_partner.xapi_requests if r.method == "POST"]
    sent = [[s["id"] for s in json.loads(r.body)] for r in posts]
    # The refused batch is sent again whole; nothing after it was sent before it.
    assert sent == [ids[:4], ids[4:8], ids[4:8], ids[8:]]


# --- partners that fail -------------------------------------------------------------------
def test_a_500_keeps_the_cursor_and_backs_off(app, client, admin, xapi,
                                              flaky_partner: FlakyPartner):
    destination = register(client, admin, destination_body(flaky_partner.endpoint, "h", "s"))
    post(client, xapi, [make_statement()])
    flaky_partner.answer_next(500, {"error": "database down"})
    with app.app_context():
        assert forwarding.deliver(destination, client=quick_client(flaky_partner)) == 0
    waiting = state(app, destination)
    assert (waiting.feed.cursor, waiting.attempts) == (0, 1)
    assert waiting.retry_at is not None and "500" in waiting.last_error
    with app.app_context():
        assert forwarding.deliver(destination, client=quick_client(flaky_partner)) == 0, \
            "it waits for retry_at"
        _retry_now(destination)
        assert forwarding.deliver(destination, client=quick_client(flaky_partner)) == 1
    assert state(app, destination).attempts == 0


def _retry_now(destination_id: str) -> None:
    from dataclasses import replace

    from connectors.storage import stores

    current = stores().destinations.delivery_state(destination_id)
    stores().destinations.save_delivery_state(destination_id, replace(current, retry_at=None))


@pytest.mark.parametrize("retry_after", ["7", "date"])
def test_429_and_503_retry_after_is_honoured(app, client, admin, xapi,
                                             flaky_partner: FlakyPartner, retry_after):
    destination = register(client, admin, destination_body(flaky_partner.endpoint, "h", "s"))
    post(client, xapi, [make_statement()])
    header = "7" if retry_after == "7" else http_date(7)
    flaky_partner.answer_next(429 if retry_after == "7" else 503, {"error": "slow down"},
                              headers={"Retry-After": header})
    before = datetime.now(UTC)
    with app.app_context():
        forwarding.deliver(destination, client=quick_client(flaky_partner))
    waiting = state(app, destination)
    assert waiting.feed.cursor == 0
    assert 5 <= (waiting.retry_at - before).total_seconds() <= 9


@pytest.mark.parametrize("failure", ["timeout", "drop", "drop midway"])
def test_a_timeout_or_a_dropped_connection_is_retried(app, client, admin, xapi,
                                                     flaky_partner: FlakyPartner, failure):
    destination = register(client, admin, destination_body(flaky_partner.endpoint, "h", "s"))
    ids = post(client, xapi, [make_statement()])
    if failure == "timeout":
        flaky_partner.hang_next(3)
    else:
        flaky_partner.drop_next(midway=failure.endswith("midway"))
    with app.app_context():
        assert forwarding.deliver(destination, client=quick_client(flaky_partner, 0.5)) == 0
        assert forwarding.delivery_state(destination).attempts == 1
        _retry_now(destination)
        assert forwarding.deliver(destination, client=quick_client(flaky_partner)) == 1
    last = json.loads(flaky_partner.xapi_requests[-1].body)
    assert [s["id"] for s in last] == ids


def test_a_refused_statement_is_dead_lettered_and_never_blocks_the_rest(
        app, client, admin, xapi, flaky_partner: FlakyPartner):
    destination = register(client, admin, destination_body(flaky_partner.endpoint, "h", "s"))
    ids = post(client, xapi, [make_statement() for _ in range(3)])
    flaky_partner.answer_next(400, {"message": "one of them is bad"})  # the batch
    flaky_partner.answer_next(200, [ids[0]])
    flaky_partner.answer_next(400, {"message": "context.extensions: not for us"})
    flaky_partner.answer_next(200, [ids[2]])
    with app.app_context():
        assert forwarding.deliver(destination, client=quick_client(flaky_partner)) == 3
    done = state(app, destination)
    assert (done.feed.cursor, done.delivered) == (3, 2)
    letters = client.get(f"{ADMIN_API}/dead-letters?destination={destination}",
                         headers=admin).get_json()
    assert [(d["statement_id"], d["status"]) for d in letters] == [(ids[1], 400)]
    assert "not for us" in letters[0]["answer"]
    # Fixed at the destination: re-sent by command, and off the list.
    with app.app_context():
        assert forwarding.resend_dead_letters(destination,
                                              client=quick_client(flaky_partner)) == (1, 0)
    resent = json.loads(flaky_partner.xapi_requests[-1].body)
    assert [s["id"] for s in resent] == [ids[1]]
    assert client.get(f"{ADMIN_API}/dead-letters", headers=admin).get_json() == []
    listed = client.get(f"{ADMIN_API}/dead-letters?include_resent=true",
                        headers=admin).get_json()
    assert listed[0]["resent_at"] is not None


def test_a_disabled_destination_sends_nothing(app, client, admin, xapi,
                                              flaky_partner: FlakyPartner):
    destination = register(client, admin, destination_body(flaky_partner.endpoint, "h", "s",
                                                           enabled=False))
    post(client, xapi, [make_statement()])
    with app.app_context():
        assert forwarding.deliver(destination, client=quick_client(flaky_partner)) == 0
        assert forwarding.forwarding_loop().units() == []
    assert flaky_partner.xapi_requests == []


def test_start_now_skips_what_was_stored_before(app, client, admin, xapi,
                                                flaky_partner: FlakyPartner):
    post(client, xapi, [make_statement()])
    destination = register(client, admin, destination_body(flaky_partner.endpoint, "h", "s",
                                                           start="now"))
    later = post(client, xapi, [make_statement()])
    drain(app, destination, quick_client(flaky_partner))
    sent = [s["id"] for r in flaky_partner.xapi_requests for s in json.loads(r.body)]
    assert sent == later


def test_oauth2_client_credentials_sign_the_deliveries(app, client, admin, xapi,
                                                       flaky_partner: FlakyPartner):
    destination = register(client, admin, destination_body(
        flaky_partner.endpoint, flaky_partner.client_id, flaky_partner.client_secret,
        auth={"kind": "oauth2", "username": flaky_partner.client_id,
              "secret": flaky_partner.client_secret, "token_url": flaky_partner.token_url}))
    post(client, xapi, [make_statement()])
    assert drain(app, destination) == 1
    (sent,) = flaky_partner.xapi_requests
    assert sent.headers["Authorization"].startswith("Bearer token-")
    assert len(flaky_partner.token_requests) == 1


def test_destination_secrets_move_to_a_new_key_encryption_key(app_config):
    from cryptography.fernet import Fernet

    from connectors.storage.contract import Destination, RemoteAuth
    from hub.app import create_app

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    before = create_app({**app_config, "key_encryption_keys": (old,)})
    with before.app_context():
        added = forwarding.add_destination(Destination(
            id="", name="LRS", endpoint="https://lrs.example/xapi", version="1.0.3",
            auth=RemoteAuth("basic", "hub", "rahasia-mitra")))
    before.extensions["hub.storage"].dispose()

    during = create_app({**app_config, "key_encryption_keys": (new, old)})
    result = during.test_cli_runner().invoke(args=["db", "reencrypt-keys"])
    assert result.exit_code == 0, result.output
    assert "connector_destinations: 1 re-encrypted" in result.output
    assert "connector_sources: 0 re-encrypted" in result.output
    assert "webhook_secrets: 0 re-encrypted" in result.output
    during.extensions["hub.storage"].dispose()

    after = create_app({**app_config, "key_encryption_keys": (new,)})
    with after.app_context():
        assert forwarding.get_destination(added.id).auth.secret == "rahasia-mitra"
    after.extensions["hub.storage"].dispose()


def test_an_agency_filter_sends_only_that_agencys_civil_servants(
        app, client, admin, xapi, flaky_partner: FlakyPartner):
    from tests.transcripts.transcript_fixtures import learning, load_roster, siasn

    load_roster(app)  # Siti: Kementerian PANRB; Ani: Pemerintah Provinsi Jawa Barat
    destination = register(client, admin, destination_body(
        flaky_partner.endpoint, "h", "s", filter={"agencies": ["Kementerian PANRB"]}))
    siti = post(client, xapi, [learning(siasn("199001012015032001"))])
    post(client, xapi, [learning(siasn("198512032010122003"))])  # Jawa Barat
    post(client, xapi, [make_statement()])  # nobody in the registry
    drain(app, destination, quick_client(flaky_partner))
    sent = [s["id"] for r in flaky_partner.xapi_requests for s in json.loads(r.body)]
    assert sent == siti


def test_destinations_by_command(app, runner, second_hub: SecondHub, xapi, client, tmp_path):
    body = tmp_path / "destination.json"
    body.write_text(json.dumps(destination_body(second_hub.endpoint, *second_hub.credential,
                                                name="Hub BKN")))
    added = runner.invoke(args=["connectors", "destinations", "add", str(body)])
    assert added.exit_code == 0, added.output
    destination = added.output.strip()
    ids = post(client, xapi, [make_statement()])
    drain(app, destination)
    assert second_hub.statement_ids() == ids
    listed = runner.invoke(args=["connectors", "destinations", "list"])
    assert destination in listed.output and "Hub BKN" in listed.output
    assert "delivered 1" in listed.output
    bad = runner.invoke(args=["connectors", "destinations", "add", "-"],
                        input=json.dumps({"name": "x"}))
    assert bad.exit_code != 0 and "/endpoint" in bad.output
    not_json = runner.invoke(args=["connectors", "destinations", "add", "-"], input="{")
    assert not_json.exit_code != 0 and "- is not JSON" in not_json.output
    removed = runner.invoke(args=["connectors", "destinations", "remove", destination])
    assert removed.exit_code == 0, removed.output
    again = runner.invoke(args=["connectors", "destinations", "remove", destination])
    assert again.exit_code != 0 and "no forwarding destination" in again.output
