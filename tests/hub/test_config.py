"""Settings come from HUB_* variables, are validated at start, and are all documented."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest

from hub.app import create_app
from hub.config import ConfigError, Settings, load_settings

SECRET = "s" * 32
KEK = "tM1TEhOf1y-c5ZsHBCVuPZmZ7SB0_rO4Vn2NpXhJmxY="  # a Fernet key for these tests only
DOCS = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


@pytest.fixture(autouse=True)
def no_hub_environment(monkeypatch):
    """The factory reads os.environ; these tests decide every variable themselves."""
    import os

    for name in list(os.environ):
        if name.startswith("HUB_"):
            monkeypatch.delenv(name)


def settings(**environ: str) -> Settings:
    return load_settings(environ={f"HUB_{k.upper()}": v for k, v in environ.items()})


def test_production_is_the_default_and_refuses_to_start_without_a_secret_key():
    with pytest.raises(ConfigError, match="HUB_SECRET_KEY is required in production"):
        load_settings(environ={})


def test_production_refuses_a_short_secret_key():
    with pytest.raises(ConfigError, match="at least 32 characters"):
        settings(secret_key="too-short")


def test_production_starts_with_a_long_secret_key():
    loaded = settings(secret_key=SECRET, key_encryption_keys=KEK)
    assert loaded.is_production and loaded.secret_key == SECRET


@pytest.mark.parametrize("env", ["development", "test"])
def test_development_and_test_need_no_secret_key(env):
    assert settings(env=env).secret_key is None


def test_unknown_environment_is_refused():
    with pytest.raises(ConfigError, match="HUB_ENV must be one of"):
        settings(env="staging", secret_key=SECRET)


@pytest.mark.parametrize("url", ["mysql://db/hub", "sqlite://", "hub.sqlite3",
                                 "postgresql+psycopg2://db/hub"])
def test_unsupported_database_url_is_refused(url):
    with pytest.raises(ConfigError, match="HUB_DATABASE_URL"):
        settings(env="test", database_url=url)


@pytest.mark.parametrize("url", ["sqlite:////var/lib/hub/hub.sqlite3",
                                 "postgresql+psycopg://hub@db/hub", "postgresql://hub@db/hub"])
def test_sqlite_and_postgresql_urls_are_accepted(url):
    assert settings(env="test", database_url=url).database_url == url


@pytest.mark.parametrize(("name", "value", "message"), [
    ("statement_page_size", "lots", "HUB_STATEMENT_PAGE_SIZE must be a whole number"),
    ("proxy_hops", "1.5", "HUB_PROXY_HOPS must be a whole number"),
    ("max_document_bytes", "0", "HUB_MAX_DOCUMENT_BYTES must be positive"),
    ("max_request_bytes", "-1", "HUB_MAX_REQUEST_BYTES must be positive"),
    ("proxy_hops", "-1", "HUB_PROXY_HOPS must be zero or more"),
    ("statement_page_size", "5000", "must not exceed HUB_STATEMENT_PAGE_MAX"),
])
def test_bad_numbers_are_refused_naming_the_variable(name, value, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        settings(env="test", **{name: value})


def test_numbers_are_read_from_the_environment():
    loaded = settings(env="test", statement_page_size="50", proxy_hops="2")
    assert (loaded.statement_page_size, loaded.proxy_hops) == (50, 2)


@pytest.mark.parametrize(("name", "value"), [
    ("log_format", "xml"), ("log_level", "LOUD"), ("public_url", "ftp://hub"),
    ("cors_origins", "lms.example.go.id"),
])
def test_malformed_settings_are_refused(name, value):
    with pytest.raises(ConfigError, match=f"HUB_{name.upper()}"):
        settings(env="test", **{name: value})


def test_log_level_is_case_insensitive():
    assert settings(env="test", log_level="debug").log_level == "debug"


def test_cors_origins_are_a_comma_separated_list():
    loaded = settings(env="test", cors_origins="https://a.go.id, https://b.go.id,")
    assert loaded.cors_origins == ("https://a.go.id", "https://b.go.id")


def test_overrides_win_over_the_environment():
    loaded = load_settings({"statement_page_size": 7},
                           environ={"HUB_ENV": "test", "HUB_STATEMENT_PAGE_SIZE": "9"})
    assert loaded.statement_page_size == 7


def documented_defaults() -> dict[str, str]:
    """`| `HUB_NAME` | default cell | ...` rows of docs/configuration.md."""
    rows = re.findall(r"^\| `(HUB_[A-Z_]+)` \| ([^|]*) \|", DOCS.read_text(), re.M)
    return {name: cell.strip() for name, cell in rows}


def test_every_setting_is_documented_with_its_default():
    documented = documented_defaults()
    for f in fields(Settings):
        if f.name == "extra":
            continue
        variable = f"HUB_{f.name.upper()}"
        assert variable in documented, f"{variable} missing from docs/configuration.md"
        default = f.default
        if default is None or default == ():
            assert documented[variable].startswith("none"), variable
        else:
            shown = ",".join(default) if isinstance(default, tuple) else str(default)
            assert documented[variable] == f"`{shown}`", variable


# --- the factory -------------------------------------------------------------
def base_config(tmp_path, **overrides) -> dict:
    return {"database_url": f"sqlite:///{tmp_path / 'hub.sqlite3'}",
            "instance_path": str(tmp_path / "instance"), "log_format": "text",
            "log_level": "WARNING", **overrides}


def test_factory_refuses_production_without_a_secret_key(tmp_path):
    with pytest.raises(ConfigError, match="HUB_SECRET_KEY"):
        create_app(base_config(tmp_path, env="production"))


def test_factory_refuses_production_without_a_secret_key_from_the_environment(
        tmp_path, monkeypatch):
    monkeypatch.setenv("HUB_ENV", "production")
    with pytest.raises(ConfigError, match="HUB_SECRET_KEY"):
        create_app(base_config(tmp_path))


def test_factory_builds_production_with_its_secret_key(tmp_path):
    app = create_app(base_config(tmp_path, env="production", secret_key=SECRET,
                                 key_encryption_keys=(KEK,)))
    assert app.config["SECRET_KEY"] == SECRET
    assert not app.testing


def test_factory_gives_development_a_random_secret_key_never_a_fixed_one(tmp_path):
    first = create_app(base_config(tmp_path, env="development"))
    second = create_app(base_config(tmp_path, env="development"))
    assert len(first.config["SECRET_KEY"]) >= 32
    assert first.config["SECRET_KEY"] != second.config["SECRET_KEY"]


def test_factory_marks_the_test_environment_as_testing(tmp_path):
    assert create_app(base_config(tmp_path, env="test")).testing


def test_factory_refuses_a_bad_database_url(tmp_path):
    with pytest.raises(ConfigError, match="HUB_DATABASE_URL"):
        create_app(base_config(tmp_path, env="test", database_url="oracle://db"))


def test_factory_refuses_bad_numbers_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("HUB_MAX_REQUEST_BYTES", "a lot")
    with pytest.raises(ConfigError, match="HUB_MAX_REQUEST_BYTES must be a whole number"):
        create_app(base_config(tmp_path, env="test"))


def test_factory_refuses_an_unknown_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("HUB_ENV", "prod")
    with pytest.raises(ConfigError, match="HUB_ENV"):
        create_app(base_config(tmp_path))


def test_factory_without_a_database_url_uses_sqlite_in_the_instance_folder(tmp_path):
    config = base_config(tmp_path, env="test")
    del config["database_url"]
    app = create_app(config)
    assert app.extensions["hub.storage"].engine.url.database == str(
        tmp_path / "instance" / "hub.sqlite3")


def test_factory_applies_the_request_size_limit(tmp_path):
    app = create_app(base_config(tmp_path, env="test", max_request_bytes=1234))
    assert app.config["MAX_CONTENT_LENGTH"] == 1234
