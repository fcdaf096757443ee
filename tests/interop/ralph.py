"""Ralph 5.1.0 (PyPI `ralph-malph`, France Université Numérique's LRS), run on loopback as
a second independent LRS for the connectors' interoperability trial (opt-in).

It is installed with pip into a virtual environment of its own in the cache directory
(tests/interop/learning_locker.py `cache_dir`), never into the hub's, and started with
uvicorn and its own variables: `RALPH_RUNSERVER_BACKEND=fs` (its file-system backend:
Elasticsearch, MongoDB and ClickHouse are not on this machine) and `RALPH_AUTH_FILE`, the
JSON list of users it authenticates with HTTP Basic (username, bcrypt hash, scopes, the
agent it uses as authority).

Its file-system backend takes one write only: a second POST of new statements is a 500
("fs_lrs.jsonl already exists and overwrite is not allowed").  The trial is built around
that (one write per service), and docs/connectors.md says so.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import subprocess
import venv
from pathlib import Path
from typing import Any

import requests

from tests.interop.learning_locker import cache_dir, free_port
from tests.interop.services import stop, wait_until_up

PACKAGES = ("ralph-malph[lrs]==5.1.0", "requests")  # its `lrs` extra leaves out requests
INSTALL_TIMEOUT_SECONDS = 400
XAPI_VERSION = "1.0.3"
USER, SECRET = "berpijar-hub", "rahasia-ralph"
# bcrypt of SECRET (cost 4: the hash is only ever checked on loopback).
SECRET_HASH = "$2b$04$u9tY/3TJM6623tKIooYR0.dUGRFi5sPbUjlroEoP.F1FR8p6KGPY6"
AUTHORITY = {"objectType": "Agent", "name": "Berpijar hub", "mbox": "mailto:hub@berpijar.example"}


def _python() -> Path:
    return cache_dir() / "ralph" / "venv" / "bin" / "python"


def unavailable() -> str | None:
    """None when Ralph can run (installing it first if need be), else why not."""
    place = cache_dir() / "ralph"
    place.mkdir(parents=True, exist_ok=True)
    with (cache_dir() / "ralph.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (place / "installed").exists():
            return None
        venv.create(place / "venv", with_pip=True, clear=True)
        try:
            done = subprocess.run(
                [str(_python()), "-m", "pip", "install", "--quiet", *PACKAGES],
                capture_output=True, text=True, timeout=INSTALL_TIMEOUT_SECONDS, check=False)
        except subprocess.TimeoutExpired:
            return f"pip install {' '.join(PACKAGES)} took over {INSTALL_TIMEOUT_SECONDS} s"
        if done.returncode != 0:
            tail = " ".join((done.stderr or done.stdout).split())[-300:]
            return f"pip install {' '.join(PACKAGES)} failed ({done.returncode}): {tail}"
        (place / "installed").write_text(" ".join(PACKAGES))
    return None


class Ralph:
    """A running Ralph with an empty file-system LRS; `endpoint` is its xAPI base."""

    def __init__(self, workdir: Path) -> None:
        self.key, self.secret, self.authority = USER, SECRET, AUTHORITY
        workdir.mkdir(parents=True)
        auth_file = workdir / "auth.json"
        auth_file.write_text(json.dumps([{"username": USER, "hash": SECRET_HASH,
                                          "scopes": ["all"], "agent": AUTHORITY}]))
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.endpoint = self.url + "/xAPI"
        self.log_path = workdir / "ralph.log"
        environment = {
            "PATH": os.environ.get("PATH", ""), "HOME": str(workdir),
            "RALPH_APP_DIR": str(workdir / "app"), "RALPH_AUTH_FILE": str(auth_file),
            "RALPH_RUNSERVER_BACKEND": "fs",
            "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(workdir),
        }
        with self.log_path.open("wb") as log:
            self._process = subprocess.Popen(
                [str(_python()), "-m", "uvicorn", "ralph.api:app", "--host", "127.0.0.1",
                 "--port", str(port), "--log-level", "warning"],
                cwd=workdir, env=environment, stdout=log, stderr=subprocess.STDOUT)
        wait_until_up(self._process, self.log_path, self.url + "/__heartbeat__", "ralph",
                      on_failure=self.close)

    def close(self) -> None:
        stop(self._process)

    # --- talking to it with plain requests (not the client under test) ----------------
    def headers(self) -> dict[str, str]:
        pair = f"{self.key}:{self.secret}".encode()
        return {"Authorization": "Basic " + base64.b64encode(pair).decode(),
                "X-Experience-API-Version": XAPI_VERSION}

    def post(self, statements: list[dict[str, Any]]) -> requests.Response:
        return requests.post(self.endpoint + "/statements", json=statements,
                             headers=self.headers(), timeout=10)

    def all_statements(self) -> list[dict[str, Any]]:
        """Every statement it holds, following `more`."""
        response = requests.get(self.endpoint + "/statements", params={"limit": "500"},
                                headers=self.headers(), timeout=10)
        response.raise_for_status()
        page = response.json()
        found = list(page["statements"])
        while page.get("more"):
            response = requests.get(self.url + page["more"], headers=self.headers(),
                                    timeout=10)
            response.raise_for_status()
            page = response.json()
            found += page["statements"]
        return found
