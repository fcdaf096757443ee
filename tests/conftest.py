"""Fixtures shared by the whole suite.

Every storage-touching test runs once per engine: `engine` is parametrized over
SQLite (a fresh file per test, copied from a migrated template), PostgreSQL and
MongoDB (a database created for this test session — one per xdist worker — migrated
once, and emptied before each test).  Set HUB_TEST_POSTGRES_URL / HUB_TEST_MONGO_URL
to point at other servers (tests/mongo_server.py: without one, SecantusDB from the
test extras); an engine whose server does not answer is skipped, except under
CI=true where a skipped engine fails the run.
"""

from __future__ import annotations

import base64
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pymongo
import pytest
from mongo_server import (
    DEFAULT_URL,
    OwnSecantus,
    answers,
    configured_url,
    mongo_url_for,
    secantusd,
)
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from hub.app import create_app, open_hub_storage
from hub.auth import issue_credential
from hub.storage.sql.tables import metadata

# `own_postgres`, `running_postgres`: a throw-away server for tests that stop it.
pytest_plugins = ["own_postgres"]

POSTGRES_URL = os.environ.get(
    "HUB_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
ENGINES = ["sqlite", "postgresql", "mongodb"]
# Issue 17 in progress: the test files whose MongoDB half runs (the other files' MongoDB
# items are deselected until their slices have MongoDB stores).
MONGO_READY = (
    # --- hub -----------------------------------------------------------------------
    "tests/hub/test_credential_store_contract.py",
    "tests/hub/test_mongo_engine.py",
    "tests/hub/test_log_redaction.py",
    # --- end of hub ----------------------------------------------------------------

    # --- lrs -----------------------------------------------------------------------
    "tests/hub/test_statement_store_contract.py",
    "tests/hub/test_document_store_contract.py",
    "tests/hub/test_unit_of_work_contract.py",
    "tests/lrs/test_activities.py",
    "tests/lrs/test_activity_profile.py",
    "tests/lrs/test_agent_profile.py",
    "tests/lrs/test_durability.py",
    "tests/lrs/test_service.py",
    "tests/lrs/test_state.py",
    "tests/lrs/test_statement_attachments.py",
    "tests/lrs/test_statement_validation.py",
    "tests/lrs/test_statements_api.py",
    "tests/lrs/test_statements_fuzz.py",
    "tests/lrs/test_statements_live.py",
    "tests/lrs/test_stored_as_sent.py",
    "tests/lrs/test_mongo_statement_indexes.py",
    "tests/lrs/test_validation_fast_path.py",
    "tests/lrs/test_validation_fuzz.py",
    "tests/lrs/test_voiding_authority.py",
    # --- end of lrs ----------------------------------------------------------------

    # --- transcripts ---------------------------------------------------------------
    # --- end of transcripts --------------------------------------------------------

    # --- lti (tool and platform) ---------------------------------------------------
    "tests/lti/test_lti_stores.py",
    "tests/lti_platform/test_ags_service.py",
    "tests/lti/test_certification_tool.py",
    "tests/lti/test_deep_linking.py",
    "tests/lti/test_grades.py",
    "tests/lti/test_launch_flow.py",
    "tests/lti/test_launch_records.py",
    "tests/lti/test_launch_security.py",
    "tests/lti/test_lms_admin.py",
    "tests/lti/test_page_inputs.py",
    "tests/lti/test_registration.py",
    "tests/lti/test_registration_management.py",
    "tests/lti/test_roster.py",
    "tests/lti_platform/test_broker_end_to_end.py",
    "tests/lti_platform/test_certification_platform.py",
    "tests/lti_platform/test_deep_linking.py",
    "tests/lti_platform/test_end_to_end.py",
    "tests/lti_platform/test_registration.py",
    "tests/lti_platform/test_security.py",
    "tests/lti_platform/test_tool_management.py",
    "tests/lti_platform/test_platform_stores.py",
    # --- end of lti ----------------------------------------------------------------

    # --- connectors ----------------------------------------------------------------
    "tests/connectors/test_worker.py",
    # --- end of connectors ---------------------------------------------------------
)
TEST_SECRET = "test-secret-key-" + "x" * 32
# A Fernet key (not a secret: tests only), so every test stores signing keys sealed.
TEST_KEY_ENCRYPTION_KEY = "blg8XsA5S6rpmFhohzoE_AipadoxLep71X-kI-ZsiEg="


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.sqlite3"
    storage = open_hub_storage(f"sqlite:///{path}")
    storage.upgrade()
    storage.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A database of our own on the server, dropped at the end; others are never touched."""
    server = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        server.dispose()
        message = (f"PostgreSQL not answering at {POSTGRES_URL} ({type(exc).__name__}); "
                   "start it or set HUB_TEST_POSTGRES_URL to run the PostgreSQL half")
        if os.environ.get("CI") == "true":
            pytest.fail(message + " — CI=true requires every engine")
        pytest.skip(message)
    name = f"hub_test_{_worker()}_{uuid.uuid4().hex[:10]}"
    with server.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    storage = open_hub_storage(url)
    storage.upgrade()
    storage.dispose()
    try:
        yield url
    finally:
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


@pytest.fixture(scope="session")
def empty_postgres(postgres_database) -> Iterator[Callable[[], None]]:
    """Empties every table and restarts every sequence, as TRUNCATE ... RESTART IDENTITY
    would; DELETE on a few small tables is about 50 times faster than TRUNCATE."""
    engine = create_engine(postgres_database)
    with engine.connect() as conn:
        sequences = conn.execute(text(
            "SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema()"
        )).scalars().all()

    def empty() -> None:
        with engine.begin() as conn:
            for table in reversed(metadata.sorted_tables):
                conn.execute(table.delete())
            for sequence in sequences:
                conn.execute(text("SELECT setval(:name, 1, false)"), {"name": sequence})

    yield empty
    engine.dispose()


def _engine_missing(message: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(message + " — CI=true requires every engine")
    pytest.skip(message)


@pytest.fixture(scope="session")
def mongo_server(tmp_path_factory) -> Iterator[str]:
    """A MongoDB-compatible replica set: the configured one, SecantusDB on 27017 (as
    .ci/run starts it), or a SecantusDB of this test process."""
    url = configured_url() or DEFAULT_URL
    if answers(url):
        yield url
        return
    if configured_url():
        _engine_missing(f"MongoDB not answering at {url}")
    executable = secantusd()
    if executable is None:
        _engine_missing("no MongoDB answers on 127.0.0.1:27017 and secantusd-py is not "
                        "installed (pip install -e '.[test]'); set HUB_TEST_MONGO_URL")
    assert executable is not None
    own = OwnSecantus(executable, tmp_path_factory.mktemp("mongo") / "secantusd.log")
    if not own.wait():
        own.stop()
        _engine_missing("SecantusDB did not start (see its log in the pytest temp folder)")
    try:
        yield own.url
    finally:
        own.stop()


@pytest.fixture(scope="session")
def mongo_database(mongo_server) -> Iterator[str]:
    name = f"hub_test_{_worker()}_{uuid.uuid4().hex[:10]}"
    url = mongo_url_for(mongo_server, name)
    storage = open_hub_storage(url)
    storage.upgrade()
    storage.dispose()
    client: pymongo.MongoClient = pymongo.MongoClient(mongo_server)
    try:
        yield url
    finally:
        client.drop_database(name)
        client.close()


@pytest.fixture(scope="session")
def empty_mongo(mongo_database) -> Iterator[Callable[[], None]]:
    """Empties every collection but the record of applied steps (indexes stay)."""
    client: pymongo.MongoClient = pymongo.MongoClient(mongo_database)
    database = client.get_database()

    def empty() -> None:
        for name in database.list_collection_names():
            if name != "schema_versions":
                database[name].delete_many({})

    yield empty
    client.close()


@pytest.fixture(params=ENGINES)
def engine(request) -> str:
    return request.param


def pytest_collection_modifyitems(config, items) -> None:
    pending = [item for item in items if _engine_of(item) == "mongodb"
               and not item.nodeid.startswith(MONGO_READY)]
    if pending:
        config.hook.pytest_deselected(items=pending)
        chosen = set(map(id, pending))
        items[:] = [item for item in items if id(item) not in chosen]


def _engine_of(item) -> str | None:
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("engine") if callspec is not None else None


@pytest.fixture
def database_url(engine, request, tmp_path) -> str:
    if engine == "sqlite":
        path = tmp_path / "hub.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    if engine == "mongodb":
        request.getfixturevalue("empty_mongo")()
        return request.getfixturevalue("mongo_database")
    request.getfixturevalue("empty_postgres")()
    return request.getfixturevalue("postgres_database")


@pytest.fixture
def fresh_database_url(engine, request, tmp_path) -> Iterator[str]:
    """An empty, never-migrated database on this test's engine, for migration tests.

    On PostgreSQL it is a new schema of the session's database, named by the URL's
    search_path: far cheaper than CREATE DATABASE, and just as empty."""
    if engine == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        return
    if engine == "mongodb":
        server = request.getfixturevalue("mongo_server")
        name = f"hub_fresh_{uuid.uuid4().hex[:10]}"
        yield mongo_url_for(server, name)
        client: pymongo.MongoClient = pymongo.MongoClient(server)
        client.drop_database(name)
        client.close()
        return
    url = request.getfixturevalue("postgres_database")
    schema = f"fresh_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield (make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
               .render_as_string(hide_password=False))
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def app_config(database_url, tmp_path) -> dict:
    return {
        "env": "test",
        "secret_key": TEST_SECRET,
        "key_encryption_keys": (TEST_KEY_ENCRYPTION_KEY,),
        "database_url": database_url,
        "instance_path": str(tmp_path / "instance"),
        "log_format": "text",
        "log_level": "WARNING",
        # Many tests fail authentication on purpose; tests/hub/test_throttle.py holds
        # answers for real.
        "auth_failure_delay_ms": 0,
    }


@pytest.fixture
def app(app_config):
    app = create_app(app_config)
    yield app
    app.extensions["hub.storage"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def storage(app):
    return app.extensions["hub.storage"]


def basic_auth(key: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()


@pytest.fixture
def make_credential(app):
    """Factory: a credential with the given scopes; returns its Authorization header value."""

    def make(*scopes: str, name: str = "Test partner", owner: str = "Test org",
             authority: dict | None = None) -> dict:
        issued = issue_credential(
            app.extensions["hub.storage"].credentials, name=name, owner=owner,
            scopes=scopes or ("all",), authority=authority,
            authority_home_page=app.extensions["hub.settings"].authority_home_page,
        )
        return {
            "key": issued.credential.key,
            "secret": issued.secret,
            "authority": issued.credential.authority,
            "Authorization": basic_auth(issued.credential.key, issued.secret),
        }

    return make


@pytest.fixture
def xapi(make_credential):
    """`xapi()` → headers of an `all`-scoped credential for xAPI 1.0.3; `version=` for 2.0.0."""
    default = make_credential("all")

    def headers(version: str = "1.0.3", credential: dict | None = None, **extra: str) -> dict:
        credential = credential or default
        return {"Authorization": credential["Authorization"],
                "X-Experience-API-Version": version, **extra}

    headers.credential = default
    return headers
