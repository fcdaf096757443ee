"""HUB_TRANSCRIPTS_SYNC=follower: storing requests leave transcripts alone, and the
follower process (`transcripts sync --follow`, started by gunicorn.conf.py) catches up."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from live_server import LiveHub
from transcript_fixtures import SITI, learning, load_framework, load_roster, load_rules, siasn

from hub.app import open_hub_storage
from hub.auth import issue_credential

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


def test_the_follower_process_keeps_up_with_the_feed_and_stops_on_sigterm(
        app, send, partners, database_url):
    env = {**os.environ, "HUB_ENV": "test", "HUB_DATABASE_URL": database_url,
           "HUB_TRANSCRIPTS_SYNC": "follower", "HUB_LOG_LEVEL": "WARNING"}
    follower = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "transcripts", "sync", "--follow",
         "--interval", "0.1"], cwd=ROOT, env=env, stderr=subprocess.PIPE)
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


@pytest.mark.slow
def test_gunicorn_starts_the_follower_and_stops_it_with_the_server(database_url):
    storage = open_hub_storage(database_url)
    issued = issue_credential(storage.credentials, name="Follower", owner="Test",
                              scopes=["all"], authority_home_page="https://hub.test/partners")
    storage.dispose()
    hub = LiveHub(database_url, workers=1, env={"HUB_TRANSCRIPTS_SYNC": "follower"})
    with hub:
        response = requests.post(f"{hub.url}/xapi/statements", json=learning(siasn(SITI)),
                                 headers={"X-Experience-API-Version": "1.0.3"},
                                 auth=(issued.credential.key, issued.secret), timeout=10)
        assert response.status_code == 200, response.text
        assert wait_for(lambda: cursor_of(database_url) >= 1), "no follower took it in"
        followers = _followers_of(hub.process.pid)
        assert len(followers) == 1
        hub.process.send_signal(signal.SIGTERM)  # a clean stop: gunicorn's on_exit runs
        hub.process.wait(timeout=30)
    assert wait_for(lambda: not Path(f"/proc/{followers[0]}").exists(), timeout=10), \
        "the follower outlived the server"


def _followers_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid and b"--follow" in cmdline:
            found.append(int(entry))
    return found
