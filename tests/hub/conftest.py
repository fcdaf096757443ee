"""Fixtures for the hub's own tests: an app with probe routes, and its log output."""

from __future__ import annotations

import io
import logging

import pytest
from flask import Blueprint

from hub.auth import require_scope
from hub.errors import BadRequest

probe_log = logging.getLogger("tests.probe")


def _probe_blueprint() -> Blueprint:
    """Routes under /xapi/ that exercise the plumbing without any real resource."""
    probe = Blueprint("probe", __name__, url_prefix="/xapi/_probe")

    @probe.get("/secure")
    def secure():
        require_scope("statements/write")
        return {"ok": True}

    @probe.get("/open")
    def open_route():
        return {"ok": True}

    @probe.get("/boom")
    def boom():
        raise RuntimeError("secret internals: password=hunter2")

    @probe.get("/deep")
    def deep():
        # What a library does with a JWT header nested 50,000 levels deep.
        import json
        return json.loads("[" * 50_000 + "]" * 50_000)

    @probe.get("/query")
    def bad_query():
        raise BadRequest("since must be an ISO 8601 timestamp", parameter="since")

    @probe.get("/log")
    def log_something():
        probe_log.warning("probe log line")
        return {"ok": True}

    return probe


@pytest.fixture
def probe_app(app):
    """The test app plus probe routes (registered before its first request)."""
    app.register_blueprint(_probe_blueprint())
    return app


@pytest.fixture
def probe_client(probe_app):
    return probe_app.test_client()


@pytest.fixture
def log_output(app) -> io.StringIO:
    """What the hub's configured log handler writes, instead of stderr."""
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "stderr")
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    yield buffer
    handler.setStream(previous)
