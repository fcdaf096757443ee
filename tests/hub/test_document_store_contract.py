"""The document and activity stores, called directly, on every engine."""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from lrs.storage.contract import DocumentContent, DocumentScope
from lrs.storage.sql.activities import upsert_activity_definitions

T0 = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
STATE = DocumentScope(kind="state", activity_id="http://example.com/course/1",
                      agent_key="agent:mbox:mailto:siti@example.go.id")


def content(body: bytes, updated: datetime = T0, content_type: str = "application/json"):
    return DocumentContent(content=body, content_type=content_type,
                           etag=hashlib.sha1(body).hexdigest(), updated=updated)


def put(store, scope, document_id, body: bytes, updated: datetime = T0, **kwargs):
    return store.save_document(scope, document_id, lambda current: content(body, updated, **kwargs))


class Refused(Exception):
    pass


def refuse(*_args):
    raise Refused


# --- documents -----------------------------------------------------------------------
def test_saved_document_reads_back_byte_for_byte(storage):
    body = bytes(range(256)) * 4
    saved = put(storage.documents, STATE, "bookmark", body, content_type="image/x-custom; v=1")

    found = storage.documents.get_document(STATE, "bookmark")

    assert found == saved
    assert found.content == body
    assert found.content_type == "image/x-custom; v=1"
    assert found.updated == T0


def test_missing_document_is_none(storage):
    assert storage.documents.get_document(STATE, "nothing") is None


def test_each_part_of_the_scope_separates_documents(storage):
    scopes = [
        STATE,
        replace(STATE, registration="5f2b3c8e-0c1d-4a5b-9e6f-7a8b9c0d1e2f"),
        replace(STATE, agent_key="agent:mbox:mailto:budi@example.go.id"),
        replace(STATE, activity_id="http://example.com/course/2"),
        DocumentScope(kind="activity_profile", activity_id=STATE.activity_id),
    ]
    for position, scope in enumerate(scopes):
        put(storage.documents, scope, "same-id", str(position).encode())

    assert [storage.documents.get_document(s, "same-id").content for s in scopes] == \
        [b"0", b"1", b"2", b"3", b"4"]


def test_write_sees_the_current_document_and_replaces_it(storage):
    put(storage.documents, STATE, "doc", b"first")
    seen = []

    def write(current):
        seen.append(current.content if current else None)
        return content(b"second", T0 + timedelta(seconds=1), content_type="text/plain")

    storage.documents.save_document(STATE, "doc", write)

    assert seen == [b"first"]
    stored = storage.documents.get_document(STATE, "doc")
    assert (stored.content, stored.content_type) == (b"second", "text/plain")


def test_write_callback_error_rolls_back_and_propagates(storage):
    put(storage.documents, STATE, "doc", b"kept")

    with pytest.raises(Refused):
        storage.documents.save_document(STATE, "doc", refuse)
    with pytest.raises(Refused):
        storage.documents.save_document(STATE, "new", refuse)

    assert storage.documents.get_document(STATE, "doc").content == b"kept"
    assert storage.documents.get_document(STATE, "new") is None


def test_document_ids_are_ordered_and_since_is_exclusive(storage):
    put(storage.documents, STATE, "b", b"1", T0)
    put(storage.documents, STATE, "a", b"2", T0 + timedelta(minutes=1))
    put(storage.documents, STATE, "c", b"3", T0 + timedelta(minutes=2))

    everything = storage.documents.list_document_ids(STATE)
    after_first = storage.documents.list_document_ids(STATE, since=T0)

    assert [(d.document_id, d.updated) for d in everything] == [
        ("a", T0 + timedelta(minutes=1)), ("b", T0), ("c", T0 + timedelta(minutes=2))]
    assert [d.document_id for d in after_first] == ["a", "c"]


def test_since_in_another_offset_means_the_same_instant(storage):
    put(storage.documents, STATE, "early", b"1", T0)
    put(storage.documents, STATE, "late", b"2", T0 + timedelta(hours=2))
    jakarta = T0.astimezone(timezone(timedelta(hours=7)))  # 15:00 WIB is 08:00 UTC

    assert [d.document_id for d in storage.documents.list_document_ids(STATE, since=jakarta)] \
        == ["late"]


def test_delete_document_says_whether_there_was_one(storage):
    put(storage.documents, STATE, "doc", b"x")

    assert storage.documents.delete_document(STATE, "doc") is True
    assert storage.documents.delete_document(STATE, "doc") is False
    assert storage.documents.get_document(STATE, "doc") is None


def test_delete_check_sees_the_document_and_can_refuse(storage):
    put(storage.documents, STATE, "doc", b"x")
    seen = []

    with pytest.raises(Refused):
        storage.documents.delete_document(STATE, "doc", lambda current: (seen.append(current),
                                                                         refuse()))

    assert seen[0].content == b"x"
    assert storage.documents.get_document(STATE, "doc") is not None


def test_delete_documents_clears_only_its_scope(storage):
    other = replace(STATE, registration="5f2b3c8e-0c1d-4a5b-9e6f-7a8b9c0d1e2f")
    put(storage.documents, STATE, "a", b"1")
    put(storage.documents, STATE, "b", b"2")
    put(storage.documents, other, "a", b"3")
    listings = []

    removed = storage.documents.delete_documents(STATE, listings.append)

    assert removed == 2
    assert [d.document_id for d in listings[0]] == ["a", "b"]
    assert storage.documents.list_document_ids(STATE) == []
    assert [d.document_id for d in storage.documents.list_document_ids(other)] == ["a"]


def test_delete_documents_check_can_refuse(storage):
    put(storage.documents, STATE, "a", b"1")

    with pytest.raises(Refused):
        storage.documents.delete_documents(STATE, refuse)

    assert len(storage.documents.list_document_ids(STATE)) == 1


def test_ids_longer_than_an_index_entry_are_stored(storage):
    scope = DocumentScope(kind="activity_profile", activity_id="http://example.com/" + "x" * 5000)
    put(storage.documents, scope, "p" * 5000, b"long")

    assert storage.documents.get_document(scope, "p" * 5000).content == b"long"


def _race(workers: int, attempt) -> list[str]:
    """Run `attempt(barrier)` in threads; returns each outcome."""
    barrier = threading.Barrier(workers)
    outcomes: list[str] = []

    def run():
        try:
            attempt(barrier)
            outcomes.append("won")
        except Refused:
            outcomes.append("refused")

    threads = [threading.Thread(target=run) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_writers_holding_the_same_etag_never_both_win(storage):
    put(storage.documents, STATE, "doc", b"v0")
    store = storage.documents

    def attempt(barrier):
        seen = store.get_document(STATE, "doc").etag
        barrier.wait()

        def write(current):
            time.sleep(0.05)  # widen the window between the read and the write
            if current.etag != seen:
                raise Refused
            return content(f"from {threading.get_ident()}".encode())

        store.save_document(STATE, "doc", write)

    outcomes = _race(4, attempt)

    assert sorted(outcomes) == ["refused", "refused", "refused", "won"]


def test_creators_of_one_new_document_never_both_win(storage):
    store = storage.documents

    def attempt(barrier):
        barrier.wait()

        def write(current):
            time.sleep(0.05)
            if current is not None:
                raise Refused
            return content(f"from {threading.get_ident()}".encode())

        store.save_document(STATE, "fresh", write)

    outcomes = _race(4, attempt)

    assert sorted(outcomes) == ["refused", "refused", "refused", "won"]


# --- activities ----------------------------------------------------------------------
def union(existing, incoming):
    return {**(existing or {}), **incoming}


def test_activities_are_unknown_until_learned(storage):
    assert storage.activities.get_activity("http://example.com/a") is None
    assert storage.activities.find_activities([]) == {}


def test_empty_definition_makes_an_activity_known_by_id(storage):
    storage.activities.upsert_activity_definitions({"http://example.com/a": {}}, union)

    known = storage.activities.get_activity("http://example.com/a")

    assert (known.activity_id, known.definition) == ("http://example.com/a", {})


def test_definitions_are_merged_with_the_given_function(storage):
    calls = []

    def recording(existing, incoming):
        calls.append((existing, incoming))
        return union(existing, incoming)

    store = storage.activities
    store.upsert_activity_definitions({"http://example.com/a": {"type": "t1"}}, recording)
    store.upsert_activity_definitions({"http://example.com/a": {"name": {"id": "Kursus"}}},
                                      recording)
    store.upsert_activity_definitions({"http://example.com/a": {}}, recording)

    assert calls == [(None, {"type": "t1"}), ({"type": "t1"}, {"name": {"id": "Kursus"}})]
    assert store.get_activity("http://example.com/a").definition == \
        {"type": "t1", "name": {"id": "Kursus"}}


def test_find_activities_returns_only_known_ones(storage):
    storage.activities.upsert_activity_definitions(
        {"http://example.com/a": {"type": "t"}, "http://example.com/b": {}}, union)

    found = storage.activities.find_activities(
        ["http://example.com/a", "http://example.com/b", "http://example.com/never"])

    assert {k: v.definition for k, v in found.items()} == \
        {"http://example.com/a": {"type": "t"}, "http://example.com/b": {}}


def sql_only(engine: str) -> None:
    # The SQL function that learns on a caller's connection; on MongoDB the same promise
    # is the unit of work's (tests/hub/test_unit_of_work_contract.py).
    if engine == "mongodb":
        pytest.skip("learning on a caller's SQL connection: SQL engines only")


def test_learning_inside_a_callers_transaction_rolls_back_with_it(storage, engine):
    sql_only(engine)
    with pytest.raises(Refused), storage.engine.begin() as conn:
        upsert_activity_definitions(conn, {"http://example.com/a": {"type": "t"}}, union)
        raise Refused

    assert storage.activities.get_activity("http://example.com/a") is None


def test_learning_inside_a_callers_transaction_commits_with_it(storage, engine):
    sql_only(engine)
    with storage.engine.begin() as conn:
        upsert_activity_definitions(conn, {"http://example.com/a": {"type": "t"}}, union,
                                    when=T0)

    known = storage.activities.get_activity("http://example.com/a")
    assert (known.definition, known.updated) == ({"type": "t"}, T0)


def test_concurrent_learners_lose_no_language(storage):
    languages = ["id", "en", "jv", "su", "ms"]

    def merge_names(existing, incoming):
        time.sleep(0.05)  # widen the window between the read and the write
        names = {**(existing or {}).get("name", {}), **incoming["name"]}
        return {**(existing or {}), **incoming, "name": names}

    barrier = threading.Barrier(len(languages))

    def learn(language):
        barrier.wait()
        storage.activities.upsert_activity_definitions(
            {"http://example.com/a": {"name": {language: f"name in {language}"}}}, merge_names)

    threads = [threading.Thread(target=learn, args=(lang,)) for lang in languages]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(storage.activities.get_activity("http://example.com/a").definition["name"]) \
        == sorted(languages)
