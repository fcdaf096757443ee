"""HUB_TRANSCRIPTS_SYNC=follower: storing requests leave transcripts alone, and the
hub's worker process (`flask --app wsgi worker`, its `transcripts` loop) catches up."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from transcript_fixtures import SITI, learning, load_framework, load_roster, load_rules, siasn

from hub.app import open_hub_storage

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def app_config(app_config) -> dict:
    return {**app_config, "transcripts_sync": "follower"}


def cursor_of(database_url: str) -> int:
    storage = open_hub_storage(database_url)
    try:
        return storage.transcripts.feed_state().cursor
    finally:
        storage.dispose()


def wait_for(condition, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def test_in_follower_mode_a_post_leaves_transcripts_to_the_follower(app, send, partners,
                                                                    runner, database_url):
    load_framework(app)
    load_roster(app)
    load_rules(app)
    send(partners["akademi"], learning(siasn(SITI)))
    assert cursor_of(database_url) == 0  # nothing ran in the request
    assert "1 statements processed" in runner.invoke(args=["transcripts", "sync"]).output
    assert cursor_of(database_url) >= 1


def test_the_worker_keeps_transcripts_up_with_the_feed_and_stops_on_sigterm(
        app, send, partners, database_url):
    env = {**os.environ, "HUB_ENV": "test", "HUB_DATABASE_URL": database_url,
           "HUB_TRANSCRIPTS_SYNC": "follower", "HUB_LOG_LEVEL": "WARNING"}
    follower = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--only", "transcripts"],
        cwd=ROOT, env=env, stderr=subprocess.PIPE)
    try:
        first = send(partners["akademi"], learning(siasn(SITI)))
        assert wait_for(lambda: cursor_of(database_url) >= 1), "the follower took nothing in"
        send(partners["akademi"], learning(siasn(SITI), "https://akademi.example.id/kelas/2"))
        assert wait_for(lambda: cursor_of(database_url) >= 2), "it stopped following"
        assert first
    finally:
        follower.send_signal(signal.SIGTERM)
        code = follower.wait(timeout=20)
        stderr = follower.stderr.read().decode()
    assert code == 0, stderr
