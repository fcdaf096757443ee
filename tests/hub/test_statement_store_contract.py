"""The statement storage contract, run on every engine (SQLite and PostgreSQL): the
store's primitives as `lrs.statements.storing` combines them (conflicts, voiding and
definition learning are its rules, the store only stores)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from factories import make_agent, make_statement, voiding

from lrs.identifiers import agent_key
from lrs.statements.records import build_record, complete_statement
from lrs.statements.storing import save_statements
from lrs.storage.contract import Attachment, StatementConflict, StatementQuery

AUTHORITY = {"objectType": "Agent", "account": {"homePage": "https://hub.test", "name": "p1"}}
OTHER_AUTHORITY = {"objectType": "Agent", "account": {"homePage": "https://hub.test",
                                                      "name": "p2"}}


def record(statement, *, stored=None, authority=AUTHORITY, hashes=()):
    stored = stored or datetime.now(UTC)
    statement.setdefault("id", str(uuid.uuid4()))
    full = complete_statement(statement, version="1.0.3", stored=stored, authority=authority)
    return build_record(full, received=statement, stored=stored, attachment_hashes=hashes,
                        learn_definitions=True)


def query(**kwargs):
    return StatementQuery(**{"limit": 100, **kwargs})


def ids(page):
    return [s.id for s in page.statements]


def test_inserted_statement_is_found_with_its_document(storage):
    r = record(make_statement())
    assert save_statements(storage, [r]) == [r.id]
    found = storage.statements.find_statements([r.id])[r.id]
    assert found.document == r.document
    assert found.voided is False


def test_same_id_and_content_is_stored_once(storage):
    statement = make_statement()
    first = record(dict(statement))
    again = record(dict(statement, id=first.id))
    save_statements(storage, [first])
    assert save_statements(storage, [again]) == []
    assert ids(storage.statements.query_statements(query())) == [first.id]


def test_same_id_with_other_content_conflicts_and_stores_nothing_of_the_batch(storage):
    first = record(make_statement())
    save_statements(storage, [first])
    innocent = record(make_statement())
    clash = record(make_statement(verb="failed", id=first.id))
    with pytest.raises(StatementConflict):
        save_statements(storage, [innocent, clash])
    assert storage.statements.find_statements([innocent.id]) == {}


def test_voiding_hides_the_target_from_queries(storage):
    target = record(make_statement())
    save_statements(storage, [target])
    void = record(voiding(target.id))
    save_statements(storage, [void])
    assert ids(storage.statements.query_statements(query())) == [void.id]
    assert storage.statements.find_statements([target.id])[target.id].voided is True


def test_target_arriving_after_its_voiding_statement_is_voided(storage):
    target_id = str(uuid.uuid4())
    save_statements(storage, [record(voiding(target_id))])
    save_statements(storage, [record(make_statement(id=target_id))])
    assert storage.statements.find_statements([target_id])[target_id].voided is True


def test_voiding_reaches_only_targets_stored_under_the_same_authority(storage):
    # issue 13.1: the store holds the rule too, for a target stored between check and insert.
    target = record(make_statement())
    save_statements(storage, [target])
    save_statements(storage, [record(voiding(target.id), authority=OTHER_AUTHORITY)])
    assert storage.statements.find_statements([target.id])[target.id].voided is False


def test_a_record_marked_voids_any_authority_voids_another_authoritys_target(storage):
    from dataclasses import replace

    target = record(make_statement())
    save_statements(storage, [target])
    void = replace(record(voiding(target.id), authority=OTHER_AUTHORITY), voids_any_authority=True)
    save_statements(storage, [void])
    assert storage.statements.find_statements([target.id])[target.id].voided is True


def test_target_arriving_after_another_authoritys_voiding_is_not_voided(storage):
    target_id = str(uuid.uuid4())
    save_statements(storage, [record(voiding(target_id), authority=OTHER_AUTHORITY)])
    save_statements(storage, [record(make_statement(id=target_id))])
    assert storage.statements.find_statements([target_id])[target_id].voided is False


def test_a_voiding_statement_is_never_voided(storage):
    first = record(voiding(str(uuid.uuid4())))
    save_statements(storage, [first])
    save_statements(storage, [record(voiding(first.id))])
    assert storage.statements.find_statements([first.id])[first.id].voided is False


def test_filters_are_combined(storage):
    siti, budi = make_agent(name="Siti"), make_agent(name="Budi")
    a = record(make_statement(actor=siti))
    b = record(make_statement(verb="failed", actor=siti))
    c = record(make_statement(actor=budi))
    save_statements(storage, [a, b, c])
    completed = ("verb", "http://adlnet.gov/expapi/verbs/completed")
    by_siti = ("agent", agent_key(siti))
    assert ids(storage.statements.query_statements(query(filters=(by_siti,)))) == [b.id, a.id]
    assert ids(storage.statements.query_statements(query(filters=(by_siti, completed)))) == [a.id]
    assert ids(storage.statements.query_statements(query(filters=(completed,)))) == [c.id, a.id]


def test_pages_follow_the_cursor_and_ignore_newer_statements(storage):
    batch = [record(make_statement()) for _ in range(5)]
    save_statements(storage, batch)
    first = storage.statements.query_statements(query(limit=2))
    assert ids(first) == [batch[4].id, batch[3].id]
    save_statements(storage, [record(make_statement())])
    second = storage.statements.query_statements(
        query(limit=2, after_seq=first.more_after_seq, ceiling_seq=first.ceiling_seq))
    third = storage.statements.query_statements(
        query(limit=2, after_seq=second.more_after_seq, ceiling_seq=second.ceiling_seq))
    assert ids(second) == [batch[2].id, batch[1].id]
    assert ids(third) == [batch[0].id]
    assert third.more_after_seq is None


def test_ascending_order_pages_oldest_first(storage):
    batch = [record(make_statement()) for _ in range(3)]
    save_statements(storage, batch)
    first = storage.statements.query_statements(query(limit=2, ascending=True))
    rest = storage.statements.query_statements(
        query(limit=2, ascending=True, after_seq=first.more_after_seq,
              ceiling_seq=first.ceiling_seq))
    assert ids(first) + ids(rest) == [r.id for r in batch]


def test_since_is_exclusive_and_until_inclusive(storage):
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    old, mid, new = (record(make_statement(), stored=t0 + timedelta(hours=h)) for h in (0, 1, 2))
    save_statements(storage, [old, mid, new])
    page = storage.statements.query_statements(
        query(since=t0, until=t0 + timedelta(hours=1)))
    assert ids(page) == [mid.id]


def test_authority_filter_returns_only_that_authoritys_statements(storage):
    mine = record(make_statement())
    theirs = record(make_statement(), authority=OTHER_AUTHORITY)
    save_statements(storage, [mine, theirs])
    page = storage.statements.query_statements(query(authority_key=agent_key(AUTHORITY)))
    assert ids(page) == [mine.id]


def test_statement_ref_matches_the_filters_of_its_target_recursively(storage):
    ben = make_agent(name="Ben")
    target = record(make_statement(actor=ben))
    ref = record(make_statement(verb="experienced", actor=make_agent(name="Andrew"),
                                object={"objectType": "StatementRef", "id": target.id}))
    ref_of_ref = record(make_statement(verb="experienced", actor=make_agent(name="Cici"),
                                       object={"objectType": "StatementRef", "id": ref.id}))
    # The referrers arrive first: the target's index must still reach them.
    save_statements(storage, [ref_of_ref, ref])
    save_statements(storage, [target])
    page = storage.statements.query_statements(query(filters=(("agent", agent_key(ben)),)))
    assert ids(page) == [target.id, ref.id, ref_of_ref.id]


def test_attachments_are_stored_once_by_hash(storage):
    content = b"sertifikat"
    attachment = Attachment("a" * 64, "application/pdf", content)
    first = record(make_statement(), hashes=(attachment.sha2,))
    second = record(make_statement(), hashes=(attachment.sha2,))
    save_statements(storage, [first], [attachment])
    save_statements(storage, [second], [attachment])
    assert storage.statements.get_attachments([attachment.sha2]) == {attachment.sha2: attachment}
    assert storage.statements.find_statements([second.id])[second.id].attachment_hashes == (
        attachment.sha2,)


def test_a_batch_is_numbered_in_request_order(storage):
    batch = [record(make_statement(id=str(uuid.uuid4()))) for _ in range(30)]
    save_statements(storage, batch)
    page = storage.statements.query_statements(query(ascending=True))
    assert ids(page) == [r.id for r in batch]
    assert [s.seq for s in page.statements] == sorted(s.seq for s in page.statements)


def test_documents_come_back_exactly_as_stored(storage):
    statement = make_statement(id=str(uuid.uuid4()))
    statement["result"] = {"score": {"raw": 12345678901234567890123, "min": 0,
                                     "max": 1e23, "scaled": 0.1},
                           "extensions": {"https://hub.test/x": {"text": "Prima — ✓",
                                                                 "list": [1.5, None, True]}}}
    rec = record(statement)
    save_statements(storage, [rec])
    assert storage.statements.find_statements([rec.id])[rec.id].document == rec.document


def _learning(activity_id: str, definition: dict):
    statement = make_statement(id=str(uuid.uuid4()))
    statement["object"] = {"objectType": "Activity", "id": activity_id,
                           "definition": definition}
    return record(statement)


def test_a_definition_sent_again_after_another_one_is_learned_again(storage):
    activity = "https://akademi.example.id/kelas/" + uuid.uuid4().hex
    first = {"name": {"en-US": "First"}}
    second = {"name": {"en-US": "Second", "id-ID": "Kedua"}}
    for definition in (first, second, first):
        save_statements(storage, [_learning(activity, definition)])
    learned = storage.activities.get_activity(activity).definition
    assert learned["name"] == {"en-US": "First", "id-ID": "Kedua"}


def test_a_definition_repeated_or_left_out_changes_nothing(storage):
    activity = "https://akademi.example.id/kelas/" + uuid.uuid4().hex
    full = {"name": {"en-US": "Excellent Public Service", "id-ID": "Pelayanan Publik Prima"}}
    for definition in (full, {}, full, {}):
        save_statements(storage, [_learning(activity, definition)])
    assert storage.activities.get_activity(activity).definition == full


def test_a_rolled_back_batch_teaches_no_definition(storage):
    activity = "https://akademi.example.id/kelas/" + uuid.uuid4().hex
    taken = _learning(activity, {"name": {"en-US": "Taken"}})
    save_statements(storage, [taken])
    conflicting = make_statement(id=taken.id)
    conflicting["object"] = {"objectType": "Activity", "id": activity,
                             "definition": {"name": {"en-US": "Never"}}}
    with pytest.raises(StatementConflict):
        save_statements(storage,
            [_learning(activity, {"name": {"en-US": "Never"}}), record(conflicting)])
    save_statements(storage, [_learning(activity, {"name": {"en-US": "Never"}})])
    assert storage.activities.get_activity(activity).definition["name"] == {"en-US": "Never"}


def test_an_id_stored_by_a_concurrent_writer_is_compared_again(storage, monkeypatch):
    """The writer that loses the race on an id (AlreadyExists) compares against the
    winner's statement: the same content is stored once, other content conflicts."""
    statement = make_statement()
    first = record(dict(statement))
    save_statements(storage, [first])
    digests = storage.statements.comparison_digests
    calls = []

    def not_seen_the_first_time(ids):
        calls.append(ids)
        return {} if len(calls) == 1 else digests(ids)

    monkeypatch.setattr(storage.statements, "comparison_digests", not_seen_the_first_time)
    assert save_statements(storage, [record(dict(statement, id=first.id))]) == []
    assert len(calls) == 2
    calls.clear()
    with pytest.raises(StatementConflict):
        save_statements(storage, [record(make_statement(verb="failed", id=first.id))])
    assert ids(storage.statements.query_statements(query())) == [first.id]
