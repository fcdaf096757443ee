"""Settings read from `HUB_*` environment variables and validated once at start-up.

`Settings` is a pydantic-settings model with one section per feature (`settings.lrs`,
`settings.transcripts`, `settings.lti`, `settings.sessions`, `settings.throttle`) and the
hub-wide settings at the top.  Every field names its variable (`validation_alias`): the
names are the ones deployments already use, not derived from the section.  A `HUB_`
variable that names no setting is refused, so a typo fails the start instead of being
ignored.  Every setting is documented in docs/configuration.md; keep the two in step.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Annotated, Any

from limits import parse_many
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

ENVIRONMENTS = ("production", "development", "test")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
TRANSCRIPTS_SYNC_MODES = ("inline", "follower")
RATE_LIMIT_STORAGES = ("memory://", "redis://", "rediss://", "redis+unix://",
                       "redis+sentinel://", "redis+cluster://")
PREFIX = "HUB_"
# HUB_ variables read by the process around the app, not by it (docs/configuration.md
# "Variables read outside the application"); the test suite's own start with HUB_TEST_.
READ_OUTSIDE_THE_APP = frozenset({"HUB_BIND", "HUB_WORKERS", "HUB_HOST", "HUB_PORT"})
TEST_SUITE_PREFIX = "HUB_TEST_"


class ConfigError(ValueError):
    """A setting is missing or malformed; the hub refuses to start."""


# --- how a variable's text becomes a value ------------------------------------
def _whole_number(raw: Any) -> Any:
    if isinstance(raw, str):
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"must be a whole number, not {raw!r}") from None
    return raw


def _true_or_false(raw: Any) -> Any:
    if isinstance(raw, str):
        lowered = raw.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off"}:
            return False
        raise ValueError(f"must be true or false, not {raw!r}")
    return raw


def _comma_separated(raw: Any) -> Any:
    if isinstance(raw, str):
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    return raw


WholeNumber = Annotated[int, BeforeValidator(_whole_number)]
TrueOrFalse = Annotated[bool, BeforeValidator(_true_or_false)]
CommaSeparated = Annotated[tuple[str, ...], BeforeValidator(_comma_separated)]


def variable(default: Any, name: str) -> Any:
    """A field read from `HUB_<name>`."""
    return Field(default, validation_alias=PREFIX + name)


SECTION = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


# --- the sections -------------------------------------------------------------
class LrsSettings(BaseModel):
    """The xAPI resources (lrs/)."""

    model_config = SECTION

    statement_page_size: WholeNumber = variable(100, "STATEMENT_PAGE_SIZE")
    statement_page_max: WholeNumber = variable(1000, "STATEMENT_PAGE_MAX")
    max_attachment_bytes: WholeNumber = variable(64 * 1024 * 1024, "MAX_ATTACHMENT_BYTES")
    max_document_bytes: WholeNumber = variable(1024 * 1024, "MAX_DOCUMENT_BYTES")

    @model_validator(mode="after")
    def _check(self) -> LrsSettings:
        for name in ("statement_page_size", "statement_page_max", "max_attachment_bytes",
                     "max_document_bytes"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"HUB_{name.upper()} must be positive")
        if self.statement_page_size > self.statement_page_max:
            raise ConfigError("HUB_STATEMENT_PAGE_SIZE must not exceed HUB_STATEMENT_PAGE_MAX")
        return self


class TranscriptSettings(BaseModel):
    """Transcripts (docs/transcripts.md)."""

    model_config = SECTION

    nip_home_pages: CommaSeparated = variable(("https://siasn.bkn.go.id",),
                                              "TRANSCRIPT_NIP_HOME_PAGES")
    verbs: CommaSeparated = variable((
        "http://adlnet.gov/expapi/verbs/completed",
        "http://adlnet.gov/expapi/verbs/passed",
        "http://adlnet.gov/expapi/verbs/mastered",
    ), "TRANSCRIPT_VERBS")
    count_repeats: TrueOrFalse = variable(False, "TRANSCRIPT_COUNT_REPEATS")
    minutes_per_jp: WholeNumber = variable(45, "MINUTES_PER_JP")
    pns_min_jp: WholeNumber = variable(20, "TRANSCRIPT_PNS_MIN_JP")
    pppk_min_jp: WholeNumber = variable(20, "TRANSCRIPT_PPPK_MIN_JP")
    issuer_name: str = variable("Berpijar Learning Hub", "TRANSCRIPT_ISSUER_NAME")
    sync: str = variable("inline", "TRANSCRIPTS_SYNC")  # or "follower"

    @model_validator(mode="after")
    def _check(self) -> TranscriptSettings:
        for page in self.nip_home_pages:
            if not page.startswith(("http://", "https://")):
                raise ConfigError("HUB_TRANSCRIPT_NIP_HOME_PAGES entries must be http(s) IRIs, "
                                  f"not {page!r}")
        if not self.verbs:
            raise ConfigError("HUB_TRANSCRIPT_VERBS must name at least one verb")
        if "http://adlnet.gov/expapi/verbs/failed" in self.verbs:
            raise ConfigError("HUB_TRANSCRIPT_VERBS must not contain the failed verb: "
                              "a failed activity never counts")
        if not 1 <= self.minutes_per_jp <= 600:
            raise ConfigError("HUB_MINUTES_PER_JP must be between 1 and 600")
        for name in ("pns_min_jp", "pppk_min_jp"):
            if not 0 <= getattr(self, name) <= 1000:
                raise ConfigError(f"HUB_TRANSCRIPT_{name.upper()} must be between 0 and 1000")
        if not self.issuer_name.strip():
            raise ConfigError("HUB_TRANSCRIPT_ISSUER_NAME must not be empty")
        if self.sync not in TRANSCRIPTS_SYNC_MODES:
            raise ConfigError(f"HUB_TRANSCRIPTS_SYNC must be inline or follower, not {self.sync!r}")
        return self


# A CSP source expression the LTI pages accept as a frame ancestor: *, a scheme (https:)
# or an origin, possibly with a wildcard host part (https://*.instructure.com).
_FRAME_SOURCE = re.compile(r"^(\*|https?:|https?://(\*\.)?[A-Za-z0-9.-]+(:\d{1,5})?)$")


class LtiSettings(BaseModel):
    """LTI 1.3, tool and platform roles (docs/lti.md, docs/lti-platform.md)."""

    model_config = SECTION

    clock_skew: WholeNumber = variable(60, "LTI_CLOCK_SKEW")
    # seconds a score's timestamp may lie ahead of now
    timestamp_future_skew: WholeNumber = variable(300, "TIMESTAMP_FUTURE_SKEW")
    launch_ttl: WholeNumber = variable(3600, "LTI_LAUNCH_TTL")
    jwks_cache_seconds: WholeNumber = variable(86400, "LTI_JWKS_CACHE_SECONDS")
    http_timeout: WholeNumber = variable(10, "LTI_HTTP_TIMEOUT")
    grade_max_attempts: WholeNumber = variable(8, "LTI_GRADE_MAX_ATTEMPTS")
    grade_retry_seconds: WholeNumber = variable(60, "LTI_GRADE_RETRY_SECONDS")
    platform_token_ttl: WholeNumber = variable(900, "LTI_PLATFORM_TOKEN_TTL")
    platform_session_ttl: WholeNumber = variable(28800, "LTI_PLATFORM_SESSION_TTL")
    # who may frame the LTI pages: CSP frame-ancestors sources (docs/lti.md "Iframes")
    frame_ancestors: CommaSeparated = variable(("*",), "LTI_FRAME_ANCESTORS")

    @model_validator(mode="after")
    def _check(self) -> LtiSettings:
        if not 0 <= self.clock_skew <= 300:
            raise ConfigError("HUB_LTI_CLOCK_SKEW must be between 0 and 300 seconds")
        if not 0 <= self.timestamp_future_skew <= 86400:
            raise ConfigError("HUB_TIMESTAMP_FUTURE_SKEW must be between 0 and 86400 seconds")
        for name in ("launch_ttl", "jwks_cache_seconds", "http_timeout", "grade_max_attempts",
                     "grade_retry_seconds", "platform_token_ttl", "platform_session_ttl"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"HUB_LTI_{name.upper()} must be positive")
        if not self.frame_ancestors:
            raise ConfigError("HUB_LTI_FRAME_ANCESTORS must name at least one source (* for any)")
        for source in self.frame_ancestors:
            if not _FRAME_SOURCE.match(source):
                raise ConfigError("HUB_LTI_FRAME_ANCESTORS entries must be *, http:/https: or "
                                  "http(s) origins such as https://lms.example.go.id, "
                                  f"not {source!r}")
        return self


class SessionSettings(BaseModel):
    """Auditors' sign-in sessions (docs/security.md "Sessions")."""

    model_config = SECTION

    idle_seconds: WholeNumber = variable(1800, "SESSION_IDLE_SECONDS")
    lifetime_seconds: WholeNumber = variable(28800, "SESSION_LIFETIME_SECONDS")

    @model_validator(mode="after")
    def _check(self) -> SessionSettings:
        for name in ("idle_seconds", "lifetime_seconds"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"HUB_SESSION_{name.upper()} must be positive")
        return self


class ThrottleSettings(BaseModel):
    """Failed sign-ins and request limits (docs/security.md "Throttling")."""

    model_config = SECTION

    auth_failure_limit: str = variable("10/15 minutes", "AUTH_FAILURE_LIMIT")
    auth_failure_free: WholeNumber = variable(3, "AUTH_FAILURE_FREE")
    auth_failure_delay_ms: WholeNumber = variable(250, "AUTH_FAILURE_DELAY_MS")
    auth_failure_max_delay_ms: WholeNumber = variable(2000, "AUTH_FAILURE_MAX_DELAY_MS")
    credential_rate_limit: str | None = variable(None, "CREDENTIAL_RATE_LIMIT")
    rate_limit_storage: str = variable("memory://", "RATE_LIMIT_STORAGE")
    rate_limit_prefix: str = variable("hub", "RATE_LIMIT_PREFIX")

    @model_validator(mode="after")
    def _check(self) -> ThrottleSettings:
        for name in ("auth_failure_limit", "credential_rate_limit"):
            value = getattr(self, name)
            if not value and name == "credential_rate_limit":
                continue  # no limit
            try:
                parse_many(value)
            except ValueError:
                raise ConfigError(f"HUB_{name.upper()} must be a rate such as 10/15 minutes or "
                                  f"600/minute;20000/hour, not {value!r}") from None
        for name in ("auth_failure_free", "auth_failure_delay_ms"):
            if getattr(self, name) < 0:
                raise ConfigError(f"HUB_{name.upper()} must be zero or more")
        # A held answer occupies a worker (gunicorn's sync workers time out after 60 s).
        if not 0 <= self.auth_failure_max_delay_ms <= 10_000:
            raise ConfigError("HUB_AUTH_FAILURE_MAX_DELAY_MS must be between 0 and 10000")
        if not self.rate_limit_storage.startswith(RATE_LIMIT_STORAGES):
            raise ConfigError("HUB_RATE_LIMIT_STORAGE must be memory:// or a redis:// URL, "
                              f"not {self.rate_limit_storage!r}")
        if not self.rate_limit_prefix.strip():
            raise ConfigError("HUB_RATE_LIMIT_PREFIX must not be empty")
        return self


# --- the hub ------------------------------------------------------------------
class WorkerSettings(BaseModel):
    """The worker process and the connectors' calls to partners (docs/operations.md
    "The worker", docs/connectors.md)."""

    model_config = SECTION

    lease_seconds: WholeNumber = variable(30, "WORKER_LEASE_SECONDS")
    heartbeat_seconds: WholeNumber = variable(2, "WORKER_HEARTBEAT_SECONDS")
    partner_timeout_seconds: WholeNumber = variable(30, "CONNECTORS_TIMEOUT_SECONDS")

    @model_validator(mode="after")
    def _check(self) -> WorkerSettings:
        if self.heartbeat_seconds <= 0 or self.partner_timeout_seconds <= 0:
            raise ConfigError("HUB_WORKER_HEARTBEAT_SECONDS and HUB_CONNECTORS_TIMEOUT_SECONDS "
                              "must be positive")
        if self.lease_seconds < 3 * self.heartbeat_seconds:
            raise ConfigError("HUB_WORKER_LEASE_SECONDS must be at least three heartbeats "
                              "(HUB_WORKER_HEARTBEAT_SECONDS)")
        return self


class Settings(BaseSettings):
    """Hub-wide settings at the top, each feature's in its section."""

    model_config = SettingsConfigDict(env_prefix=PREFIX, frozen=True, extra="forbid",
                                      populate_by_name=True)

    env: str = variable("production", "ENV")
    secret_key: str | None = variable(None, "SECRET_KEY")
    # Fernet keys sealing private signing keys at rest, newest first (docs/security.md)
    key_encryption_keys: CommaSeparated = variable((), "KEY_ENCRYPTION_KEYS")
    database_url: str | None = variable(None, "DATABASE_URL")  # None: SQLite in the instance
    public_url: str = variable("http://localhost:5000", "PUBLIC_URL")
    cors_origins: CommaSeparated = variable(("*",), "CORS_ORIGINS")
    log_format: str = variable("json", "LOG_FORMAT")
    log_level: str = variable("INFO", "LOG_LEVEL")
    proxy_hops: WholeNumber = variable(0, "PROXY_HOPS")
    max_request_bytes: WholeNumber = variable(128 * 1024 * 1024, "MAX_REQUEST_BYTES")
    max_json_depth: WholeNumber = variable(100, "MAX_JSON_DEPTH")  # json_input.DEFAULT_MAX_DEPTH

    lrs: LrsSettings = Field(default_factory=LrsSettings)
    transcripts: TranscriptSettings = Field(default_factory=TranscriptSettings)
    lti: LtiSettings = Field(default_factory=LtiSettings)
    sessions: SessionSettings = Field(default_factory=SessionSettings)
    throttle: ThrottleSettings = Field(default_factory=ThrottleSettings)
    worker: WorkerSettings = Field(default_factory=WorkerSettings)

    # create_app() overrides that name no setting (instance_path); never from the environment
    extra: dict[str, Any] = Field(default_factory=dict)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def authority_home_page(self) -> str:
        return self.public_url.rstrip("/") + "/partners"

    @model_validator(mode="after")
    def _check(self) -> Settings:
        _check_hub_wide(self)
        return self

    @classmethod
    def settings_customise_sources(
        cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Our variable names do not follow the sections, so one source maps them all.
        return init_settings, HubEnvironment(settings_cls, os.environ)


SECTIONS: dict[str, type[BaseModel]] = {
    name: info.annotation for name, info in Settings.model_fields.items()
    if isinstance(info.annotation, type) and issubclass(info.annotation, BaseModel)
}


def _variables() -> Iterator[tuple[str, str | None, str]]:
    """(variable, section or None, field) for every setting."""
    for name, info in Settings.model_fields.items():
        if name in SECTIONS:
            for field_name, field_info in SECTIONS[name].model_fields.items():
                yield _variable_of(field_info), name, field_name
        elif name != "extra":
            yield _variable_of(info), None, name


def _variable_of(info: FieldInfo) -> str:
    assert isinstance(info.validation_alias, str)
    return info.validation_alias


# HUB_STATEMENT_PAGE_SIZE -> ("lrs", "statement_page_size")
VARIABLES: dict[str, tuple[str | None, str]] = {
    name: (section, field) for name, section, field in _variables()}


class HubEnvironment(PydanticBaseSettingsSource):
    """`HUB_*` variables as the nested values of `Settings`; unknown ones are refused."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        super().__init__(settings_cls)
        self.environ = environ

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # __call__ reads every variable at once

    def __call__(self) -> dict[str, Any]:
        given = {name: raw for name, raw in self.environ.items() if name.startswith(PREFIX)}
        refuse_unknown_variables(given)
        return _nested({name[len(PREFIX):].lower(): raw for name, raw in given.items()})


def refuse_unknown_variables(names: Iterator[str] | Mapping[str, str]) -> None:
    unknown = sorted(name for name in names if name not in VARIABLES
                     and name not in READ_OUTSIDE_THE_APP
                     and not name.startswith(TEST_SUITE_PREFIX))
    if not unknown:
        return
    known = [*VARIABLES, *READ_OUTSIDE_THE_APP]
    described = []
    for name in unknown:
        closest = difflib.get_close_matches(name, known, n=1)
        described.append(f"{name} (did you mean {closest[0]}?)" if closest else name)
    raise ConfigError("unknown HUB_ variable" + ("s" if len(unknown) > 1 else "") + ": "
                      + ", ".join(described) + " (docs/configuration.md lists every setting)")


def _nested(flat: Mapping[str, Any]) -> dict[str, Any]:
    """Setting names (the variable without HUB_, lower case) as nested `Settings` input;
    a name that is no setting goes to `extra`."""
    values: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in flat.items():
        place = VARIABLES.get(PREFIX + key.upper())
        if place is None:
            extra[key] = value
            continue
        section, field = place
        if section is None:
            values[field] = value
        else:
            values.setdefault(section, {})[field] = value
    if extra:
        values["extra"] = extra
    return values


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


def load_settings(
    overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Build settings from `HUB_*` variables, then `overrides` (used by tests and the CLI),
    keyed by setting name: the variable without `HUB_`, in lower case."""
    from_environment = HubEnvironment(Settings, os.environ if environ is None else environ)()
    return _validated(_merge(from_environment, _nested(overrides or {})))


def replace_settings(settings: Settings, **changes: Any) -> Settings:
    """`settings` with some values changed, by setting name, validated again."""
    current = settings.model_dump(exclude={"extra"})
    return _validated(_merge(_merge(current, {"extra": dict(settings.extra)}), _nested(changes)))


def _validated(values: dict[str, Any]) -> Settings:
    # model_validate, not Settings(): the sources have already been read.
    try:
        return Settings.model_validate(values)
    except ValidationError as error:
        raise _config_error(error) from None


def _config_error(error: ValidationError) -> ConfigError:
    messages = []
    for problem in error.errors():
        cause = problem.get("ctx", {}).get("error")
        if isinstance(cause, ConfigError):
            messages.append(str(cause))
            continue
        where = _variable_at(problem["loc"])
        text = str(cause) if isinstance(cause, ValueError) else problem["msg"]
        messages.append(f"{where} {text}")
    return ConfigError("; ".join(messages))


def _variable_at(loc: tuple[int | str, ...]) -> str:
    """The variable a validation error's location points at (`("lrs", "statement_page_size")`)."""
    in_section = len(loc) > 1 and loc[0] in SECTIONS
    place = (str(loc[0]), str(loc[1])) if in_section else (None, str(loc[0]))
    return next((name for name, at in VARIABLES.items() if at == place), ".".join(map(str, loc)))


def _check_hub_wide(settings: Settings) -> None:
    if settings.env not in ENVIRONMENTS:
        raise ConfigError(f"HUB_ENV must be one of {', '.join(ENVIRONMENTS)}, not {settings.env!r}")
    if settings.is_production and not settings.secret_key:
        raise ConfigError("HUB_SECRET_KEY is required in production (HUB_ENV=production)")
    if settings.secret_key is not None and settings.is_production and len(settings.secret_key) < 32:
        raise ConfigError("HUB_SECRET_KEY must be at least 32 characters in production")
    _check_key_encryption(settings)
    if settings.database_url is not None and not settings.database_url.startswith(
        ("sqlite:///", "sqlite+pysqlite:///", "postgresql+psycopg://", "postgresql://",
         "mongodb://", "mongodb+srv://")
    ):
        raise ConfigError(
            "HUB_DATABASE_URL must be a sqlite:///, postgresql+psycopg:// or mongodb:// URL, "
            f"not {settings.database_url!r}"
        )
    if not settings.public_url.startswith(("http://", "https://")):
        raise ConfigError("HUB_PUBLIC_URL must be an http(s) URL")
    if settings.log_format not in ("json", "text"):
        raise ConfigError("HUB_LOG_FORMAT must be json or text")
    if settings.log_level.upper() not in LOG_LEVELS:
        raise ConfigError(f"HUB_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, "
                          f"not {settings.log_level!r}")
    for origin in settings.cors_origins:
        if origin != "*" and not origin.startswith(("http://", "https://")):
            raise ConfigError(f"HUB_CORS_ORIGINS entries must be * or http(s) origins, "
                              f"not {origin!r}")
    if settings.max_request_bytes <= 0:
        raise ConfigError("HUB_MAX_REQUEST_BYTES must be positive")
    if not 16 <= settings.max_json_depth <= 1000:
        # Below 16 real statements would fail; above 1,000 the parsers' own limits decide.
        raise ConfigError("HUB_MAX_JSON_DEPTH must be between 16 and 1000")
    if settings.proxy_hops < 0:
        raise ConfigError("HUB_PROXY_HOPS must be zero or more")


def _check_key_encryption(settings: Settings) -> None:
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


def database_url(settings: Settings, instance_path: str) -> str:
    if settings.database_url:
        return settings.database_url
    Path(instance_path).mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{Path(instance_path) / 'hub.sqlite3'}"
