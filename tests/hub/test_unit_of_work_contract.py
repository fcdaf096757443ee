"""The unit of work (`storage.begin()`), run on every engine (SQLite, PostgreSQL, MongoDB):
every store of every slice takes part in one transaction."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from hub.storage.contract import Credential, ReadOnlyUnitOfWork
from lrs.activities import merge_definition

ACTIVITY = "https://hub.test/courses/uow"
DEFINITION = {"name": {"id-ID": "Satuan kerja"}}


def credential(key: str) -> Credential:
    return Credential(key=key, secret_digest="d" * 64, name="Partner", owner="Org",
                      authority={"objectType": "Agent",
                                 "account": {"homePage": "https://hub.test", "name": key}},
                      scopes=frozenset({"statements/write"}),
                      created_at=datetime(2025, 3, 1, tzinfo=UTC))


def write_both(storage, key: str = "k1") -> None:
    """One write in the hub's own stores, one in the lrs slice."""
    storage.credentials.insert_credential(credential(key))
    storage.activities.upsert_activity_definitions({ACTIVITY: DEFINITION}, merge_definition)


class Boom(Exception):
    pass


def test_writes_of_two_slices_in_one_unit_commit_together(storage):
    with storage.begin(write=True):
        write_both(storage)
    assert storage.credentials.find_credential("k1") is not None
    assert storage.activities.get_activity(ACTIVITY).definition == DEFINITION


def test_an_exception_inside_rolls_back_the_writes_of_every_slice(storage):
    with pytest.raises(Boom), storage.begin(write=True):
        write_both(storage)
        raise Boom
    assert storage.credentials.find_credential("k1") is None
    assert storage.activities.get_activity(ACTIVITY) is None


def test_a_nested_unit_joins_the_outer_one(storage):
    with pytest.raises(Boom), storage.begin(write=True) as outer:
        with storage.begin(write=True) as inner:
            assert inner is outer
            write_both(storage)
        # the inner block ended, but nothing is committed until the outer one does
        raise Boom
    assert storage.credentials.find_credential("k1") is None


def test_reads_inside_a_unit_see_its_own_uncommitted_writes(storage):
    with storage.begin(write=True):
        write_both(storage)
        assert storage.credentials.find_credential("k1") is not None
        assert storage.activities.get_activity(ACTIVITY).definition == DEFINITION


def test_outside_a_unit_every_write_commits_on_its_own(storage):
    def failing_merge(stored, incoming):
        raise Boom

    storage.credentials.insert_credential(credential("k1"))
    with pytest.raises(Boom):
        storage.activities.upsert_activity_definitions({ACTIVITY: DEFINITION}, failing_merge)
    assert storage.credentials.find_credential("k1") is not None
    assert storage.activities.get_activity(ACTIVITY) is None


def test_a_read_only_unit_refuses_writes(storage):
    with storage.begin():
        with pytest.raises(ReadOnlyUnitOfWork):
            storage.credentials.insert_credential(credential("k1"))
        with pytest.raises(ReadOnlyUnitOfWork), storage.begin(write=True):
            pass
    assert storage.credentials.find_credential("k1") is None


def test_a_read_only_unit_reads_one_snapshot(storage, app):
    with storage.begin():
        assert storage.credentials.find_credential("k1") is None
        # another connection commits meanwhile (this context has no unit of work)
        writer = threading.Thread(target=storage.credentials.insert_credential,
                                  args=(credential("k1"),))
        writer.start()
        writer.join()
        assert storage.credentials.find_credential("k1") is None
    assert storage.credentials.find_credential("k1") is not None
