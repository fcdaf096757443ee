"""The production command, for real: migrate, then gunicorn with two workers."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def production_env(tmp_path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    port = free_port()
    env.update(HUB_ENV="production", HUB_SECRET_KEY="p" * 48,
               HUB_KEY_ENCRYPTION_KEYS=Fernet.generate_key().decode(), HUB_WORKERS="2",
               HUB_DATABASE_URL=f"sqlite:///{tmp_path / 'hub.sqlite3'}",
               HUB_BIND=f"127.0.0.1:{port}", HUB_PUBLIC_URL=f"http://127.0.0.1:{port}")
    return env


def wait_for_health(base: str, server: subprocess.Popen, deadline: float) -> None:
    while time.monotonic() < deadline:
        assert server.poll() is None, "gunicorn exited early"
        try:
            if requests.get(f"{base}/health", timeout=2).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):  # workers still booting
            pass
        time.sleep(0.1)
    pytest.fail("gunicorn did not answer /health in time")


@pytest.mark.slow
def test_gunicorn_serves_the_hub_with_two_workers_and_json_logs(production_env, tmp_path):
    migrate = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
                             cwd=ROOT, env=production_env, capture_output=True, text=True,
                             timeout=60)
    assert migrate.returncode == 0, migrate.stderr
    base = "http://" + production_env["HUB_BIND"]
    stderr = (tmp_path / "gunicorn.stderr").open("w+")
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                               "wsgi:app"], cwd=ROOT, env=production_env,
                              stdout=subprocess.DEVNULL, stderr=stderr)
    try:
        wait_for_health(base, server, time.monotonic() + 30)  # a loaded CI box boots slowly
        about = requests.get(f"{base}/xapi/about", headers={"X-Request-ID": "gunicorn-1"},
                             timeout=2)
        assert about.status_code == 200
        assert about.json()["version"] == ["1.0.3", "2.0.0"]
        assert about.headers["X-Experience-API-Version"] == "2.0.0"
        assert about.headers["X-Request-ID"] == "gunicorn-1"
        generated = requests.get(f"{base}/health", timeout=2).headers["X-Request-ID"]
        assert len(generated) == 32
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)
    assert server.returncode == 0
    stderr.seek(0)
    records = [json.loads(line) for line in stderr.read().splitlines() if line.strip()]
    booted = {r["message"] for r in records if r["message"].startswith("Booting worker")}
    assert len(booted) == 2
    [access] = [r for r in records if r.get("request_id") == "gunicorn-1"]
    assert (access["logger"], access["path"], access["status"]) == (
        "gunicorn.access", "/xapi/about", 200)
