"""Logging configured once per process (JSON lines in production) and request ids."""

from __future__ import annotations

import hashlib
import logging
import logging.config
import re
import uuid
from urllib.parse import parse_qsl, urlencode

from flask import Flask, g, has_request_context, request

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

# Query parameters whose values are secrets or bearer tokens (LTI Dynamic Registration
# sends `registration_token` in the query; OAuth and OIDC clients put tokens there).
SECRET_QUERY_NAMES = frozenset({
    "access_token", "assertion", "authorization", "client_assertion", "client_secret",
    "code", "credential", "id_token", "jwt", "password", "registration_token", "secret",
    "state", "token",
})
REDACTED = "[redacted]"
# Paths whose last segment is a bearer token (an invite, a single-use picker URL);
# features register theirs (lti.init_app) so the access log never holds one.
_secret_path_prefixes: set[str] = set()


_ISSUED_KEY = re.compile(r"[0-9a-f]{32}")  # the shape of keys the hub issues (hub.auth)


def shown_key(key: str) -> str:
    """The key for the log: as typed when it has the shape of an issued key, else only a
    digest (a secret pasted into the key field never reaches the log)."""
    if _ISSUED_KEY.fullmatch(key):
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()[:16]


def register_secret_path(prefix: str) -> None:
    _secret_path_prefixes.add(prefix.rstrip("/") + "/")


def redact_path(path: str) -> str:
    for prefix in _secret_path_prefixes:
        # Tokens are long; a short fixed segment there (".../deep-link/return") is a route.
        if path.startswith(prefix) and len(path) - len(prefix) >= 16:
            return prefix + REDACTED
    return path


def redact_query(query: str) -> str:
    """`query` with the values of secret-bearing parameters replaced."""
    if not query:
        return query
    pairs = parse_qsl(query, keep_blank_values=True)
    if not any(name.lower() in SECRET_QUERY_NAMES for name, _ in pairs):
        return query
    return urlencode([(name, REDACTED if name.lower() in SECRET_QUERY_NAMES else value)
                      for name, value in pairs], safe="[]")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


def configure_logging(log_format: str, level: str) -> None:
    formatter = (
        {"()": "pythonjsonlogger.json.JsonFormatter",
         "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
         "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"}}
        if log_format == "json"
        else {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    )
    logging.config.dictConfig({
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"default": formatter},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "default",
                                "filters": ["request_id"]}},
        "root": {"level": level.upper(), "handlers": ["stderr"]},
        # Alembic announces its plugins at INFO on every import; only its warnings matter.
        "loggers": {"alembic.runtime.plugins": {"level": "WARNING"},
                    # pymongo logs every command with its documents at DEBUG: statements,
                    # credential keys and whatever a user typed into a filter.
                    "pymongo": {"level": "INFO"}},
    })


def init_request_ids(app: Flask) -> None:
    @app.before_request
    def assign_request_id():
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex

    @app.after_request
    def echo_request_id(response):
        if "request_id" in g:
            response.headers["X-Request-ID"] = g.request_id
        return response
