"""The CredentialStore contract, run against every engine (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from hub.storage.contract import Credential

T0 = datetime(2025, 3, 1, 8, 30, tzinfo=UTC)


def credential(key: str = "k1", **overrides) -> Credential:
    values = {
        "key": key,
        "secret_digest": "d" * 64,
        "name": "Moodle BKPSDM",
        "owner": "BKPSDM Kota Bandung",
        "authority": {"objectType": "Agent", "name": "Moodle BKPSDM",
                      "account": {"homePage": "https://hub.example/partners", "name": key}},
        "scopes": frozenset({"statements/write", "statements/read/mine"}),
        "created_at": T0,
        **overrides,
    }
    return Credential(**values)


@pytest.fixture
def store(storage):
    return storage.credentials


def test_an_inserted_credential_is_found_by_key_unchanged(store):
    original = credential(authority={"objectType": "Agent", "name": "Pusdiklat Ñ 学习",
                                     "mbox": "mailto:lms@pusdiklat.go.id"})
    store.insert_credential(original)
    assert store.find_credential("k1") == original


def test_an_unknown_key_finds_nothing(store):
    store.insert_credential(credential("k1"))
    assert store.find_credential("k2") is None
    assert store.find_credential("") is None


def test_found_timestamps_are_timezone_aware_utc(store):
    wib = timezone(timedelta(hours=7))
    store.insert_credential(credential(created_at=T0.astimezone(wib)))
    found = store.find_credential("k1")
    assert found.created_at == T0
    assert found.created_at.utcoffset() == timedelta(0)


def test_scopes_come_back_as_a_set(store):
    store.insert_credential(credential(scopes=frozenset({"all", "admin", "auditor"})))
    assert store.find_credential("k1").scopes == frozenset({"all", "admin", "auditor"})


def test_list_returns_every_credential_oldest_first(store):
    store.insert_credential(credential("newer", created_at=T0 + timedelta(days=1)))
    store.insert_credential(credential("older", created_at=T0))
    store.insert_credential(credential("newest", created_at=T0 + timedelta(days=2)))
    assert [c.key for c in store.list_credentials()] == ["older", "newer", "newest"]


def test_list_of_an_empty_store_is_empty(store):
    assert store.list_credentials() == []


def test_revoke_marks_the_credential_and_reports_it(store):
    store.insert_credential(credential("k1"))
    store.insert_credential(credential("k2"))
    when = T0 + timedelta(hours=3)
    assert store.revoke_credential("k1", when) is True
    revoked = store.find_credential("k1")
    assert revoked.is_revoked and revoked.revoked_at == when
    assert not store.find_credential("k2").is_revoked


def test_revoking_twice_reports_false_and_keeps_the_first_time(store):
    store.insert_credential(credential("k1"))
    store.revoke_credential("k1", T0 + timedelta(hours=1))
    assert store.revoke_credential("k1", T0 + timedelta(hours=2)) is False
    assert store.find_credential("k1").revoked_at == T0 + timedelta(hours=1)


def test_revoking_an_unknown_key_reports_false(store):
    assert store.revoke_credential("nobody", T0) is False


def test_revoked_credentials_are_still_listed(store):
    store.insert_credential(credential("k1"))
    store.revoke_credential("k1", T0)
    assert [c.is_revoked for c in store.list_credentials()] == [True]


def test_keys_are_unique(store):
    store.insert_credential(credential("k1"))
    with pytest.raises(Exception):  # noqa: B017  (each driver names it differently)
        store.insert_credential(credential("k1", name="impostor"))
    assert store.find_credential("k1").name == "Moodle BKPSDM"
