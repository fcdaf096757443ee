"""Gunicorn settings for production: `gunicorn -c gunicorn.conf.py wsgi:app`.

Run `flask --app wsgi db upgrade` first; workers never migrate.  Background work (the
transcripts follower, LTI grades, connectors) runs in the hub's own worker process,
`flask --app wsgi worker`, never from here (docs/operations.md "The worker").
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys

from gunicorn import glogging
from pythonjsonlogger.json import JsonFormatter

from hub.logs import redact_path, redact_query


def _workers() -> int:
    raw = os.environ.get("HUB_WORKERS")
    if raw is None:
        return 2 * multiprocessing.cpu_count() + 1
    if not raw.strip().isdigit() or int(raw) < 1:
        raise SystemExit(f"HUB_WORKERS must be a whole number of at least 1, not {raw!r}")
    return int(raw)


bind = os.environ.get("HUB_BIND", "127.0.0.1:8000").split(",")
workers = _workers()
worker_class = "sync"
# A request may wait up to the SQLite busy timeout (30 s) for a write lock; give it room.
timeout = 60
# On SIGTERM, finish requests in flight for up to this long before stopping.
graceful_timeout = 30
keepalive = 5
# Workers are created from scratch: the app (and its connection pool) is never shared
# across fork.
preload_app = False
# No runtime control socket (gunicorn 24+): one fixed path per user would clash between
# hubs on one machine, and nothing in operations uses it.
control_socket_disable = True
# Proxy headers are believed in one place only: the app's ProxyFix, for HUB_PROXY_HOPS hops
# (hub/app.py).  Gunicorn itself believes none, from any peer: by default it would take
# X-Forwarded-Proto (and SCRIPT_NAME) from 127.0.0.1 even with no proxy (docs/security.md).
forwarded_allow_ips = ""
secure_scheme_headers: dict[str, str] = {}
forwarder_headers = ""
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("HUB_LOG_LEVEL", "info").lower()


_FORMATTER = JsonFormatter(
    "%(asctime)s %(levelname)s %(name)s %(message)s",
    rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
)


class JsonLinesLogger(glogging.Logger):
    """Gunicorn's own error and access logs as JSON lines on stderr, like the hub's."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                if not getattr(handler, "_gunicorn", False):
                    continue
                if type(handler) is logging.StreamHandler:
                    handler.setStream(sys.stderr)  # gunicorn sends "-" access logs to stdout
                handler.setFormatter(_FORMATTER)

    def access(self, resp, req, environ, request_time) -> None:
        if self.cfg.accesslog is None:
            return
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        headers = {name.lower(): value for name, value in resp.headers}
        # Tokens travel in some paths and query strings (docs/security.md "Logs").
        path = redact_path(environ.get("PATH_INFO") or "")
        query = redact_query(environ.get("QUERY_STRING") or "")
        self.access_log.info("%s %s %s", environ.get("REQUEST_METHOD"),
                             path + ("?" + query if query else ""), status, extra={
            "method": environ.get("REQUEST_METHOD"),
            "path": path,
            "query": query or None,
            "status": int(status),
            "bytes": getattr(resp, "sent", None),
            "duration_ms": round(request_time.total_seconds() * 1000, 3),
            "remote": environ.get("REMOTE_ADDR"),
            "request_id": headers.get("x-request-id"),
            "user_agent": environ.get("HTTP_USER_AGENT"),
        })


logger_class = JsonLinesLogger
