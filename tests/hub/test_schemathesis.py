"""Issue 13.4: schemathesis sends generated good and bad requests to every operation of
schemas/openapi.yaml on a live hub (gunicorn on loopback, on a real SQLite file and on
PostgreSQL): no 5xx, no status the description does not list, and no refused request
changes stored data.

Schemathesis also probes methods an operation does not have; the hub answers those 405
with an Allow header, which schemathesis expects and does not count against the
description."""

from __future__ import annotations

import hashlib
import uuid

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, settings  # noqa: E402
from live_server import LiveHub  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import status_code_conformance  # noqa: E402

from hub.app import open_hub_storage  # noqa: E402
from hub.auth import issue_credential  # noqa: E402
from hub.openapi import description  # noqa: E402

pytestmark = pytest.mark.slow
schema = schemathesis.openapi.from_dict(description())


# Tables a refused request may legitimately write: keys made on first use, OIDC state and
# nonces, used assertion ids, sessions, the auditors' access log, feed cursors.
MAY_CHANGE_ON_REFUSAL = frozenset({
    "lti_keys", "lti_platform_keys", "transcript_issuer_keys", "lti_session_values",
    "lti_platform_assertions", "sign_in_sessions", "transcript_access_log",
    "transcript_feed_state", "lti_cursors", "alembic_version",
})


def stored_data(engine) -> str:
    """A digest of every row of the data tables."""
    digest = hashlib.sha256()
    with engine.connect() as conn:
        for table in sorted(inspect(conn).get_table_names()):
            if table in MAY_CHANGE_ON_REFUSAL:
                continue
            for row in conn.execute(text(f'SELECT * FROM "{table}" ORDER BY 1')):
                digest.update(repr((table, tuple(row))).encode())
    return digest.hexdigest()


def _live_database(engine_name, request, tmp_path_factory):
    """A migrated database of the engine: a SQLite file, or a schema of its own on the
    suite's PostgreSQL database (named by search_path, so gunicorn's workers use it)."""
    if engine_name == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('schemathesis') / 'hub.sqlite3'}"
    url = request.getfixturevalue("postgres_database")
    schema_name = f"schemathesis_{uuid.uuid4().hex[:10]}"
    with create_engine(url).begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema_name}"'))
    return (make_url(url).update_query_dict({"options": f"-csearch_path={schema_name}"})
            .render_as_string(hide_password=False))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def live(request, tmp_path_factory):
    url = _live_database(request.param, request, tmp_path_factory)
    storage = open_hub_storage(url)
    storage.upgrade()
    issued = issue_credential(storage.credentials, name="Schemathesis", owner="Test",
                              scopes=["all"], authority_home_page="https://hub.test/partners")
    storage.dispose()
    # Generated bad secrets must not lock the credential out for the rest of the run.
    with LiveHub(url, env={"HUB_AUTH_FAILURE_LIMIT": "100000/minute",
                           "HUB_AUTH_FAILURE_DELAY_MS": "0"}) as hub:
        data = create_engine(url)
        yield hub, (issued.credential.key, issued.secret), data
        data.dispose()


@schema.parametrize()
@settings(max_examples=8, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_no_operation_answers_5xx_or_an_undocumented_status_or_writes_when_refused(
        case, live):
    hub, auth, data = live
    before = stored_data(data)
    response = case.call_and_validate(base_url=hub.url, auth=auth, timeout=30,
                                      headers={"X-Experience-API-Version": "1.0.3"},
                                      checks=[not_a_server_error, status_code_conformance])
    if response.status_code >= 400:
        assert stored_data(data) == before, (
            f"{case.operation.label} answered {response.status_code} but changed stored data")
