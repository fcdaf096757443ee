"""X-Experience-API-Version negotiation (xAPI 1.0.3 Communication 3.3; 2.0 Part 3 §4.1.1)."""

from __future__ import annotations

import re

from flask import Flask, g, request

from hub.errors import BadRequest

SUPPORTED = ("1.0.3", "2.0.0")
LATEST = "2.0.0"
_V1 = re.compile(r"^1\.0(\.\d+)?$")
_V2 = re.compile(r"^2\.0(\.\d+)?$")


def negotiate(header: str | None) -> str:
    """The version a request is served as: 1.0.x → 1.0.3, 2.0.x → 2.0.0."""
    if header is None or not header.strip():
        raise BadRequest("the X-Experience-API-Version header is required",
                         header="X-Experience-API-Version")
    value = header.strip()
    if _V1.match(value):
        return "1.0.3"
    if _V2.match(value):
        return "2.0.0"
    raise BadRequest(f"unsupported xAPI version {value!r}; this LRS serves "
                     f"{' and '.join(SUPPORTED)}", header="X-Experience-API-Version")


def _xapi_path() -> bool:
    return request.path.startswith("/xapi/") or request.path == "/xapi"


def init_versioning(app: Flask) -> None:
    @app.before_request
    def require_version():
        if not _xapi_path() or request.method == "OPTIONS":
            return
        if request.path.rstrip("/") == "/xapi/about":
            # About needs no version header; when one is sent, answer in that version.
            try:
                g.xapi_version = negotiate(request.headers.get("X-Experience-API-Version"))
            except BadRequest:
                g.xapi_version = LATEST
            return
        g.xapi_version = negotiate(request.headers.get("X-Experience-API-Version"))
        if g.xapi_version == "2.0.0" and request.environ.get("xapi.alternate"):
            raise BadRequest("xAPI 2.0 has no alternate request syntax (?method=)",
                             parameter="method", rule="xAPI 2.0 Part 3 §1.3")

    @app.after_request
    def version_header(response):
        if _xapi_path():
            response.headers["X-Experience-API-Version"] = g.get("xapi_version", LATEST)
        return response


def current_version() -> str:
    return g.xapi_version
