"""Request ids (X-Request-ID) and JSON-lines logs that carry them."""

from __future__ import annotations

import json
import logging
import re

import pytest


@pytest.fixture
def engine() -> str:
    """Logging never touches storage; one engine is enough."""
    return "sqlite"


@pytest.fixture
def app_config(app_config) -> dict:
    return {**app_config, "log_format": "json", "log_level": "INFO"}


V = {"X-Experience-API-Version": "1.0.3"}


def test_a_well_formed_request_id_is_echoed(client):
    response = client.get("/health", headers={"X-Request-ID": "moodle-7f3a:42.b_c"})
    assert response.headers["X-Request-ID"] == "moodle-7f3a:42.b_c"


@pytest.mark.parametrize("incoming", ["has spaces", "x" * 129, "<script>", "ünïcode", ""],
                         ids=["spaces", "too-long", "markup", "non-ascii", "empty"])
def test_a_malformed_request_id_is_replaced(client, incoming):
    response = client.get("/health", headers={"X-Request-ID": incoming})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


def test_every_request_without_an_id_gets_a_fresh_one(client):
    ids = {client.get("/health").headers["X-Request-ID"] for _ in range(3)}
    assert len(ids) == 3


def test_error_responses_carry_the_request_id_too(client):
    response = client.get("/xapi/nowhere", headers={"X-Request-ID": "req-404"})
    assert response.status_code == 400  # no version header
    assert response.headers["X-Request-ID"] == "req-404"


def lines(log_output) -> list[dict]:
    return [json.loads(line) for line in log_output.getvalue().splitlines() if line]


def test_a_log_line_written_during_a_request_carries_its_id(probe_client, log_output):
    probe_client.get("/xapi/_probe/log", headers={**V, "X-Request-ID": "trace-me"})
    [record] = [r for r in lines(log_output) if r["message"] == "probe log line"]
    assert record["request_id"] == "trace-me"
    assert record["level"] == "WARNING"
    assert record["logger"] == "tests.probe"
    assert "time" in record


def test_log_lines_outside_a_request_have_no_id(app, log_output):
    logging.getLogger("tests.probe").warning("between requests")
    [record] = [r for r in lines(log_output) if r["message"] == "between requests"]
    assert record["request_id"] == "-"


def test_every_log_line_is_one_json_object(probe_client, log_output):
    probe_client.get("/xapi/_probe/log", headers=V)
    probe_client.get("/xapi/_probe/boom", headers=V)  # a traceback, too, stays on one line
    raw = [line for line in log_output.getvalue().splitlines() if line]
    assert len(raw) >= 2
    records = [json.loads(line) for line in raw]
    crash = next(r for r in records if r["message"] == "unhandled error")
    assert "RuntimeError" in crash["exc_info"]
