"""Private signing keys are sealed at rest (issue 13.8): a database dump alone cannot sign."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from hub.app import create_app, open_hub_storage
from hub.config import ConfigError, load_settings
from hub.storage.key_encryption import KeyCipher, KeyEncryptionError, is_valid_key
from lti.keys import new_key
from lti.platform.storage.sql.tables import lti_platform_keys
from lti.tool.storage.sql.tables import lti_keys
from transcripts.signing import generate_key as new_issuer_key
from transcripts.storage.sql.tables import transcript_issuer_keys

NOW = datetime(2026, 12, 3, tzinfo=UTC)
TABLES = {"lti_keys": lti_keys, "lti_platform_keys": lti_platform_keys,
          "issuer_keys": transcript_issuer_keys}


def store_one_key_each(storage) -> dict[str, str]:
    """One private key in each of the three key stores; their PEMs by store name."""
    tool, platform = new_key("active", NOW), new_key("active", NOW)
    issuer = new_issuer_key("EdDSA", now=NOW)
    storage.lti_keys.insert_key(tool)
    storage.lti_platform_keys.insert_key(platform)
    storage.issuer_keys.insert_key(issuer, retire_others_at=NOW)
    return {"lti_keys": tool.private_pem, "lti_platform_keys": platform.private_pem,
            "issuer_keys": issuer.private_pem}


def stored_values(storage) -> dict[str, list[str]]:
    """What a dump of the database holds in the private key columns."""
    with storage.engine.connect() as conn:
        return {name: list(conn.execute(select(table.c.private_pem)).scalars())
                for name, table in TABLES.items()}


def read_back(storage) -> dict[str, str]:
    return {"lti_keys": storage.lti_keys.list_keys()[0].private_pem,
            "lti_platform_keys": storage.lti_platform_keys.list_keys()[0].private_pem,
            "issuer_keys": storage.issuer_keys.list_keys()[0].private_pem}


def test_every_private_key_is_stored_sealed_and_read_back_plain(storage):
    pems = store_one_key_each(storage)
    for name, values in stored_values(storage).items():
        assert len(values) == 1
        assert values[0].startswith("fernet:"), name
        assert "PRIVATE KEY" not in values[0], name
    assert read_back(storage) == pems


def test_a_dump_opened_without_the_key_cannot_read_a_private_key(storage, database_url):
    store_one_key_each(storage)
    for cipher in (KeyCipher(), KeyCipher([Fernet.generate_key().decode()])):
        stranger = open_hub_storage(database_url, cipher)
        try:
            with pytest.raises(KeyEncryptionError, match="HUB_KEY_ENCRYPTION_KEYS"):
                stranger.lti_keys.list_keys()
            with pytest.raises(KeyEncryptionError):
                stranger.lti_platform_keys.list_keys()
            with pytest.raises(KeyEncryptionError):
                stranger.issuer_keys.active_key()
        finally:
            stranger.dispose()


def test_rotation_reads_old_keys_then_reencrypt_moves_them_to_the_new_key(
        app_config, database_url, tmp_path):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    before = create_app({**app_config, "key_encryption_keys": (old,)})
    pems = store_one_key_each(before.extensions["hub.storage"])
    before.extensions["hub.storage"].dispose()

    during = create_app({**app_config, "key_encryption_keys": (new, old)})
    storage = during.extensions["hub.storage"]
    assert read_back(storage) == pems  # the old key still opens what it sealed
    result = during.test_cli_runner().invoke(args=["db", "reencrypt-keys"])
    assert result.exit_code == 0, result.output
    assert "lti_keys: 1 re-encrypted" in result.output
    assert "issuer_keys: 1 re-encrypted" in result.output
    again = during.test_cli_runner().invoke(args=["db", "reencrypt-keys"])
    assert "lti_platform_keys: 0 re-encrypted" in again.output  # nothing left under old
    storage.dispose()

    after = create_app({**app_config, "key_encryption_keys": (new,)})
    assert read_back(after.extensions["hub.storage"]) == pems
    after.extensions["hub.storage"].dispose()


def test_keys_stored_before_encryption_are_read_and_then_sealed(app_config, database_url):
    plain = open_hub_storage(database_url, KeyCipher())
    pems = store_one_key_each(plain)
    assert all(v[0].startswith("-----BEGIN") for v in stored_values(plain).values())
    plain.dispose()

    app = create_app(app_config)
    storage = app.extensions["hub.storage"]
    assert read_back(storage) == pems
    result = app.test_cli_runner().invoke(args=["db", "reencrypt-keys"])
    assert result.exit_code == 0, result.output
    assert all(v[0].startswith("fernet:") for v in stored_values(storage).values())
    assert read_back(storage) == pems
    storage.dispose()


def test_reencrypt_without_keys_is_refused(app_config):
    app = create_app({**app_config, "key_encryption_keys": ()})
    result = app.test_cli_runner().invoke(args=["db", "reencrypt-keys"])
    assert result.exit_code != 0
    assert "HUB_KEY_ENCRYPTION_KEYS is not set" in result.output
    app.extensions["hub.storage"].dispose()


def test_generate_encryption_key_prints_a_fresh_fernet_key(runner):
    first = runner.invoke(args=["db", "generate-encryption-key"]).output.strip()
    second = runner.invoke(args=["db", "generate-encryption-key"]).output.strip()
    assert is_valid_key(first) and is_valid_key(second) and first != second


def test_the_hub_signs_with_a_sealed_key(client, storage):
    """The JWKS (tool role) publishes the public half of a key it stored sealed."""
    jwks = client.get("/lti/jwks").get_json()
    assert jwks["keys"]
    assert all(v.startswith("fernet:") for v in stored_values(storage)["lti_keys"])


def test_production_refuses_to_start_without_key_encryption_keys():
    with pytest.raises(ConfigError, match="HUB_KEY_ENCRYPTION_KEYS is required in production"):
        load_settings(environ={"HUB_SECRET_KEY": "s" * 32})


def test_a_malformed_key_encryption_key_is_refused_naming_its_position():
    good = Fernet.generate_key().decode()
    with pytest.raises(ConfigError, match="key 2 is not a Fernet key"):
        load_settings(environ={"HUB_ENV": "test", "HUB_KEY_ENCRYPTION_KEYS": f"{good},short"})
