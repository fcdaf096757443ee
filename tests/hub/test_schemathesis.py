"""Issue 13.4: schemathesis sends generated good and bad requests to every operation of
schemas/openapi.yaml on a live hub (gunicorn on loopback, a real SQLite file): no 5xx, no
status the description does not list, and no refused request changes stored data.

Schemathesis also probes methods an operation does not have; the hub answers those 405
with an Allow header, which schemathesis expects and does not count against the
description."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, settings  # noqa: E402
from live_server import LiveHub  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import status_code_conformance  # noqa: E402

from hub.auth import issue_credential  # noqa: E402
from hub.openapi import description  # noqa: E402
from hub.storage import open_storage  # noqa: E402

pytestmark = pytest.mark.slow
schema = schemathesis.openapi.from_dict(description())


# Tables a refused request may legitimately write: keys made on first use, OIDC state and
# nonces, used assertion ids, sessions, the auditors' access log, feed cursors.
MAY_CHANGE_ON_REFUSAL = frozenset({
    "lti_keys", "lti_platform_keys", "transcript_issuer_keys", "lti_session_values",
    "lti_platform_assertions", "sign_in_sessions", "transcript_access_log",
    "transcript_feed_state", "lti_cursors", "alembic_version",
})


def stored_data(path: Path) -> str:
    """A digest of every row of the data tables."""
    digest = hashlib.sha256()
    with sqlite3.connect(path) as conn:
        tables = [row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        for table in tables:
            if table in MAY_CHANGE_ON_REFUSAL or table.startswith("sqlite_"):
                continue
            for row in conn.execute(f'SELECT * FROM "{table}" ORDER BY 1'):
                digest.update(repr((table, row)).encode())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    path = tmp_path_factory.mktemp("schemathesis") / "hub.sqlite3"
    url = f"sqlite:///{path}"
    storage = open_storage(url)
    storage.upgrade()
    issued = issue_credential(storage.credentials, name="Schemathesis", owner="Test",
                              scopes=["all"], authority_home_page="https://hub.test/partners")
    storage.dispose()
    # Generated bad secrets must not lock the credential out for the rest of the run.
    with LiveHub(url, env={"HUB_AUTH_FAILURE_LIMIT": "100000/minute",
                           "HUB_AUTH_FAILURE_DELAY_MS": "0"}) as hub:
        yield hub, (issued.credential.key, issued.secret), path


@schema.parametrize()
@settings(max_examples=8, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_no_operation_answers_5xx_or_an_undocumented_status_or_writes_when_refused(
        case, live):
    hub, auth, path = live
    before = stored_data(path)
    response = case.call_and_validate(base_url=hub.url, auth=auth, timeout=30,
                                      headers={"X-Experience-API-Version": "1.0.3"},
                                      checks=[not_a_server_error, status_code_conformance])
    if response.status_code >= 400:
        assert stored_data(path) == before, (
            f"{case.operation.label} answered {response.status_code} but changed stored data")
