"""Settings read from `HUB_*` environment variables and validated once at start-up.

Every setting is documented in docs/configuration.md; keep the two in step.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from limits import parse_many

ENVIRONMENTS = ("production", "development", "test")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ConfigError(ValueError):
    """A setting is missing or malformed; the hub refuses to start."""


TRANSCRIPTS_SYNC_MODES = ("inline", "follower")


@dataclass(frozen=True)
class Settings:
    env: str = "production"
    secret_key: str | None = None
    # Fernet keys sealing private signing keys at rest, newest first (docs/security.md)
    key_encryption_keys: tuple[str, ...] = ()
    database_url: str | None = None  # None: SQLite file in the instance folder
    public_url: str = "http://localhost:5000"
    cors_origins: tuple[str, ...] = ("*",)
    log_format: str = "json"
    log_level: str = "INFO"
    proxy_hops: int = 0
    statement_page_size: int = 100
    statement_page_max: int = 1000
    max_attachment_bytes: int = 64 * 1024 * 1024
    max_document_bytes: int = 1024 * 1024
    max_request_bytes: int = 128 * 1024 * 1024
    max_json_depth: int = 100  # hub.json_input.DEFAULT_MAX_DEPTH
    # transcripts (docs/transcripts.md)
    transcript_nip_home_pages: tuple[str, ...] = ("https://siasn.bkn.go.id",)
    transcript_verbs: tuple[str, ...] = (
        "http://adlnet.gov/expapi/verbs/completed",
        "http://adlnet.gov/expapi/verbs/passed",
        "http://adlnet.gov/expapi/verbs/mastered",
    )
    transcript_count_repeats: bool = False
    minutes_per_jp: int = 45
    transcript_pns_min_jp: int = 20
    transcript_pppk_min_jp: int = 20
    transcript_issuer_name: str = "Berpijar Learning Hub"
    transcripts_sync: str = "inline"  # or "follower" (docs/transcripts.md)
    lti_clock_skew: int = 60
    timestamp_future_skew: int = 300  # seconds a score's timestamp may lie ahead of now
    lti_launch_ttl: int = 3600
    lti_jwks_cache_seconds: int = 86400
    lti_http_timeout: int = 10
    lti_grade_max_attempts: int = 8
    lti_grade_retry_seconds: int = 60
    lti_platform_token_ttl: int = 900
    lti_platform_session_ttl: int = 28800
    # who may frame the LTI pages: CSP frame-ancestors sources (docs/lti.md "Iframes")
    lti_frame_ancestors: tuple[str, ...] = ("*",)
    # sign-in sessions and throttling (docs/security.md "Sessions", "Throttling")
    session_idle_seconds: int = 1800
    session_lifetime_seconds: int = 28800
    auth_failure_limit: str = "10/15 minutes"
    auth_failure_free: int = 3
    auth_failure_delay_ms: int = 250
    auth_failure_max_delay_ms: int = 2000
    credential_rate_limit: str | None = None
    rate_limit_storage: str = "memory://"
    rate_limit_prefix: str = "hub"
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def authority_home_page(self) -> str:
        return self.public_url.rstrip("/") + "/partners"


def _parse_bool(name: str, raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"HUB_{name.upper()} must be true or false, not {raw!r}")


def _coerce(name: str, kind: Any, raw: Any) -> Any:
    if not isinstance(raw, str):
        return raw
    if kind in ("int", int):
        try:
            return int(raw)
        except ValueError:
            raise ConfigError(f"HUB_{name.upper()} must be a whole number, not {raw!r}") from None
    if kind in ("bool", bool):
        return _parse_bool(name, raw)
    if "tuple" in str(kind):
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    return raw


def load_settings(
    overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Build settings from `HUB_*` variables, then `overrides` (used by tests and the CLI)."""
    environ = os.environ if environ is None else environ
    known = {f.name: f.type for f in fields(Settings) if f.name != "extra"}
    values: dict[str, Any] = {}
    for name, kind in known.items():
        raw = environ.get(f"HUB_{name.upper()}")
        if raw is not None:
            values[name] = _coerce(name, kind, raw)
    extra: dict[str, Any] = {}
    for key, value in (overrides or {}).items():
        if key in known:
            values[key] = _coerce(key, known[key], value)
        else:
            extra[key] = value
    settings = replace(Settings(), **values, extra=extra)
    validate(settings)
    return settings


def validate(settings: Settings) -> None:
    if settings.env not in ENVIRONMENTS:
        raise ConfigError(f"HUB_ENV must be one of {', '.join(ENVIRONMENTS)}, not {settings.env!r}")
    if settings.is_production and not settings.secret_key:
        raise ConfigError("HUB_SECRET_KEY is required in production (HUB_ENV=production)")
    if settings.secret_key is not None and settings.is_production and len(settings.secret_key) < 32:
        raise ConfigError("HUB_SECRET_KEY must be at least 32 characters in production")
    _validate_key_encryption(settings)
    if settings.database_url is not None and not settings.database_url.startswith(
        ("sqlite:///", "sqlite+pysqlite:///", "postgresql+psycopg://", "postgresql://")
    ):
        raise ConfigError(
            "HUB_DATABASE_URL must be a sqlite:/// or postgresql+psycopg:// URL, "
            f"not {settings.database_url!r}"
        )
    if not settings.public_url.startswith(("http://", "https://")):
        raise ConfigError("HUB_PUBLIC_URL must be an http(s) URL")
    if settings.transcripts_sync not in TRANSCRIPTS_SYNC_MODES:
        raise ConfigError("HUB_TRANSCRIPTS_SYNC must be inline or follower, "
                          f"not {settings.transcripts_sync!r}")
    if settings.log_format not in ("json", "text"):
        raise ConfigError("HUB_LOG_FORMAT must be json or text")
    if settings.log_level.upper() not in LOG_LEVELS:
        raise ConfigError(f"HUB_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, "
                          f"not {settings.log_level!r}")
    for origin in settings.cors_origins:
        if origin != "*" and not origin.startswith(("http://", "https://")):
            raise ConfigError(f"HUB_CORS_ORIGINS entries must be * or http(s) origins, "
                              f"not {origin!r}")
    for name in ("statement_page_size", "statement_page_max", "max_attachment_bytes",
                 "max_document_bytes", "max_request_bytes"):
        if getattr(settings, name) <= 0:
            raise ConfigError(f"HUB_{name.upper()} must be positive")
    if not 16 <= settings.max_json_depth <= 1000:
        # Below 16 real statements would fail; above 1,000 the parsers' own limits decide.
        raise ConfigError("HUB_MAX_JSON_DEPTH must be between 16 and 1000")
    if settings.statement_page_size > settings.statement_page_max:
        raise ConfigError("HUB_STATEMENT_PAGE_SIZE must not exceed HUB_STATEMENT_PAGE_MAX")
    if settings.proxy_hops < 0:
        raise ConfigError("HUB_PROXY_HOPS must be zero or more")
    _validate_transcripts(settings)
    if not 0 <= settings.lti_clock_skew <= 300:
        raise ConfigError("HUB_LTI_CLOCK_SKEW must be between 0 and 300 seconds")
    if not 0 <= settings.timestamp_future_skew <= 86400:
        raise ConfigError("HUB_TIMESTAMP_FUTURE_SKEW must be between 0 and 86400 seconds")
    for name in ("lti_launch_ttl", "lti_jwks_cache_seconds", "lti_http_timeout",
                 "lti_grade_max_attempts", "lti_grade_retry_seconds",
                 "lti_platform_token_ttl", "lti_platform_session_ttl"):
        if getattr(settings, name) <= 0:
            raise ConfigError(f"HUB_{name.upper()} must be positive")
    _validate_frame_ancestors(settings)
    _validate_sessions_and_throttling(settings)


def _validate_key_encryption(settings: Settings) -> None:
    from hub.storage.key_encryption import is_valid_key

    if settings.is_production and not settings.key_encryption_keys:
        raise ConfigError(
            "HUB_KEY_ENCRYPTION_KEYS is required in production: private signing keys are "
            "stored encrypted with it (make one with `flask db generate-encryption-key`)")
    for position, key in enumerate(settings.key_encryption_keys, start=1):
        if not is_valid_key(key):
            raise ConfigError(
                f"HUB_KEY_ENCRYPTION_KEYS: key {position} is not a Fernet key (32 url-safe "
                "base64-encoded bytes; make one with `flask db generate-encryption-key`)")


# A CSP source expression the LTI pages accept as a frame ancestor: *, a scheme (https:)
# or an origin, possibly with a wildcard host part (https://*.instructure.com).
_FRAME_SOURCE = re.compile(r"^(\*|https?:|https?://(\*\.)?[A-Za-z0-9.-]+(:\d{1,5})?)$")


def _validate_frame_ancestors(settings: Settings) -> None:
    if not settings.lti_frame_ancestors:
        raise ConfigError("HUB_LTI_FRAME_ANCESTORS must name at least one source (* for any)")
    for source in settings.lti_frame_ancestors:
        if not _FRAME_SOURCE.match(source):
            raise ConfigError("HUB_LTI_FRAME_ANCESTORS entries must be *, http:/https: or "
                              f"http(s) origins such as https://lms.example.go.id, not {source!r}")


def database_url(settings: Settings, instance_path: str) -> str:
    if settings.database_url:
        return settings.database_url
    Path(instance_path).mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{Path(instance_path) / 'hub.sqlite3'}"


def _validate_transcripts(settings: Settings) -> None:
    for page in settings.transcript_nip_home_pages:
        if not page.startswith(("http://", "https://")):
            raise ConfigError("HUB_TRANSCRIPT_NIP_HOME_PAGES entries must be http(s) IRIs, "
                              f"not {page!r}")
    if not settings.transcript_verbs:
        raise ConfigError("HUB_TRANSCRIPT_VERBS must name at least one verb")
    if "http://adlnet.gov/expapi/verbs/failed" in settings.transcript_verbs:
        raise ConfigError("HUB_TRANSCRIPT_VERBS must not contain the failed verb: "
                          "a failed activity never counts")
    if not 1 <= settings.minutes_per_jp <= 600:
        raise ConfigError("HUB_MINUTES_PER_JP must be between 1 and 600")
    for name in ("transcript_pns_min_jp", "transcript_pppk_min_jp"):
        if not 0 <= getattr(settings, name) <= 1000:
            raise ConfigError(f"HUB_{name.upper()} must be between 0 and 1000")
    if not settings.transcript_issuer_name.strip():
        raise ConfigError("HUB_TRANSCRIPT_ISSUER_NAME must not be empty")


RATE_LIMIT_STORAGES = ("memory://", "redis://", "rediss://", "redis+unix://",
                       "redis+sentinel://", "redis+cluster://")


def _validate_sessions_and_throttling(settings: Settings) -> None:
    for name in ("session_idle_seconds", "session_lifetime_seconds"):
        if getattr(settings, name) <= 0:
            raise ConfigError(f"HUB_{name.upper()} must be positive")
    for name in ("auth_failure_limit", "credential_rate_limit"):
        value = getattr(settings, name)
        if not value and name == "credential_rate_limit":
            continue  # no limit
        try:
            parse_many(value)
        except ValueError:
            raise ConfigError(f"HUB_{name.upper()} must be a rate such as 10/15 minutes or "
                              f"600/minute;20000/hour, not {value!r}") from None
    for name in ("auth_failure_free", "auth_failure_delay_ms"):
        if getattr(settings, name) < 0:
            raise ConfigError(f"HUB_{name.upper()} must be zero or more")
    # A held answer occupies a worker (gunicorn's sync workers time out after 60 s).
    if not 0 <= settings.auth_failure_max_delay_ms <= 10_000:
        raise ConfigError("HUB_AUTH_FAILURE_MAX_DELAY_MS must be between 0 and 10000")
    if not settings.rate_limit_storage.startswith(RATE_LIMIT_STORAGES):
        raise ConfigError("HUB_RATE_LIMIT_STORAGE must be memory:// or a redis:// URL, "
                          f"not {settings.rate_limit_storage!r}")
    if not settings.rate_limit_prefix.strip():
        raise ConfigError("HUB_RATE_LIMIT_PREFIX must not be empty")
