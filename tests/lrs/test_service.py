"""The in-process LRS service other packages use (lti, transcripts, connectors)."""

from __future__ import annotations

import pytest
from factories import make_statement, voiding

from hub.errors import BadRequest
from lrs import service
from lrs.listeners import add_statements_listener

HUB = {"objectType": "Agent", "account": {"homePage": "https://hub.test", "name": "lti"}}


def test_record_statements_stores_them_attributed_to_the_given_authority(app):
    with app.app_context():
        [statement_id] = service.record_statements([make_statement()], authority=HUB,
                                                   source="lti")
        stored = service.find_statements([statement_id])[statement_id]
    assert stored.document["authority"] == HUB


def test_record_statements_validates_like_a_partner_post(app):
    bad = make_statement(actor={"objectType": "Agent", "name": "nobody"})
    with app.app_context(), pytest.raises(BadRequest):
        service.record_statements([bad], authority=HUB, source="lti")


def test_feed_returns_every_statement_after_a_cursor_voided_ones_included(app):
    with app.app_context():
        [first] = service.record_statements([make_statement()], authority=HUB, source="t")
        [void] = service.record_statements([voiding(first)], authority=HUB, source="t")
        feed = service.statements_after(0)
        later = service.statements_after(feed[0].seq)
    assert [(s.id, s.voided) for s in feed] == [(first, True), (void, False)]
    assert [s.id for s in later] == [void]


def test_listeners_are_handed_new_statements_after_commit_but_not_repeats(app, client, xapi):
    heard: list[list[dict]] = []
    add_statements_listener(app, heard.append)
    statement = make_statement(id="2b7f4c8e-1d5a-4c3b-9e8f-0a1b2c3d4e5f")
    client.post("/xapi/statements", json=statement, headers=xapi())
    client.post("/xapi/statements", json=statement, headers=xapi())
    assert [[s["id"] for s in batch] for batch in heard] == [[statement["id"]]]
    [[stored]] = heard
    assert stored["stored"] and stored["authority"] and stored["verb"] == statement["verb"]


def test_a_failing_listener_does_not_fail_the_request(app, client, xapi):
    def broken(ids):
        raise RuntimeError("listener bug")

    add_statements_listener(app, broken)
    response = client.post("/xapi/statements", json=make_statement(), headers=xapi())
    assert response.status_code == 200
