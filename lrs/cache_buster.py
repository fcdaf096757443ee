"""xAPI.js (`useCacheBuster`) and other browser clients add `cachebuster=<number>` to every
GET so that no cache answers for the LRS.  xAPI 1.0.3 Communication 3.2.s3.b7 makes unknown
parameters a 400, so the parameter is dropped before any resource reads its query — for
GET and HEAD only, where it cannot change what is stored.  Runs inside the alternate-syntax
rewrite, so a `?method=GET` form carrying it is treated the same."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from flask import Flask

PARAMETER = "cachebuster"


class DropCacheBuster:
    def __init__(self, wsgi_app) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        query = environ.get("QUERY_STRING", "")
        if (PARAMETER in query and environ.get("REQUEST_METHOD") in ("GET", "HEAD")
                and environ.get("PATH_INFO", "").startswith("/xapi/")):
            kept = [(name, value) for name, value in parse_qsl(query, keep_blank_values=True)
                    if name != PARAMETER]
            environ["QUERY_STRING"] = urlencode(kept)
        return self.wsgi_app(environ, start_response)


def init_cache_buster(app: Flask) -> None:
    app.wsgi_app = DropCacheBuster(app.wsgi_app)  # type: ignore[method-assign]
