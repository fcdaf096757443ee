"""Domain errors and the one JSON error shape the whole service answers with.

Operations raise these; `register_error_handlers` maps them (and Werkzeug's own
HTTP errors, and anything unexpected) to `{"error": {...}}` in one place.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, g, jsonify
from werkzeug.exceptions import HTTPException, MethodNotAllowed

log = logging.getLogger(__name__)


class HubError(Exception):
    status = 500
    code = "internal_error"

    def __init__(
        self,
        message: str,
        *,
        pointer: str | None = None,
        parameter: str | None = None,
        header: str | None = None,
        rule: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.pointer = pointer
        self.parameter = parameter
        self.header = header
        self.rule = rule
        self.headers = headers or {}

    def at(self, prefix: str) -> HubError:
        """Prefix the JSON pointer, e.g. with the statement's index in a batch."""
        self.pointer = prefix + (self.pointer or "")
        return self

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"status": self.status, "code": self.code, "message": self.message}
        for key in ("pointer", "parameter", "header", "rule"):
            value = getattr(self, key)
            if value is not None:
                error[key] = value
        return {"error": error}


class BadRequest(HubError):
    status = 400
    code = "bad_request"


class Unauthorized(HubError):
    status = 401
    code = "unauthorized"


class Forbidden(HubError):
    status = 403
    code = "forbidden"


class NotFound(HubError):
    status = 404
    code = "not_found"


class Conflict(HubError):
    status = 409
    code = "conflict"


class PreconditionFailed(HubError):
    status = 412
    code = "precondition_failed"


class PayloadTooLarge(HubError):
    status = 413
    code = "payload_too_large"


class TooManyRequests(HubError):
    """xAPI 1.0.3 Communication 3.2: 429, too many requests from a system or credentials;
    always with Retry-After (RFC 6585 section 4)."""

    status = 429
    code = "too_many_requests"


class BadGateway(HubError):
    """A partner system the hub called on the caller's behalf did not answer usefully."""

    status = 502
    code = "bad_gateway"


class ServiceUnavailable(HubError):
    status = 503
    code = "service_unavailable"


# How long a client should wait when the database is down or busy: long enough for a
# restart or failover to finish, short enough that a partner's queue keeps moving.
DATABASE_RETRY_AFTER_SECONDS = 5


def database_unavailable() -> ServiceUnavailable:
    return ServiceUnavailable(
        f"the database is not answering; nothing was stored; retry after "
        f"{DATABASE_RETRY_AFTER_SECONDS} seconds",
        headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)})


def is_storage_unavailable(exc: BaseException) -> bool:
    """Whether the storage engine says `exc` is the database being down or busy."""
    from hub.storage import current_storage

    try:
        return current_storage().is_unavailable(exc)
    except RuntimeError:  # no application context
        return False


def error_response(error: HubError):
    body = error.body()
    request_id = g.get("request_id")
    if request_id:
        body["error"]["request_id"] = request_id
    response = jsonify(body)
    response.status_code = error.status
    response.headers.update(error.headers)
    return response


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(HubError, error_response)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        error = HubError(exc.description or exc.name)
        error.status = exc.code or 500
        error.code = exc.name.lower().replace(" ", "_")
        response = error_response(error)
        if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response

    @app.errorhandler(RecursionError)
    def too_deep(exc: RecursionError):
        # Input nested past what a library parses recursively (a JWT's JSON, say): the
        # client's doing, so a 400; hub.json_input stops this long before for JSON bodies.
        log.warning("input nested too deeply for a recursive parser: %s", exc)
        return error_response(BadRequest("the input is nested too deeply to read"))

    @app.errorhandler(Exception)
    def unexpected_error(exc: Exception):
        if is_storage_unavailable(exc):
            # No traceback: the cause is outside the hub, and a stopped database would
            # otherwise write one per request.
            log.warning("database unavailable: %s: %s", type(exc).__name__,
                        str(exc).splitlines()[0] if str(exc) else "")
            return error_response(database_unavailable())
        log.exception("unhandled error")
        return error_response(HubError("internal error; the request id identifies it in the logs"))
