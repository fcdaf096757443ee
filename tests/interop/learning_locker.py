"""Learning Locker's xAPI statements service (npm `xapi-statements`), run on loopback as an
independent LRS for the connectors' interoperability trial (tests/interop, opt-in).

The package is installed with npm into a cache directory outside the repository
(`HUB_TEST_INTEROP_CACHE`, default ~/.cache/berpijar-interop) and started with its own
configuration variables (its dist/config.js):

- `MODELS_REPO=memory`, `STORAGE_REPO=local`: statements in memory, attachments as files
  (MongoDB is not needed, and each start is an empty LRS);
- `EVENTS_REPO=test`: no Redis publishing of new statements;
- `AUTH_REPO=fetch`: the service asks `LL_CLIENT_INFO_ENDPOINT` who a request's
  `Authorization` header is, as it asks the Learning Locker application in a full
  install, where clients (Basic key and secret, scopes, authority) live in MongoDB.
  Here `ClientRegistry`, a small HTTP server in the test process, plays that part with
  one client.

`unavailable()` says why it cannot run (no node or npm, the install failed), so the trial
can be skipped with that reason rather than fail.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import requests

from tests.interop.services import stop, wait_until_up
from tests.xapi_attachments import multipart

PACKAGE, VERSION = "xapi-statements", "5.0.1"
XAPI_VERSION = "1.0.3"
INSTALL_TIMEOUT_SECONDS = 300
BOUNDARY = "berpijar-interop-boundary"

# The one client the registry knows: what a Learning Locker admin creates under
# "Settings > Clients" (key, secret, scopes, the authority statements are stored with).
CLIENT_KEY, CLIENT_SECRET = "berpijar-hub", "rahasia-learning-locker"
CLIENT_AUTHORITY = {"objectType": "Agent", "name": "Berpijar hub",
                    "mbox": "mailto:hub@berpijar.example"}


def cache_dir() -> Path:
    return Path(os.environ.get("HUB_TEST_INTEROP_CACHE",
                               Path.home() / ".cache" / "berpijar-interop"))


def service_entry() -> Path:
    return cache_dir() / "learning-locker" / "node_modules" / PACKAGE / "dist" / "index.js"


def unavailable() -> str | None:
    """None when the service can run (installing it first if need be), else why not."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        return "node and npm are needed to run Learning Locker's xapi-statements"
    place = service_entry().parents[3]
    place.mkdir(parents=True, exist_ok=True)
    # One install at a time: test workers (pytest-xdist) may all ask at once.
    with (place.parent / "learning-locker.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return None if service_entry().exists() else _install(place)


def _install(place: Path) -> str | None:
    try:
        done = subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--ignore-scripts",
             f"{PACKAGE}@{VERSION}"], cwd=place, capture_output=True, text=True,
            timeout=INSTALL_TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        return f"npm install {PACKAGE}@{VERSION} took over {INSTALL_TIMEOUT_SECONDS} s"
    if done.returncode != 0 or not service_entry().exists():
        tail = " ".join((done.stderr or done.stdout).split())[-300:]
        return f"npm install {PACKAGE}@{VERSION} failed ({done.returncode}): {tail}"
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- the client registry (Learning Locker's client-info endpoint) --------------------
class ClientRegistry:
    """Answers the service's `GET <LL_CLIENT_INFO_ENDPOINT>` with the client whose Basic
    credential the request carried, or 404 (the service then answers 401)."""

    def __init__(self) -> None:
        pair = f"{CLIENT_KEY}:{CLIENT_SECRET}".encode()
        expected = "Basic " + base64.b64encode(pair).decode()
        client = {"_id": "65f000000000000000000001", "title": "Berpijar hub",
                  "authority": CLIENT_AUTHORITY, "isTrusted": True,
                  "lrs_id": "65f000000000000000000002",
                  "organisation": "65f000000000000000000003", "scopes": ["all"]}

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                known = self.headers.get("Authorization") == expected
                body = json.dumps(client).encode() if known else b"{}"
                self.send_response(200 if known else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_port}/auth"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        daemon=True, name="ll-client-registry")
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


# --- the service -----------------------------------------------------------------------
class LearningLocker:
    """A running xapi-statements process with an empty in-memory LRS; `endpoint` is its
    xAPI base (`/xAPI`, as the service spells it), `key`/`secret` its client's."""

    def __init__(self, workdir: Path) -> None:
        self.key, self.secret, self.authority = CLIENT_KEY, CLIENT_SECRET, CLIENT_AUTHORITY
        self.storage = workdir / "storage"
        self.storage.mkdir(parents=True)
        self._registry = ClientRegistry()
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.endpoint = self.url + "/xAPI"
        self.log_path = workdir / "xapi-statements.log"
        environment = {
            "PATH": os.environ.get("PATH", ""), "HOME": str(workdir),
            "EXPRESS_PORT": str(port), "MODELS_REPO": "memory", "STORAGE_REPO": "local",
            "EVENTS_REPO": "test", "AUTH_REPO": "fetch",
            "LL_CLIENT_INFO_ENDPOINT": self._registry.url,
            "FS_LOCAL_STORAGE_DIR": str(self.storage),
            "EXPRESS_MORGAN_DIRECTORY": str(workdir / "access-logs"),
            "WINSTON_CONSOLE_LEVEL": "warning",
        }
        with self.log_path.open("wb") as log:
            # cwd: the service reads a .env there (dotenv); the work dir has none.
            self._process = subprocess.Popen(["node", str(service_entry())], cwd=workdir,
                                             env=environment, stdout=log,
                                             stderr=subprocess.STDOUT)
        wait_until_up(self._process, self.log_path, self.endpoint + "/about", "xapi-statements",
                      on_failure=self.close)

    def close(self) -> None:
        stop(self._process)
        self._registry.close()

    # --- talking to it with plain requests (not the client under test) ----------------
    def _headers(self, **extra: str) -> dict[str, str]:
        pair = f"{self.key}:{self.secret}".encode()
        return {"Authorization": "Basic " + base64.b64encode(pair).decode(),
                "X-Experience-API-Version": XAPI_VERSION, **extra}

    def get(self, path: str = "/statements", params: Mapping[str, str] | None = None
            ) -> requests.Response:
        return requests.get(self.endpoint + path, params=params, headers=self._headers(),
                            timeout=10)

    def statement(self, statement_id: str, *, voided: bool = False) -> dict[str, Any] | None:
        name = "voidedStatementId" if voided else "statementId"
        response = self.get(params={name: statement_id, "format": "exact"})
        if response.status_code == 404:
            return None
        response.raise_for_status()
        found: dict[str, Any] = response.json()
        return found

    def all_statements(self) -> list[dict[str, Any]]:
        """Every statement it shows (voided ones not), following `more`, oldest first."""
        response = self.get(params={"ascending": "true", "format": "exact", "limit": "500"})
        response.raise_for_status()
        page = response.json()
        found = list(page["statements"])
        while page.get("more"):
            response = requests.get(self.url + page["more"], headers=self._headers(),
                                    timeout=10)
            response.raise_for_status()
            page = response.json()
            found += page["statements"]
        return found

    def attachment_file(self, sha2: str, wait_seconds: float = 5.0) -> bytes | None:
        """The content it keeps for an attachment, as it keeps it on disk (written after
        it answered the POST, so give it a moment)."""
        deadline, seen = time.monotonic() + wait_seconds, None
        while time.monotonic() < deadline:
            content = next((p.read_bytes() for p in self.storage.rglob(f"{sha2}*")), None)
            if content and content == seen:  # written, and no longer growing
                return content
            seen = content
            time.sleep(0.1)
        return seen

    def post(self, statements: list[dict[str, Any]],
             attachments: Sequence[tuple[str, bytes, str]] = ()) -> list[str]:
        """POST statements, with attachments (content type, content, sha2) as
        multipart/mixed."""
        body, content_type = json.dumps(statements).encode(), "application/json"
        if attachments:
            # Unquoted: the service keeps the quotes of a quoted boundary as part of it.
            body, quoted = multipart(statements, attachments, boundary=BOUNDARY)
            content_type = quoted.replace(f'"{BOUNDARY}"', BOUNDARY)
        response = requests.post(self.endpoint + "/statements", data=body,
                                 headers=self._headers(**{"Content-Type": content_type}),
                                 timeout=10)
        assert response.status_code == 200, response.text
        ids: list[str] = response.json()
        return ids
