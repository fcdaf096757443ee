"""The hub's connectors against Ralph 5.1.0 (PyPI `ralph-malph`) with its file-system
backend, on loopback (tests/interop/ralph.py).  Opt-in: `HUB_TEST_INTEROP=1`.

That backend takes one write per service, so each test writes once: forwarding one
batch (and the same batch again, which Ralph answers 204), pulling one write over
several `more` pages, and where Ralph departs from xAPI the test pins what it does
(docs/connectors.md, "Tried against independent LRSs")."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from connectors import forwarding, pulling
from connectors.storage import stores
from connectors.storage.contract import DeliveryState
from hub.timestamps import format_timestamp
from lrs import service as lrs_service
from lrs.service import FeedState
from tests.factories import make_statement
from tests.interop.hub_side import (
    as_sent,
    deliver_all,
    destination_body,
    pull_all,
    register,
    source_body,
    store_in_hub,
)
from tests.interop.ralph import Ralph


def test_forwarded_statements_reach_ralph_and_a_batch_sent_again_is_its_204(
        app, client, make_credential, xapi, ralph_lrs: Ralph):
    admin = {"Authorization": make_credential("admin")["Authorization"]}
    plain = [make_statement(id=str(uuid.uuid4())) for _ in range(5)]
    ids = store_in_hub(client, xapi, plain)
    destination = register(client, admin, "destinations", destination_body(
        "Ralph", ralph_lrs.endpoint, ralph_lrs.key, ralph_lrs.secret))

    assert deliver_all(app, destination) == 5
    with app.app_context():
        hub_copies = {s.id: s.document for s in lrs_service.find_statements(ids).values()}
    arrived = {s["id"]: s for s in ralph_lrs.all_statements()}
    assert sorted(arrived) == sorted(ids)
    for statement_id in ids:
        assert as_sent(arrived[statement_id]) == as_sent(hub_copies[statement_id])
        # Ralph keeps the authority it was sent when the user may (scope `all` holds
        # `authority/write`): xAPI 1.0.3 Data 2.4.9 lets it, given trust.
        assert arrived[statement_id]["authority"] == hub_copies[statement_id]["authority"]
    # At least once: the worker died after the POST and sends the batch again.  Ralph
    # answers 204 with no body when it holds every statement already.
    assert ralph_lrs.post(plain).status_code == 204
    with app.app_context():
        stores().destinations.save_delivery_state(destination, DeliveryState(
            feed=FeedState(cursor=0, gaps={}), attempts=0, retry_at=None, last_error=None,
            delivered=0))
    assert deliver_all(app, destination) == 5
    with app.app_context():
        state = forwarding.delivery_state(destination)
        assert stores().destinations.dead_letters(destination, limit=10) == []
    assert (state.delivered, state.last_error, state.attempts) == (5, None, 0)


def test_pulling_takes_every_page_ralph_gives(app, client, make_credential,
                                              ralph_lrs: Ralph):
    admin = {"Authorization": make_credential("admin")["Authorization"]}
    puller = make_credential("statements/write", name="Ralph")
    posted = [make_statement(id=str(uuid.uuid4())) for _ in range(230)]
    assert ralph_lrs.post(posted).status_code == 200
    source = register(client, admin, "sources", source_body(
        "Ralph", ralph_lrs.endpoint, ralph_lrs.key, ralph_lrs.secret, puller["key"], 100))

    assert pull_all(app, source) == 230
    with app.app_context():
        state = pulling.pull_state(source)
        found = lrs_service.find_statements([s["id"] for s in posted])
        problems = pulling.conflicts(source)
    assert (state.pulled, state.more, state.last_error, problems) == (230, None, None, [])
    for statement in posted:
        taken = found[statement["id"]].document
        assert as_sent(taken) == dict(as_sent(statement), version="1.0.0")
        assert taken["authority"] == puller["authority"]


def test_ralph_compares_since_with_timestamp_not_stored(app, client, make_credential,
                                                        ralph_lrs: Ralph):
    """xAPI 1.0.3 Communication 2.1.3: `since` returns the statements *stored* after it.
    Ralph compares it with `timestamp`: statements stored after the source's `start`
    but made before it never come.  Should this fail, Ralph mended it: update the docs."""
    admin = {"Authorization": make_credential("admin")["Authorization"]}
    puller = make_credential("statements/write", name="Ralph")
    start = datetime.now(UTC) - timedelta(hours=1)
    made_yesterday = format_timestamp(datetime.now(UTC) - timedelta(days=1))
    posted = [make_statement(id=str(uuid.uuid4()), timestamp=made_yesterday)
              for _ in range(3)]
    assert ralph_lrs.post(posted).status_code == 200
    stored = [s["stored"] for s in ralph_lrs.all_statements()]
    assert all(datetime.fromisoformat(s) > start for s in stored), "stored after start"
    body = source_body("Ralph", ralph_lrs.endpoint, ralph_lrs.key, ralph_lrs.secret,
                       puller["key"], 100)
    source = register(client, admin, "sources", dict(body, start=format_timestamp(start)))

    assert pull_all(app, source) == 0
    with app.app_context():
        state = pulling.pull_state(source)
        assert lrs_service.find_statements([s["id"] for s in posted]) == {}
    assert (state.pulled, state.last_error) == (0, None) and state.polled_at is not None


def test_a_ralph_source_polled_for_everything_gets_what_since_would_miss(
        app, client, make_credential, ralph_lrs: Ralph):
    """The remedy for the case above (docs/connectors.md): `"poll": "everything"` asks no
    `since`, so statements made long before they were stored still come, and a second
    poll stores nothing twice."""
    admin = {"Authorization": make_credential("admin")["Authorization"]}
    puller = make_credential("statements/write", name="Ralph")
    made_yesterday = format_timestamp(datetime.now(UTC) - timedelta(days=1))
    posted = [make_statement(id=str(uuid.uuid4()), timestamp=made_yesterday)
              for _ in range(3)]
    assert ralph_lrs.post(posted).status_code == 200
    body = source_body("Ralph", ralph_lrs.endpoint, ralph_lrs.key, ralph_lrs.secret,
                       puller["key"], 100)
    source = register(client, admin, "sources", dict(body, poll="everything"))

    assert pull_all(app, source) == 3
    with app.app_context():
        assert sorted(lrs_service.find_statements([s["id"] for s in posted])) == \
            sorted(s["id"] for s in posted)
        current = stores().sources.pull_state(source)
        stores().sources.save_pull_state(source, replace(current, polled_at=None))
    assert pull_all(app, source) == 3, "read whole again"
    with app.app_context():
        assert pulling.pull_state(source).pulled == 3, "and stored nothing twice"
