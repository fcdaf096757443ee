"""The hub's connectors against an LRS written by others: Learning Locker's xAPI
statements service 5.0.1 (npm `xapi-statements`), on loopback (tests/interop/
learning_locker.py).  Opt-in: `HUB_TEST_INTEROP=1` (tests/interop/conftest.py).

Forwarding: statements stored in the hub (one with an attachment, one voiding another)
reach Learning Locker as the hub stored them.  Pulling: statements posted straight into
Learning Locker, over several of its `more` pages, reach the hub.  Where Learning Locker
departs from xAPI the test pins what it does and how the hub copes (docs/connectors.md,
"Tried against independent LRSs")."""

from __future__ import annotations

import uuid
from typing import Any

from connectors import forwarding, pulling
from connectors.storage import stores
from connectors.storage.contract import DeliveryState
from lrs import service as lrs_service
from lrs.service import FeedState
from tests.factories import make_statement, voiding
from tests.interop.hub_side import (
    as_sent,
    deliver_all,
    destination_body,
    pull_all,
    register,
    source_body,
    store_in_hub,
)
from tests.interop.learning_locker import LearningLocker
from tests.xapi_attachments import attachment_meta

# Valid UTF-8 that neither starts nor ends with CR, LF or "s" (see the binary test).
TEXT_CERTIFICATE = "Sertifikat pelatihan — Analisis Kebijakan Publik, 20 JP.".encode()
PDF_CERTIFICATE = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n%%EOF"


def ll_destination(ll: LearningLocker, **overrides: Any) -> dict:
    return destination_body("Learning Locker", ll.endpoint, ll.key, ll.secret, **overrides)


def ll_source(ll: LearningLocker, credential: str, page_limit: int) -> dict:
    return source_body("Learning Locker", ll.endpoint, ll.key, ll.secret, credential,
                       page_limit)


# --- forwarding -------------------------------------------------------------------------
def test_forwarded_statements_reach_learning_locker_as_the_hub_stored_them(
        app, client, make_credential, xapi, ll: LearningLocker):
    admin = {"Authorization": make_credential("admin")["Authorization"]}
    plain = [make_statement(id=str(uuid.uuid4())) for _ in range(3)]
    plain[1]["timestamp"] = "2026-03-14T09:30:00.123456+07:00"  # finer than milliseconds
    ids = store_in_hub(client, xapi, plain)
    meta = attachment_meta(TEXT_CERTIFICATE, content_type="text/plain")
    with_file = make_statement(id=str(uuid.uuid4()), attachments=[meta])
    store_in_hub(client, xapi, [with_file], [("text/plain", TEXT_CERTIFICATE, meta["sha2"])])
    void_id = store_in_hub(client, xapi, [voiding(ids[0])])[0]
    destination = register(client, admin, "destinations", ll_destination(ll))

    assert deliver_all(app, destination) == 5
    with app.app_context():
        hub_copies = {s.id: s.document for s in
                      lrs_service.find_statements([*ids, with_file["id"], void_id]).values()}
        state = forwarding.delivery_state(destination)
        letters = stores().destinations.dead_letters(destination, limit=10)
    assert (state.delivered, state.last_error, letters) == (5, None, [])
    for statement_id in [*ids[1:], with_file["id"], void_id]:
        arrived = ll.statement(statement_id)
        assert arrived is not None, statement_id
        assert as_sent(arrived) == as_sent(hub_copies[statement_id])
        assert arrived["authority"] == ll.authority, "the LRS's own authority for our client"
    assert ll.statement(ids[0]) is None, "voided at Learning Locker too"
    assert as_sent(ll.statement(ids[0], voided=True)) == as_sent(hub_copies[ids[0]])
    assert ll.attachment_file(meta["sha2"]) == TEXT_CERTIFICATE
    assert ll.statement(ids[1])["timestamp"] == "2026-03-14T09:30:00.123456+07:00"


def test_a_batch_sent_again_is_absorbed_by_learning_locker(
        app, client, make_credential, xapi, ll: LearningLocker):
    """At least once: a worker that died after the POST sends the batch again."""
    admin = {"Authorization": make_credential("admin")["Authorization"]}
    ids = store_in_hub(client, xapi, [make_statement(id=str(uuid.uuid4())) for _ in range(4)])
    destination = register(client, admin, "destinations", ll_destination(ll))
    assert deliver_all(app, destination) == 4
    with app.app_context():  # as if the cursor had never moved
        stores().destinations.save_delivery_state(destination, DeliveryState(
            feed=FeedState(cursor=0, gaps={}), attempts=0, retry_at=None, last_error=None,
            delivered=0))

    assert deliver_all(app, destination) == 4
    with app.app_context():
        assert stores().destinations.dead_letters(destination, limit=10) == []
    assert sorted(s["id"] for s in ll.all_statements()) == sorted(ids)


def test_a_wrong_secret_waits_with_learning_lockers_401_as_the_reason(
        app, client, make_credential, xapi, ll: LearningLocker):
    admin = {"Authorization": make_credential("admin")["Authorization"]}
    store_in_hub(client, xapi, [make_statement(id=str(uuid.uuid4()))])
    body = ll_destination(ll, auth={"kind": "basic", "username": ll.key, "secret": "salah"})
    destination = register(client, admin, "destinations", body)

    assert deliver_all(app, destination) == 0
    with app.app_context():
        state = forwarding.delivery_state(destination)
    assert state.feed.cursor == 0 and state.attempts == 1
    assert "401" in state.last_error
    assert ll.all_statements() == []


def test_learning_locker_keeps_a_binary_attachment_as_text(
        app, client, make_credential, xapi, ll: LearningLocker):
    """Learning Locker 5.0.1 reads a multipart body as a UTF-8 string (and trims CR, LF
    and "s" from both ends of each part): bytes that are not UTF-8 become U+FFFD.  It
    still answers 200, so the hub counts the statement delivered; the copy it keeps is
    not the file (docs/connectors.md).  Should this fail, Learning Locker mended it:
    update the docs."""
    admin = {"Authorization": make_credential("admin")["Authorization"]}
    meta = attachment_meta(PDF_CERTIFICATE)
    with_pdf = make_statement(id=str(uuid.uuid4()), attachments=[meta])
    store_in_hub(client, xapi, [with_pdf], [("application/pdf", PDF_CERTIFICATE, meta["sha2"])])
    destination = register(client, admin, "destinations", ll_destination(ll))

    assert deliver_all(app, destination) == 1
    kept = ll.attachment_file(meta["sha2"])
    assert kept == PDF_CERTIFICATE.decode("utf-8", "replace").encode()
    assert kept != PDF_CERTIFICATE


# --- pulling ----------------------------------------------------------------------------
def test_pulling_takes_every_page_learning_locker_gives(
        app, client, make_credential, ll: LearningLocker):
    admin = {"Authorization": make_credential("admin")["Authorization"]}
    puller = make_credential("statements/write", name="Learning Locker")
    posted = [make_statement(id=str(uuid.uuid4())) for _ in range(230)]
    for start in range(0, len(posted), 100):
        ll.post(posted[start:start + 100])
    meta = attachment_meta(TEXT_CERTIFICATE, content_type="text/plain")
    with_file = make_statement(id=str(uuid.uuid4()), attachments=[meta])
    ll.post([with_file], [("text/plain", TEXT_CERTIFICATE, meta["sha2"])])
    # With its timestamp: without one the LRS sets it (xAPI 1.0.3 Data 2.4.7).
    void = dict(voiding(posted[0]["id"]), id=str(uuid.uuid4()),
                timestamp="2026-03-14T10:00:00.000+07:00")
    ll.post([void])
    source = register(client, admin, "sources", ll_source(ll, puller["key"], 100))

    assert pull_all(app, source) == 231, "the voided statement is not in Learning Locker's pages"
    wanted = [s["id"] for s in posted] + [with_file["id"], void["id"]]
    with app.app_context():
        state = pulling.pull_state(source)
        found = lrs_service.find_statements(wanted)
        attachment = lrs_service.get_attachments({meta["sha2"]})
        problems = pulling.conflicts(source)
    assert (state.pulled, state.more, state.last_error, problems) == (231, None, None, [])
    assert set(found) == set(wanted) - {posted[0]["id"]}, \
        "the voided statement never came: Learning Locker hides it from its pages"
    for statement in [*posted[1:], with_file, void]:
        taken = found[statement["id"]].document
        # Sent without `version`, served with the one the source gave it (Data 2.4.10).
        assert as_sent(taken) == dict(as_sent(statement), version="1.0.0")
        assert taken["authority"] == puller["authority"]
    assert attachment[meta["sha2"]].content == TEXT_CERTIFICATE


def test_a_binary_attachment_learning_locker_spoiled_is_a_refusal_not_a_stall(
        app, client, make_credential, ll: LearningLocker):
    """Its hash no longer matches what Learning Locker sends (see the forwarding test):
    the statement is recorded as refused, the rest of the page is stored and the poll
    goes on."""
    admin = {"Authorization": make_credential("admin")["Authorization"]}
    puller = make_credential("statements/write", name="Learning Locker")
    meta = attachment_meta(PDF_CERTIFICATE)
    with_pdf = make_statement(id=str(uuid.uuid4()), attachments=[meta])
    ll.post([with_pdf], [("application/pdf", PDF_CERTIFICATE, meta["sha2"])])
    others = [make_statement(id=str(uuid.uuid4())) for _ in range(3)]
    ll.post(others)
    source = register(client, admin, "sources", ll_source(ll, puller["key"], 2))

    assert pull_all(app, source) == 4
    with app.app_context():
        state = pulling.pull_state(source)
        found = lrs_service.find_statements([with_pdf["id"], *(s["id"] for s in others)])
        problems = pulling.conflicts(source)
    assert (state.pulled, state.more, state.last_error) == (3, None, None)
    assert set(found) == {s["id"] for s in others}
    assert [(p.statement_id, p.kind) for p in problems] == [(with_pdf["id"], "refused")]
    assert meta["sha2"] in problems[0].message
