"""xAPI 1.0.3 Communication 1.3 "Alternate Request Syntax", for browsers that can only
POST cross-origin: `POST ...?method=PUT` with headers, parameters and `content` sent as
form fields.  This middleware rewrites such a request into the ordinary one before Flask
sees it, so every resource supports it; problems are left in the environ for
`reject_bad_alternate_requests` to report in the hub's error shape.  xAPI 2.0 removed
the syntax, so `lrs.versioning` rejects it for 2.0 requests.
"""

from __future__ import annotations

import io
from urllib.parse import parse_qsl, urlencode

from flask import Flask, request

from hub.errors import BadRequest

METHODS = ("GET", "HEAD", "PUT", "POST", "DELETE")
HEADER_FIELDS = {"authorization", "x-experience-api-version", "content-type", "content-length",
                 "if-match", "if-none-match"}
ERROR_KEY = "xapi.alternate_error"
FLAG_KEY = "xapi.alternate"
RULE = "xAPI 1.0.3 Communication 1.3"


class AlternateRequestSyntax:
    def __init__(self, wsgi_app) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO", "").startswith("/xapi/"):
            query = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
            if any(name == "method" for name, _ in query):
                _rewrite(environ, query)
        return self.wsgi_app(environ, start_response)


def _rewrite(environ: dict, query: list[tuple[str, str]]) -> None:
    environ[FLAG_KEY] = True
    method = dict(query)["method"]
    if environ["REQUEST_METHOD"] != "POST":
        environ[ERROR_KEY] = "the alternate request syntax must be sent as POST"
        return
    if len(query) > 1:
        environ[ERROR_KEY] = "with ?method=, every other parameter goes in the form body"
        return
    if method not in METHODS:
        environ[ERROR_KEY] = f"method must be one of {', '.join(METHODS)}"
        return
    content_type = environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        environ[ERROR_KEY] = "the alternate request syntax needs an " \
                             "application/x-www-form-urlencoded body"
        return
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length) if length else b""
    try:
        form = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(raw))
    except (UnicodeDecodeError, ValueError):
        environ[ERROR_KEY] = "the form body is not valid url-encoded UTF-8"
        return
    params, content, content_type = [], b"", None
    for name, value in form:
        lowered = name.lower()
        if lowered == "content":
            content = value.encode("utf-8")
        elif lowered == "content-type":
            content_type = value
        elif lowered == "content-length":
            continue  # recomputed from `content`
        elif lowered in HEADER_FIELDS:
            environ["HTTP_" + lowered.upper().replace("-", "_")] = value
        else:
            params.append((name, value))
    environ["REQUEST_METHOD"] = method
    environ["QUERY_STRING"] = urlencode(params)
    environ["CONTENT_TYPE"] = content_type or ("application/json" if content else "")
    environ["CONTENT_LENGTH"] = str(len(content))
    environ["wsgi.input"] = io.BytesIO(content)


def init_alternate_syntax(app: Flask) -> None:
    # Flask's documented way to add WSGI middleware; mypy sees a method being replaced.
    app.wsgi_app = AlternateRequestSyntax(app.wsgi_app)  # type: ignore[method-assign]

    @app.before_request
    def reject_bad_alternate_requests():
        message = request.environ.get(ERROR_KEY)
        if message:
            raise BadRequest(message, parameter="method", rule=RULE)


def is_alternate_request() -> bool:
    return bool(request.environ.get(FLAG_KEY))
