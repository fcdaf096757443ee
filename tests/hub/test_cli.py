"""`flask --app wsgi db|credentials ...` through Flask's CLI runner."""

from __future__ import annotations

import base64
import json
import re

from alembic.script import ScriptDirectory
from sqlalchemy import text

from hub.app import create_app
from hub.auth import digest


def head_revision(storage) -> str:
    """Every head, as health() reports them (features branch off a shared base)."""
    return ",".join(sorted(ScriptDirectory.from_config(storage.migrations_config()).get_heads()))


def test_db_upgrade_migrates_an_empty_database_to_the_newest_revision(
        app_config, fresh_database_url, engine):
    app = create_app({**app_config, "database_url": fresh_database_url})
    storage = app.extensions["hub.storage"]
    try:
        assert app.test_client().get("/health").status_code == 503
        result = app.test_cli_runner().invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        assert f"database schema is current ({engine})" in result.output
        with storage.engine.connect() as conn:
            revisions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars()
            assert ",".join(sorted(revisions)) == head_revision(storage)
        assert app.test_client().get("/health").status_code == 200
    finally:
        storage.dispose()


def test_db_upgrade_twice_changes_nothing(runner, storage):
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert storage.health().detail["schema"] == head_revision(storage)


def create(runner, *args: str):
    return runner.invoke(args=["credentials", "create", "--name", "Moodle BKPSDM",
                               "--owner", "BKPSDM Kota Bandung", *args])


def issued(output: str) -> tuple[str, str]:
    key = re.search(r"^key:\s+(\S+)$", output, re.M).group(1)
    secret = re.search(r"^secret:\s+(\S+)$", output, re.M).group(1)
    return key, secret


def me(client, key: str, secret: str):
    token = base64.b64encode(f"{key}:{secret}".encode()).decode()
    return client.get("/api/credentials/me", headers={"Authorization": f"Basic {token}"})


def test_credentials_create_prints_a_working_secret_and_stores_only_its_digest(
        runner, storage, client):
    result = create(runner, "--scope", "statements/write", "--scope", "statements/read")
    assert result.exit_code == 0, result.output
    key, secret = issued(result.output)
    stored = storage.credentials.find_credential(key)
    assert stored.scopes == {"statements/write", "statements/read"}
    assert stored.secret_digest == digest(secret) != secret
    assert "shown only now" in result.output
    response = me(client, key, secret)
    assert response.status_code == 200
    assert response.json["owner"] == "BKPSDM Kota Bandung"


def test_credentials_create_gives_an_account_authority_by_default(runner, storage, app):
    key, _ = issued(create(runner, "--scope", "all").output)
    authority = storage.credentials.find_credential(key).authority
    home_page = app.extensions["hub.settings"].authority_home_page
    assert authority == {"objectType": "Agent", "name": "Moodle BKPSDM",
                         "account": {"homePage": home_page, "name": key}}


def test_credentials_create_takes_an_authority_as_json(runner, storage):
    agent = {"objectType": "Agent", "mbox": "mailto:lms@bkpsdm.go.id"}
    result = create(runner, "--scope", "all", "--authority", json.dumps(agent))
    assert result.exit_code == 0, result.output
    key, _ = issued(result.output)
    assert storage.credentials.find_credential(key).authority == agent


def test_credentials_create_refuses_authority_that_is_not_json(runner, storage):
    result = create(runner, "--scope", "all", "--authority", "{not json")
    assert result.exit_code == 2
    assert "--authority" in result.output
    assert storage.credentials.list_credentials() == []


def test_credentials_create_refuses_an_unknown_scope(runner, storage):
    result = create(runner, "--scope", "everything")
    assert result.exit_code == 2
    assert "everything" in result.output
    assert storage.credentials.list_credentials() == []


def test_credentials_create_needs_a_scope(runner, storage):
    result = create(runner)
    assert result.exit_code == 2
    assert "--scope" in result.output


def test_credentials_create_refuses_a_blank_name(runner, storage):
    result = runner.invoke(args=["credentials", "create", "--name", " ", "--owner", "X",
                                 "--scope", "all"])
    assert result.exit_code == 2
    assert "name and an owner" in result.output


def test_credentials_list_shows_state_and_scopes_but_never_secrets(runner, storage):
    first_key, first_secret = issued(create(runner, "--scope", "all").output)
    second_key, _ = issued(create(runner, "--scope", "admin").output)
    assert runner.invoke(args=["credentials", "revoke", first_key]).exit_code == 0
    result = runner.invoke(args=["credentials", "list"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{first_key}  revoked") and "scopes=all" in lines[0]
    assert lines[1].startswith(f"{second_key}  active") and "scopes=admin" in lines[1]
    assert first_secret not in result.output
    assert digest(first_secret) not in result.output


def test_credentials_revoke_stops_the_credential_at_once(runner, client):
    key, secret = issued(create(runner, "--scope", "all").output)
    assert me(client, key, secret).status_code == 200
    result = runner.invoke(args=["credentials", "revoke", key])
    assert result.exit_code == 0
    assert f"revoked {key}" in result.output
    assert me(client, key, secret).status_code == 401


def test_credentials_revoke_of_an_unknown_or_revoked_key_fails(runner):
    key, _ = issued(create(runner, "--scope", "all").output)
    runner.invoke(args=["credentials", "revoke", key])
    for target in (key, "no-such-key"):
        result = runner.invoke(args=["credentials", "revoke", target])
        assert result.exit_code == 1
        assert f"no active credential with key {target}" in result.output
