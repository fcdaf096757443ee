"""Partners the connectors talk to, served on loopback by real HTTP servers in threads:

- `SecondHub`: another Berpijar hub (its own app, settings and SQLite file) to forward to
  and pull from;
- `FlakyPartner`: a programmable xAPI endpoint that records every request and answers
  from a script (500, 429/503 with Retry-After, a hang, a dropped connection), with an
  OAuth 2 client-credentials token endpoint beside it.
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import json
import os
import socket
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote_plus, urlsplit

import requests
from requests.structures import CaseInsensitiveDict
from werkzeug.serving import make_server

from hub.app import create_app
from hub.auth import issue_credential
from tests.conftest import TEST_KEY_ENCRYPTION_KEY, TEST_SECRET, basic_auth
from tests.xapi_attachments import multipart

XAPI_VERSION = "1.0.3"


def http_date(seconds_from_now: float) -> str:
    """An HTTP-date (RFC 9110 §5.6.7), such as a Retry-After naming a time."""
    when = datetime.now(UTC) + timedelta(seconds=seconds_from_now)
    return format_datetime(when, usegmt=True)


# --- a second hub ------------------------------------------------------------------
@contextmanager
def _without_hub_variables() -> Iterator[None]:
    """create_app reads HUB_* variables besides its overrides; the second hub is another
    deployment, so it sees none of the test process's (HUB_TEST_* are the suite's own)."""
    saved = {name: value for name, value in os.environ.items()
             if name.startswith("HUB_") and not name.startswith("HUB_TEST_")}
    for name in saved:
        del os.environ[name]
    try:
        yield
    finally:
        os.environ.update(saved)


class SecondHub:
    """A real hub on 127.0.0.1:<free port>, built by `create_app` from a configuration of
    its own (not the app under test's; `settings` by setting name, as create_app takes
    them), with a credential that reads and writes statements.  Its settings are its
    app's (`app.extensions["hub.settings"]`), so replacing one app's settings leaves the
    other's alone.  `close()` stops the server and releases the database."""

    __test__ = False

    def __init__(self, database_url: str, instance_path: Path, **settings: Any) -> None:
        # The port is known once the server is bound, and the app wants its public URL:
        # the server calls the app through self, set just below.
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self._server.block_on_close = False  # close() never waits on a kept-alive client
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self.endpoint = self.url + "/xapi"
        with _without_hub_variables():
            self.app = create_app({
                "env": "test", "secret_key": TEST_SECRET,
                "key_encryption_keys": (TEST_KEY_ENCRYPTION_KEY,),
                "database_url": database_url, "instance_path": str(instance_path),
                "public_url": self.url, "log_format": "text", "log_level": "WARNING",
                "auth_failure_delay_ms": 0, **settings,
            })
        self.key, self.secret = self.issue_credential("statements/write", "statements/read")
        # Each POST of statements waits `delay` seconds first (a slow destination) and is
        # noted as (start, end), to check that no two deliveries to it overlap.
        self.delay = 0.0
        self.posts: list[tuple[float, float]] = []
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        daemon=True, name="second-hub")
        self._thread.start()

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        posting = environ["REQUEST_METHOD"] == "POST" and \
            environ.get("PATH_INFO", "").endswith("/statements")
        if not posting:
            return self.app(environ, start_response)
        began = time.monotonic()
        if self.delay:
            time.sleep(self.delay)
        answer = list(self.app(environ, start_response))  # stored by now
        self.posts.append((began, time.monotonic()))
        return answer

    @property
    def storage(self) -> Any:
        return self.app.extensions["hub.storage"]

    @property
    def credential(self) -> tuple[str, str]:
        return self.key, self.secret

    def issue_credential(self, *scopes: str, name: str = "Hub utama") -> tuple[str, str]:
        issued = issue_credential(
            self.storage.credentials, name=name, owner="Hub kedua", scopes=scopes,
            authority_home_page=self.app.extensions["hub.settings"].authority_home_page)
        return issued.credential.key, issued.secret

    # --- what it holds ------------------------------------------------------------
    def stored(self) -> list[Any]:
        """Every statement it holds (voided ones too), in stored order (StoredStatement)."""
        found: list[Any] = []
        while batch := self.storage.statements.statements_after(
                found[-1].seq if found else 0, 1000):
            found += batch
        return found

    def count(self) -> int:
        """How many statements it holds, cheaply (SQLite numbers them without gaps)."""
        return self.storage.statements.max_statement_seq() or 0

    def statement_ids(self) -> list[str]:
        return [s.id for s in self.stored()]

    def statement(self, statement_id: str) -> dict[str, Any] | None:
        found = self.storage.statements.find_statements([statement_id]).get(statement_id)
        return None if found is None else found.document

    def attachment(self, sha2: str) -> bytes | None:
        found = self.storage.statements.get_attachments([sha2]).get(sha2)
        return None if found is None else found.content

    def seed(self, statements: list[dict[str, Any]],
             parts: Iterable[tuple[str, bytes, str]] = ()) -> list[str]:
        """Store statements through its own API with plain requests (not the client under
        test); `parts` are (content type, content, sha2) of attachments."""
        headers = {"Authorization": basic_auth(self.key, self.secret),
                   "X-Experience-API-Version": XAPI_VERSION}
        parts = list(parts)
        if parts:
            body, headers["Content-Type"] = multipart(statements, parts)
            response = requests.post(self.endpoint + "/statements", data=body,
                                     headers=headers, timeout=10)
        else:
            response = requests.post(self.endpoint + "/statements", json=statements,
                                     headers=headers, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    def close(self) -> None:
        self._server.shutdown()
        self._thread.join(5)
        self._server.server_close()
        self.storage.dispose()


# --- a scripted partner --------------------------------------------------------------
@dataclass(frozen=True)
class Recorded:
    """One request as the partner received it."""

    method: str
    target: str  # path and query, as sent
    headers: CaseInsensitiveDict[str]
    body: bytes
    at: float = field(default_factory=time.monotonic)

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, str]:
        return {name: values[-1] for name, values in parse_qs(urlsplit(self.target).query,
                                                              keep_blank_values=True).items()}

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return {name: values[-1] for name, values in parse_qs(self.body.decode()).items()}


@dataclass(frozen=True)
class _Plan:
    kind: str  # "answer", "hang" or "drop"
    status: int = 200
    body: Any = None  # None: what the partner answers by default for a 2xx, else nothing
    headers: Mapping[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    midway: bool = False  # drop after the status line and half the body


class FlakyPartner:
    """An xAPI endpoint at `endpoint` answering from a script, else like an LRS: POST
    statements answers 200 with their ids, GET statements an empty page, GET about its
    versions.  A bearer token it did not issue (or revoked) is a 401; Basic is accepted.

    The token endpoint at `token_url` grants client credentials (`client_id`,
    `client_secret`, Basic or in the form) tokens valid `token_expires_in` seconds."""

    __test__ = False

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.client_id = "hub-forwarder"
        self.client_secret = "rahasia-mitra-" + uuid.uuid4().hex
        self.token_expires_in: float | None = 3600
        self.tokens: set[str] = set()  # valid now
        self._plans: deque[_Plan] = deque()
        self._token_plans: deque[_Plan] = deque()
        self._lock = threading.Lock()
        self._released = threading.Event()  # ends every hang when the partner closes
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.block_on_close = False  # close() never waits on a kept-alive client
        self._server.partner = self  # type: ignore[attr-defined]
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self.endpoint = self.url + "/xapi"
        self.token_url = self.url + "/oauth/token"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        daemon=True, name="flaky-partner")
        self._thread.start()

    # --- the script ---------------------------------------------------------------
    def answer_next(self, status: int, body: Any = None,
                    headers: Mapping[str, str] | None = None) -> None:
        """The next xAPI request is answered so (bytes or str as they are, else JSON)."""
        self._plan(_Plan("answer", status, body, headers or {}))

    def hang_next(self, seconds: float) -> None:
        """The next xAPI request waits `seconds` before its usual answer."""
        self._plan(_Plan("hang", seconds=seconds))

    def drop_next(self, *, midway: bool = False) -> None:
        """The next xAPI request is read, then its connection closed without an answer
        (`midway`: after the status line, the headers and half the body)."""
        self._plan(_Plan("drop", midway=midway))

    def answer_token_next(self, status: int, body: Any = None,
                          headers: Mapping[str, str] | None = None) -> None:
        with self._lock:
            self._token_plans.append(_Plan("answer", status, body, headers or {}))

    def revoke_tokens(self) -> None:
        with self._lock:
            self.tokens.clear()

    def _plan(self, plan: _Plan) -> None:
        with self._lock:
            self._plans.append(plan)

    # --- what it saw --------------------------------------------------------------
    @property
    def xapi_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.path.startswith("/xapi/")]

    @property
    def token_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.path == "/oauth/token"]

    def close(self) -> None:
        self._released.set()
        self._server.shutdown()
        self._thread.join(5)
        self._server.server_close()

    # --- answering ----------------------------------------------------------------
    def _handle(self, handler: _Handler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        record = Recorded(handler.command, handler.path,
                          CaseInsensitiveDict(handler.headers.items()),
                          handler.rfile.read(length))
        with self._lock:
            self.requests.append(record)
            queue = self._token_plans if record.path == "/oauth/token" else self._plans
            plan = queue.popleft() if queue else _Plan("answer", body=None)
        if plan.kind == "drop":
            _drop(handler, midway=plan.midway)
            return
        if plan.kind == "hang":
            self._released.wait(plan.seconds)
        status, body, headers = self._answer(record, plan)
        _write(handler, status, body, headers)

    def _answer(self, record: Recorded, plan: _Plan) -> tuple[int, bytes, dict[str, str]]:
        headers = {"Content-Type": "application/json", "X-Experience-API-Version": XAPI_VERSION,
                   **plan.headers}
        if plan.body is not None or not 200 <= plan.status < 300:
            return plan.status, _encoded(plan.body), headers
        if record.path == "/oauth/token":
            return self._grant(record, headers)
        if record.headers.get("Authorization", "").startswith("Bearer "):
            with self._lock:
                known = record.headers["Authorization"][len("Bearer "):] in self.tokens
            if not known:
                return 401, _encoded({"error": "invalid_token"}), {
                    **headers, "WWW-Authenticate": 'Bearer error="invalid_token"'}
        return plan.status, _encoded(_default_answer(record)), headers

    def _grant(self, record: Recorded, headers: dict[str, str]
               ) -> tuple[int, bytes, dict[str, str]]:
        form = record.form()
        client = (form.get("client_id"), form.get("client_secret"))
        authorization = record.headers.get("Authorization", "")
        if authorization.startswith("Basic "):
            pair = base64.b64decode(authorization[len("Basic "):]).decode()
            name, _, secret = pair.partition(":")
            client = (unquote_plus(name), unquote_plus(secret))
        if form.get("grant_type") != "client_credentials":
            return 400, _encoded({"error": "unsupported_grant_type"}), headers
        if client != (self.client_id, self.client_secret):
            return 401, _encoded({"error": "invalid_client"}), {
                **headers, "WWW-Authenticate": 'Basic realm="partner"'}
        token = "token-" + uuid.uuid4().hex
        with self._lock:
            self.tokens.add(token)
        answer: dict[str, Any] = {"access_token": token, "token_type": "Bearer"}
        if self.token_expires_in is not None:
            answer["expires_in"] = self.token_expires_in
        if "scope" in form:
            answer["scope"] = form["scope"]
        return 200, _encoded(answer), {**headers, "Cache-Control": "no-store"}


def _default_answer(record: Recorded) -> Any:
    if record.method == "POST" and record.path == "/xapi/statements":
        statements = _posted_statements(record)
        statements = statements if isinstance(statements, list) else [statements]
        return [s.get("id") or str(uuid.uuid4()) for s in statements]
    if record.method == "GET" and record.path == "/xapi/statements":
        return {"statements": [], "more": ""}
    if record.method == "GET" and record.path == "/xapi/about":
        return {"version": ["1.0.3", "2.0.0"]}
    return {"error": "not found"}


def _posted_statements(record: Recorded) -> Any:
    content_type = record.headers.get("Content-Type", "")
    if not content_type.startswith("multipart/"):
        return record.json()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + record.body)
    first = next(message.iter_parts())
    return json.loads(first.get_payload(decode=True))


def _encoded(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode()
    return json.dumps(body).encode()


def _write(handler: _Handler, status: int, body: bytes, headers: Mapping[str, str]) -> None:
    try:
        handler.send_response(status)
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
    except OSError:  # the client gave up (a timeout test): nobody reads this answer
        handler.close_connection = True


def _drop(handler: _Handler, *, midway: bool) -> None:
    handler.close_connection = True
    try:
        if midway:
            body = json.dumps(["0" * 64]).encode()
            handler.send_response(200)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body[: len(body) // 2])
            handler.wfile.flush()
        handler.connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as LRSs do: a drop hits a reused connection
    timeout = 30  # an idle kept-alive connection ends its thread

    def do_GET(self) -> None:
        self.server.partner._handle(self)  # type: ignore[attr-defined]

    do_POST = do_PUT = do_DELETE = do_GET

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass
