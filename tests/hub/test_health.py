"""GET /health: 200 while the database answers and is migrated, 503 otherwise."""

from __future__ import annotations

import pytest

from hub.app import create_app


def test_health_is_ok_when_the_database_answers(client, engine):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": engine}


def test_health_needs_no_credential_and_no_xapi_version(client):
    assert client.get("/health", headers={}).status_code == 200


def test_health_is_unavailable_on_a_database_that_was_never_migrated(
        app_config, fresh_database_url, engine):
    app = create_app({**app_config, "database_url": fresh_database_url})
    response = app.test_client().get("/health")
    app.extensions["hub.storage"].dispose()
    assert response.status_code == 503
    assert response.json["status"] == "unavailable"
    assert response.json["database"] == engine


@pytest.mark.parametrize("url", [
    "sqlite:////nonexistent-hub-directory/deeper/hub.sqlite3",
    "postgresql+psycopg://postgres@127.0.0.1:1/hub?connect_timeout=2",
], ids=["sqlite-missing-directory", "postgresql-nothing-listening"])
def test_health_is_unavailable_when_the_database_is_unreachable(tmp_path, url):
    app = create_app({"env": "test", "database_url": url, "log_format": "text",
                      "log_level": "CRITICAL", "instance_path": str(tmp_path)})
    response = app.test_client().get("/health")
    assert response.status_code == 503
    assert response.json["status"] == "unavailable"
    # The driver's message (hosts, paths) stays in the log, out of the public answer.
    assert "nonexistent" not in response.get_data(as_text=True)
    assert "127.0.0.1" not in response.get_data(as_text=True)
