"""Settings come from HUB_* variables, are validated at start, and are all documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hub.app import create_app
from hub.config import (
    SECTIONS,
    VARIABLES,
    ConfigError,
    Settings,
    load_settings,
    replace_settings,
)

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
    assert (loaded.lrs.statement_page_size, loaded.proxy_hops) == (50, 2)


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
    assert loaded.lrs.statement_page_size == 7


def documented_defaults() -> dict[str, str]:
    """`| `HUB_NAME` | default cell | ...` rows of docs/configuration.md."""
    rows = re.findall(r"^\| `(HUB_[A-Z_]+)` \| ([^|]*) \|", DOCS.read_text(), re.M)
    return {name: cell.strip() for name, cell in rows}


def default_of(section: str | None, field: str):
    model = Settings if section is None else SECTIONS[section]
    info = model.model_fields[field]
    return info.get_default(call_default_factory=True)


def test_every_setting_is_documented_with_its_default():
    documented = documented_defaults()
    assert len(VARIABLES) == 45
    for variable, (section, field) in VARIABLES.items():
        assert variable in documented, f"{variable} missing from docs/configuration.md"
        default = default_of(section, field)
        if default is None or default == ():
            assert documented[variable].startswith("none"), variable
        else:
            shown = ",".join(default) if isinstance(default, tuple) else str(default)
            assert documented[variable] == f"`{shown}`", variable


def test_nothing_is_documented_that_the_hub_does_not_read():
    outside = {"HUB_BIND", "HUB_WORKERS", "HUB_HOST", "HUB_PORT"}
    assert set(documented_defaults()) - outside - {v for v in documented_defaults()
                                                    if v.startswith("HUB_TEST_")} == set(VARIABLES)


# --- sections ----------------------------------------------------------------
def test_each_feature_reads_its_section_under_the_variable_names_deployments_use():
    loaded = settings(env="test", statement_page_max="500", lti_clock_skew="30",
                      timestamp_future_skew="60", transcript_verbs="http://x.go.id/v/done",
                      transcripts_sync="follower", transcript_count_repeats="yes",
                      session_idle_seconds="600", credential_rate_limit="5/minute")
    assert loaded.lrs.statement_page_max == 500
    assert (loaded.lti.clock_skew, loaded.lti.timestamp_future_skew) == (30, 60)
    assert loaded.transcripts.verbs == ("http://x.go.id/v/done",)
    assert loaded.transcripts.sync == "follower" and loaded.transcripts.count_repeats is True
    assert loaded.sessions.idle_seconds == 600
    assert loaded.throttle.credential_rate_limit == "5/minute"


def test_a_section_refuses_its_own_bad_value_naming_the_variable():
    with pytest.raises(ConfigError, match="HUB_LTI_CLOCK_SKEW must be between 0 and 300"):
        settings(env="test", lti_clock_skew="301")
    with pytest.raises(ConfigError, match="HUB_TRANSCRIPT_COUNT_REPEATS must be true or false"):
        settings(env="test", transcript_count_repeats="perhaps")


def test_settings_are_frozen_and_replaced_with_validation():
    loaded = settings(env="test")
    with pytest.raises(ValueError, match="frozen"):
        loaded.lrs.statement_page_size = 5  # type: ignore[misc]
    smaller = replace_settings(loaded, max_document_bytes=16, proxy_hops=1)
    assert (smaller.lrs.max_document_bytes, smaller.proxy_hops) == (16, 1)
    assert loaded.lrs.max_document_bytes == 1024 * 1024
    with pytest.raises(ConfigError, match="HUB_MAX_DOCUMENT_BYTES must be positive"):
        replace_settings(loaded, max_document_bytes=0)


# --- unknown variables -------------------------------------------------------
def test_an_unknown_hub_variable_is_refused_with_the_closest_name():
    with pytest.raises(ConfigError, match=re.escape(
            "unknown HUB_ variable: HUB_STATEMENT_PAGESIZE "
            "(did you mean HUB_STATEMENT_PAGE_SIZE?)")):
        settings(env="test", statement_pagesize="50")


def test_every_unknown_hub_variable_is_named():
    with pytest.raises(ConfigError, match=re.escape(
            "unknown HUB_ variables: HUB_LTI_CLOCK_SKEY (did you mean HUB_LTI_CLOCK_SKEW?), "
            "HUB_QQQQQQQQQQQQQQQQ (docs/configuration.md")):
        settings(env="test", qqqqqqqqqqqqqqqq="1", lti_clock_skey="5")


@pytest.mark.parametrize("name", ["HUB_BIND", "HUB_WORKERS", "HUB_HOST", "HUB_PORT",
                                  "HUB_TEST_POSTGRES_URL", "HUB_TEST_CHROMIUM"])
def test_variables_read_outside_the_app_are_not_refused(name):
    assert load_settings(environ={"HUB_ENV": "test", name: "x"}).env == "test"


def test_variables_without_the_prefix_are_none_of_the_hubs_business():
    assert load_settings(environ={"HUB_ENV": "test", "HUBX_ENV": "x", "ENV": "y"}).env == "test"


def test_pydantic_settings_reads_the_process_environment_under_the_same_rules(monkeypatch):
    monkeypatch.setenv("HUB_ENV", "test")
    monkeypatch.setenv("HUB_LTI_LAUNCH_TTL", "60")
    assert Settings().lti.launch_ttl == 60
    monkeypatch.setenv("HUB_LTI_LAUNCH_TTLS", "60")
    with pytest.raises(ValueError, match="did you mean HUB_LTI_LAUNCH_TTL"):
        Settings()


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


def test_factory_refuses_an_unknown_variable_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("HUB_SECRETKEY", SECRET)
    with pytest.raises(ConfigError, match=re.escape("HUB_SECRETKEY (did you mean HUB_SECRET_KEY")):
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
