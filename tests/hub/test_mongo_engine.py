"""What only the MongoDB engine has: its versioned index steps, its transactions' write
conflicts, its instants and its unavailability (the shared contracts run in the
*_contract.py files on every engine)."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pymongo
import pytest
from live_server import free_port
from mongo_server import mongo_url_for

from hub.app import create_app, open_hub_storage
from hub.storage import open_storage
from hub.storage.contract import Contended, Credential
from hub.storage.mongo import migrations
from hub.storage.mongo.common import instant, lock, micros, run_transaction

T0 = datetime(2025, 3, 1, 8, 30, tzinfo=UTC)


@pytest.fixture
def fresh_url(mongo_server):
    name = f"hub_engine_{uuid.uuid4().hex[:10]}"
    yield mongo_url_for(mongo_server, name)
    client: pymongo.MongoClient = pymongo.MongoClient(mongo_server)
    client.drop_database(name)
    client.close()


@pytest.fixture
def storage(fresh_url):
    storage = open_hub_storage(fresh_url)
    storage.upgrade()
    yield storage
    storage.dispose()


def credential(key: str = "k1") -> Credential:
    return Credential(key=key, secret_digest="d" * 64, name="Partner", owner="Org",
                      authority={"objectType": "Agent",
                                 "account": {"homePage": "https://hub.test", "name": key}},
                      scopes=frozenset({"statements/write"}), created_at=T0)


def index_names(database, collection: str) -> set[str]:
    return {index["name"] for index in database[collection].list_indexes()}


def test_upgrade_runs_each_step_once_and_records_it(fresh_url):
    storage = open_hub_storage(fresh_url)
    try:
        storage.upgrade()
        recorded = migrations.applied(storage.database)
        assert recorded["hub"] == ["hub_0001_credentials_and_sessions"]
        assert "credential_open" in index_names(storage.database, "sign_in_sessions")
        # a second upgrade finds nothing to do
        assert migrations.upgrade(storage.database, storage.migration_steps()) == []
    finally:
        storage.dispose()


def test_flask_db_upgrade_migrates_a_mongodb_database(fresh_url, tmp_path):
    app = create_app({"env": "test", "secret_key": "engine-test-secret-" + "x" * 32,
                      "database_url": fresh_url, "instance_path": str(tmp_path / "instance"),
                      "log_level": "WARNING"})
    try:
        result = app.test_cli_runner().invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        storage = app.extensions["hub.storage"]
        assert "hub_0001_credentials_and_sessions" in migrations.applied(storage.database)["hub"]
        assert storage.health().ok
    finally:
        app.extensions["hub.storage"].dispose()


def test_health_names_the_newest_step_of_each_slice(storage):
    report = storage.health()
    assert report.ok and report.engine == "mongodb"
    assert "hub_0001_credentials_and_sessions" in report.detail["schema"].split(",")


def test_a_url_without_a_database_is_refused():
    with pytest.raises(ValueError, match="names its database"):
        open_storage("mongodb://127.0.0.1:27017/?replicaSet=secantus")


def test_an_unreachable_server_is_unavailable_not_a_fault():
    url = f"mongodb://127.0.0.1:{free_port()}/hub?serverSelectionTimeoutMS=300"
    storage = open_storage(url)
    try:
        with pytest.raises(pymongo.errors.PyMongoError) as raised:
            storage.credentials.find_credential("k1")
        assert storage.is_unavailable(raised.value)
        assert not storage.is_unavailable(ValueError("a fault of the hub"))
        assert storage.health().ok is False
    finally:
        storage.dispose()


def test_of_two_transactions_writing_one_record_the_later_is_contended(storage):
    storage.credentials.insert_credential(credential())
    first_wrote, second_done = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def first() -> None:
        with storage.begin(write=True):
            storage.credentials.revoke_credential("k1", T0 + timedelta(days=1))
            first_wrote.set()
            second_done.wait(10)

    def second() -> None:
        first_wrote.wait(10)
        try:
            with storage.begin(write=True):
                storage.credentials.revoke_credential("k1", T0 + timedelta(days=2))
        except Contended as error:
            outcome["error"] = error
        finally:
            second_done.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert isinstance(outcome.get("error"), Contended)
    assert storage.is_unavailable(outcome["error"])  # a 503: sending it again may succeed
    assert storage.credentials.find_credential("k1").revoked_at == T0 + timedelta(days=1)


def test_run_transaction_runs_the_work_again_until_the_lock_is_free(storage):
    holding, release = threading.Event(), threading.Event()
    attempts: list[int] = []

    def holder() -> None:
        with storage.begin(write=True) as uow:
            lock(uow.session, storage.database, "rotation")
            holding.set()
            release.wait(10)

    def work(session) -> str:
        attempts.append(1)
        if len(attempts) == 1:
            release.set()  # the holder commits while this first attempt is refused
        lock(session, storage.database, "rotation")
        storage.database.credentials.insert_one(
            {"_id": "written-once", "secret_digest": "d"}, session=session)
        return "done"

    thread = threading.Thread(target=holder)
    thread.start()
    holding.wait(10)
    assert run_transaction(storage.client, work) == "done"
    thread.join(10)
    assert len(attempts) >= 2
    assert storage.database.credentials.count_documents({"_id": "written-once"}) == 1


def test_run_transaction_inside_a_unit_runs_once_in_that_unit(storage):
    with pytest.raises(RuntimeError), storage.begin(write=True) as uow:
        def work(session) -> None:
            assert session is uow.session
            storage.database.credentials.insert_one({"_id": "in-unit"}, session=session)

        run_transaction(storage.client, work)
        raise RuntimeError("the unit rolls back, and the work with it")
    assert storage.database.credentials.count_documents({"_id": "in-unit"}) == 0


@pytest.mark.parametrize("value", [
    datetime(2025, 3, 1, 8, 30, 12, 345678, tzinfo=UTC),
    datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(2025, 3, 1, 15, 30, 0, 1, tzinfo=timezone(timedelta(hours=7))),
])
def test_instants_are_stored_to_the_microsecond(value):
    back = instant(micros(value))
    assert back == value and back.tzinfo is UTC


def test_instants_keep_their_order():
    earlier, later = T0, T0 + timedelta(microseconds=1)
    assert micros(earlier) < micros(later)
