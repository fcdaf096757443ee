"""Server-side sign-in sessions (hub.sessions) and their store, on both engines."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from hub.sessions import (
    SessionEnded,
    SessionPolicy,
    end_session,
    end_sessions_of,
    resume_session,
    start_session,
)
from hub.storage.contract import SignInSession

T0 = datetime(2026, 3, 14, 8, 0, tzinfo=UTC)
POLICY = SessionPolicy(idle_seconds=1800, lifetime_seconds=8 * 3600)


@pytest.fixture
def store(storage):
    return storage.sessions


@pytest.fixture
def key(make_credential) -> str:
    return make_credential("auditor")["key"]


def record(key: str, digest: str = "d" * 64, **overrides) -> SignInSession:
    return SignInSession(**{
        "id_digest": digest, "kind": "auditor", "credential_key": key, "started_at": T0,
        "last_seen_at": T0, "expires_at": T0 + timedelta(hours=8), **overrides})


# --- the store ------------------------------------------------------------------------
def test_a_stored_session_reads_back_as_it_was_written(store, key):
    store.insert_session(record(key))
    assert store.find_session("d" * 64) == record(key)
    assert store.find_session("e" * 64) is None


def test_touching_moves_last_seen_forward_only_and_never_on_an_ended_session(store, key):
    store.insert_session(record(key))
    store.touch_session("d" * 64, T0 + timedelta(minutes=5))
    store.touch_session("d" * 64, T0 + timedelta(minutes=2))  # a slower worker, later
    assert store.find_session("d" * 64).last_seen_at == T0 + timedelta(minutes=5)
    store.end_session("d" * 64, T0 + timedelta(minutes=6), "signed_out")
    store.touch_session("d" * 64, T0 + timedelta(minutes=7))
    assert store.find_session("d" * 64).last_seen_at == T0 + timedelta(minutes=5)


def test_a_session_ends_once(store, key):
    store.insert_session(record(key))
    assert store.end_session("d" * 64, T0 + timedelta(minutes=1), "signed_out") is True
    assert store.end_session("d" * 64, T0 + timedelta(minutes=2), "idle") is False
    ended = store.find_session("d" * 64)
    assert (ended.ended_at, ended.end_reason) == (T0 + timedelta(minutes=1), "signed_out")
    assert store.end_session("f" * 64, T0, "signed_out") is False


def test_ending_a_credentials_sessions_leaves_other_credentials_alone(store, key,
                                                                      make_credential):
    other = make_credential("auditor")["key"]
    store.insert_session(record(key, "a" * 64))
    store.insert_session(record(key, "b" * 64))
    store.insert_session(record(key, "c" * 64, ended_at=T0, end_reason="signed_out"))
    store.insert_session(record(other, "e" * 64))
    assert store.end_sessions_of(key, T0 + timedelta(minutes=1), "revoked") == 2
    assert {store.find_session(d * 64).end_reason for d in "abc"} == {"revoked", "signed_out"}
    assert store.find_session("e" * 64).ended_at is None


def test_purging_deletes_only_sessions_that_are_over(store, key):
    before = T0 + timedelta(hours=1)
    store.insert_session(record(key, "a" * 64, last_seen_at=T0 + timedelta(hours=2)))  # open
    store.insert_session(record(key, "b" * 64))  # last seen before the cut-off
    store.insert_session(record(key, "c" * 64, last_seen_at=T0 + timedelta(hours=2),
                                ended_at=T0 + timedelta(minutes=30), end_reason="signed_out"))
    store.insert_session(record(key, "e" * 64, last_seen_at=T0 + timedelta(hours=2),
                                expires_at=T0 + timedelta(minutes=59)))
    assert store.purge_sessions(before) == 3
    assert store.find_session("a" * 64) is not None
    assert [store.find_session(d * 64) for d in "bce"] == [None, None, None]


# --- hub.sessions -----------------------------------------------------------------------
def test_every_session_gets_a_new_random_id_and_the_store_keeps_only_its_digest(store, key):
    first = start_session(store, kind="auditor", credential_key=key, now=T0, policy=POLICY)
    second = start_session(store, kind="auditor", credential_key=key, now=T0, policy=POLICY)
    assert first != second and len(first) >= 43  # 32 random bytes
    assert store.find_session(first) is None
    found = store.find_session(hashlib.sha256(first.encode()).hexdigest())
    assert (found.credential_key, found.kind, found.expires_at) == (
        key, "auditor", T0 + timedelta(hours=8))


def test_signing_in_again_ends_the_session_it_replaces(store, key):
    old = start_session(store, kind="auditor", credential_key=key, now=T0, policy=POLICY)
    start_session(store, kind="auditor", credential_key=key, now=T0, policy=POLICY,
                  replacing=old)
    with pytest.raises(SessionEnded) as ended:
        resume_session(store, old, kind="auditor", now=T0, policy=POLICY)
    assert ended.value.reason == "replaced"


def test_a_session_is_refused_when_unknown_of_another_kind_or_signed_out(store, key):
    session_id = start_session(store, kind="auditor", credential_key=key, now=T0,
                               policy=POLICY)
    for other_id, kind in (("not-a-session", "auditor"), (session_id, "console")):
        with pytest.raises(SessionEnded) as ended:
            resume_session(store, other_id, kind=kind, now=T0, policy=POLICY)
        assert ended.value.reason == "unknown"
    assert end_session(store, session_id, T0 + timedelta(minutes=1)) is True
    with pytest.raises(SessionEnded) as ended:
        resume_session(store, session_id, kind="auditor", now=T0, policy=POLICY)
    assert ended.value.reason == "signed_out"


def test_activity_keeps_a_session_open_until_idle_or_its_lifetime_ends(store, key):
    session_id = start_session(store, kind="auditor", credential_key=key, now=T0,
                               policy=POLICY)
    now = T0
    while now + timedelta(minutes=29) < T0 + timedelta(hours=8):
        now += timedelta(minutes=29)
        resume_session(store, session_id, kind="auditor", now=now, policy=POLICY)
    with pytest.raises(SessionEnded) as ended:
        resume_session(store, session_id, kind="auditor", now=T0 + timedelta(hours=8),
                       policy=POLICY)
    assert ended.value.reason == "expired"
    assert store.find_session(hashlib.sha256(session_id.encode()).hexdigest()).end_reason == (
        "expired")


def test_an_idle_session_ends_and_stays_ended(store, key):
    session_id = start_session(store, kind="auditor", credential_key=key, now=T0,
                               policy=POLICY)
    with pytest.raises(SessionEnded) as ended:
        resume_session(store, session_id, kind="auditor", now=T0 + timedelta(minutes=31),
                       policy=POLICY)
    assert ended.value.reason == "idle"
    with pytest.raises(SessionEnded):  # coming back within the window changes nothing
        resume_session(store, session_id, kind="auditor", now=T0 + timedelta(minutes=1),
                       policy=POLICY)


def test_last_seen_is_written_at_most_once_a_minute(store, key):
    session_id = start_session(store, kind="auditor", credential_key=key, now=T0,
                               policy=POLICY)
    digest = hashlib.sha256(session_id.encode()).hexdigest()
    resume_session(store, session_id, kind="auditor", now=T0 + timedelta(seconds=30),
                   policy=POLICY)
    assert store.find_session(digest).last_seen_at == T0
    resume_session(store, session_id, kind="auditor", now=T0 + timedelta(seconds=61),
                   policy=POLICY)
    assert store.find_session(digest).last_seen_at == T0 + timedelta(seconds=61)


def test_ending_a_credentials_sessions_ends_each_of_them(store, key):
    ids = [start_session(store, kind="auditor", credential_key=key, now=T0, policy=POLICY)
           for _ in range(3)]
    assert end_sessions_of(store, key, T0) == 3
    for session_id in ids:
        with pytest.raises(SessionEnded) as ended:
            resume_session(store, session_id, kind="auditor", now=T0, policy=POLICY)
        assert ended.value.reason == "revoked"
