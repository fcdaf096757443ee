"""The hub's HTTP client to another xAPI LRS: a destination statements are forwarded to,
or a source they are pulled from (issue 15).

Every failure reaches the caller as one of three exceptions it can act on, never as a
`requests` exception:

- `Retry`: try the same request again later.  Connection refused or dropped, timeouts,
  408/425/429, 5xx, and 413 with `Retry-After`; `after_seconds` is the partner's
  `Retry-After` (RFC 9110 §10.2.3) when it sent one.  `InvalidAnswer` is a `Retry`: the
  partner answered 2xx with something that is not an xAPI answer (not JSON, a `more` link
  to another origin).  A page's attachment whose content does not match its hash fails
  only its statements: it is left out and named in `StatementsPage.spoiled`.
- `Refused`: the partner refused this request for good (400, 403, 404, 409, 413, a
  redirect...): sent again unchanged it will be refused again.
- `AuthFailed`: the credential is not accepted (401 with Basic; 401 again after one fresh
  OAuth 2 token; the token endpoint refusing the client).

Redirects are not followed: a POST would turn into a GET, and credentials would travel
to wherever the partner points.  Register the endpoint the partner really answers on.

One `RemoteLrs` per loop: its `requests.Session` keeps connections to the partner open
between batches.  The read timeout bounds each wait for bytes, not a whole answer.
"""

from __future__ import annotations

import base64
import email.message
import email.parser
import email.policy
import hashlib
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Literal
from urllib.parse import quote_plus, urljoin, urlsplit

import requests
from requests.auth import AuthBase

from hub.storage.json_codec import dumps, loads
from lrs.service import Attachment

VERSIONS = ("1.0.3", "2.0.0")
USER_AGENT = "Berpijar-Hub-Connectors/1.0"
EXCERPT_CHARS = 500
# Statuses worth sending again as they are: the partner was busy, slow or broken for now.
RETRY_STATUSES = frozenset({408, 425, 429})
# xAPI attachments name their content by a SHA-2 hash, told apart by its length.
_HASHES = {64: hashlib.sha256, 96: hashlib.sha384, 128: hashlib.sha512}


# --- what can go wrong ---------------------------------------------------------
class LrsError(Exception):
    """Talking to a partner LRS failed; the subclass says what the caller can do."""


class Retry(LrsError):
    """Send the same request again later: after `after_seconds` when the partner said so
    (Retry-After), else after a backoff of the caller's choosing (`retry_delay`)."""

    def __init__(self, after_seconds: float | None, reason: str, status: int | None = None
                 ) -> None:
        super().__init__(reason)
        self.after_seconds = after_seconds
        self.reason = reason
        self.status = status  # None when no answer came (connection, timeout)


class InvalidAnswer(Retry):
    """A 2xx that is not the xAPI answer asked for; the partner may answer well later."""

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(None, reason, status)


class Refused(LrsError):
    """The partner refused the request for good; `body_excerpt` is its answer, cut short."""

    def __init__(self, status: int, body_excerpt: str) -> None:
        super().__init__(f"refused with {status}: {body_excerpt}")
        self.status = status
        self.body_excerpt = body_excerpt


class AuthFailed(LrsError):
    """The partner does not accept the credential (after one fresh OAuth 2 token)."""

    def __init__(self, reason: str, status: int | None = None, body_excerpt: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.body_excerpt = body_excerpt


# --- how we authenticate -------------------------------------------------------
@dataclass(frozen=True)
class BasicAuth:
    username: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class OAuth2ClientCredentials:
    """RFC 6749 §4.4.  `client_auth="basic"` (HTTP Basic, which every authorization server
    must accept, §2.3.1) or `"post"` (client_id and client_secret in the form)."""

    token_url: str
    client_id: str
    client_secret: str = field(repr=False)
    scope: str | None = None
    client_auth: Literal["basic", "post"] = "basic"


Auth = BasicAuth | OAuth2ClientCredentials


class _Header(AuthBase):
    """Sets Authorization itself, so requests never swaps in a ~/.netrc entry."""

    def __init__(self, value: str) -> None:
        self.value = value

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = self.value
        return request


class _NoAuth(AuthBase):
    """No Authorization at all (and no ~/.netrc entry either)."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        return request


def _basic(username: str, password: str) -> _Header:
    # RFC 7617 §2.1: UTF-8, so names outside Latin-1 work too.
    pair = f"{username}:{password}".encode()
    return _Header("Basic " + base64.b64encode(pair).decode("ascii"))


@dataclass
class _Token:
    value: str
    refresh_at: float | None  # on the client's clock; None: until the partner refuses it


def _refresh_margin(expires_in: float) -> float:
    # Fetch a new token shortly before expiry: a tenth of its life, at most a minute.
    return min(60.0, expires_in / 10)


# --- what goes over the wire ---------------------------------------------------
# An attachment's content as it travels: the LRS's own record (sha2, content type, bytes).
AttachmentLike = Attachment


@dataclass(frozen=True)
class StatementsPage:
    statements: list[dict[str, Any]]
    more: str | None  # absolute URL of the next page, for `get_more`; None on the last
    attachments: dict[str, Attachment] = field(default_factory=dict)  # by sha2
    consistent_through: str | None = None  # X-Experience-API-Consistent-Through
    # Parts whose content does not match their X-Experience-API-Hash, by the hash they
    # declared: why.  Their statements cannot be taken with them; the rest of the page can.
    spoiled: dict[str, str] = field(default_factory=dict)


# --- the client ----------------------------------------------------------------
class RemoteLrs:
    """An xAPI LRS at `endpoint` (its base IRL, such as https://lrs.example/xapi)."""

    def __init__(self, endpoint: str, version: str, auth: Auth, *,
                 connect_timeout: float = 5.0, read_timeout: float = 30.0,
                 session: requests.Session | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if version not in VERSIONS:
            raise ValueError(f"xAPI version must be one of {', '.join(VERSIONS)}, not {version!r}")
        self.endpoint = _checked_url(endpoint, "endpoint").rstrip("/") + "/"
        if isinstance(auth, OAuth2ClientCredentials):
            _checked_url(auth.token_url, "token_url")
        self.version = version
        self.auth = auth
        self.timeout = (connect_timeout, read_timeout)
        self._session = session or requests.Session()
        self._session.headers["User-Agent"] = USER_AGENT
        self._clock = clock
        self._token: _Token | None = None
        self._token_lock = threading.Lock()
        self.token_fetches = 0  # for status pages and tests

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> RemoteLrs:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- xAPI resources ----------------------------------------------------------
    def about(self) -> dict[str, Any]:
        """GET about: the versions the partner speaks (a cheap "can we reach it?")."""
        answer = _json_of(self._send("GET", self._url("about")))
        if not isinstance(answer, dict):
            raise InvalidAnswer("GET about did not answer a JSON object")
        return answer

    def post_statements(self, statements: Sequence[dict[str, Any]],
                        attachments: Iterable[AttachmentLike] = ()) -> list[str]:
        """POST statements (with their attachments' content as multipart/mixed, xAPI 1.0.3
        Communication 1.5.2); the ids the partner stored them under."""
        body = dumps(list(statements)).encode()
        parts = list(attachments)
        content_type = "application/json"
        if parts:
            body, content_type = multipart_body(body, parts)
        response = self._send("POST", self._url("statements"), data=body,
                              headers={"Content-Type": content_type})
        if response.status_code == 204:
            # Not xAPI (1.0.3 Communication 2.1.2: 200 with the ids), but Ralph's answer
            # when it held every statement already: accepted all the same.
            return []
        ids = _json_of(response)
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise InvalidAnswer("POST statements did not answer a JSON array of ids",
                                response.status_code)
        return ids

    def get_statements(self, since: str | None = None, *, ascending: bool = True,
                       limit: int | None = None, attachments: bool = False,
                       until: str | None = None, statement_format: str = "exact",
                       filters: Mapping[str, str] | None = None) -> StatementsPage:
        """One page of GET statements; `filters` are further query parameters (verb,
        activity, agent as JSON...).  `exact` keeps statements as the partner stores them."""
        params: dict[str, str] = {**(filters or {}), "format": statement_format,
                                  "ascending": _flag(ascending), "attachments": _flag(attachments)}
        if since is not None:
            params["since"] = since
        if until is not None:
            params["until"] = until
        if limit is not None:
            params["limit"] = str(limit)
        return self._page(self._send("GET", self._url("statements"), params=params))

    def get_more(self, more_url: str) -> StatementsPage:
        """The next page after one whose `more` was `more_url` (as the page gives it, or as
        the partner sent it)."""
        return self._page(self._send("GET", self.resolve_more(more_url)))

    def resolve_more(self, more: str) -> str:
        """xAPI 1.0.3 Data 2.5 (StatementResult): `more` is a relative IRL with the full
        path, resolved against the LRS's scheme, host and port; absolute ones are taken as
        they are, but only on the endpoint's origin, where our credentials belong."""
        url = urljoin(self.endpoint, more)
        if _origin(url) != _origin(self.endpoint):
            raise InvalidAnswer(f"`more` leads to another origin ({_origin(url)}); "
                                "credentials are only sent to the endpoint's")
        return url

    # --- one exchange --------------------------------------------------------------
    def _url(self, resource: str) -> str:
        return self.endpoint + resource

    def _send(self, method: str, url: str, *, params: Mapping[str, str] | None = None,
              data: bytes | None = None, headers: Mapping[str, str] | None = None
              ) -> requests.Response:
        sent = {"X-Experience-API-Version": self.version, **(headers or {})}
        if isinstance(self.auth, BasicAuth):
            response = self._http(method, url, params=params, data=data, headers=sent,
                                  auth=_basic(self.auth.username, self.auth.password))
            if response.status_code == 401:
                raise _auth_failed(method, url, response)
            _check(method, url, response)
            return response
        token = self._bearer()
        response = self._http(method, url, params=params, data=data, headers=sent,
                              auth=_Header("Bearer " + token))
        if response.status_code == 401:  # revoked or expired early: one fresh token
            self._forget(token)
            response = self._http(method, url, params=params, data=data, headers=sent,
                                  auth=_Header("Bearer " + self._bearer()))
            if response.status_code == 401:
                raise _auth_failed(method, url, response, after_fresh_token=True)
        _check(method, url, response)
        return response

    def _http(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        try:
            return self._session.request(method, url, timeout=self.timeout,
                                         allow_redirects=False, **kwargs)
        except requests.Timeout as exc:  # connect or read
            raise Retry(None, f"{method} {_path(url)}: timed out ({type(exc).__name__})") from exc
        except requests.ConnectionError as exc:  # refused, reset, dropped without an answer
            raise Retry(None, f"{method} {_path(url)}: connection failed "
                              f"({_innermost(exc)})") from exc
        except requests.RequestException as exc:  # a broken answer (chunking, decoding)
            raise Retry(None, f"{method} {_path(url)}: {type(exc).__name__} "
                              f"({_innermost(exc)})") from exc

    def _page(self, response: requests.Response) -> StatementsPage:
        content_type = response.headers.get("Content-Type", "")
        attachments: dict[str, Attachment] = {}
        spoiled: dict[str, str] = {}
        if content_type.lower().startswith("multipart/"):
            body, attachments = parse_multipart(content_type, response.content,
                                                spoiled=spoiled)
        else:
            body = _json_of(response)
        if not isinstance(body, dict) or not isinstance(body.get("statements"), list):
            raise InvalidAnswer("GET statements did not answer a StatementResult object",
                                response.status_code)
        statements = body["statements"]
        if not all(isinstance(s, dict) for s in statements):
            raise InvalidAnswer("GET statements answered a non-object in `statements`",
                                response.status_code)
        more = body.get("more")
        if more is not None and not isinstance(more, str):
            raise InvalidAnswer("`more` is not a string", response.status_code)
        return StatementsPage(
            statements=statements, more=self.resolve_more(more) if more else None,
            attachments=attachments, spoiled=spoiled,
            consistent_through=response.headers.get("X-Experience-API-Consistent-Through"))

    # --- OAuth 2 tokens --------------------------------------------------------------
    def _bearer(self) -> str:
        with self._token_lock:
            token = self._token
            if token is None or (token.refresh_at is not None
                                 and self._clock() >= token.refresh_at):
                token = self._token = self._fetch_token()
            return token.value

    def _forget(self, value: str) -> None:
        with self._token_lock:
            if self._token is not None and self._token.value == value:
                self._token = None

    def _fetch_token(self) -> _Token:
        auth = self.auth
        assert isinstance(auth, OAuth2ClientCredentials)
        form = {"grant_type": "client_credentials"}
        if auth.scope:
            form["scope"] = auth.scope
        client: AuthBase = _NoAuth()
        if auth.client_auth == "basic":
            # RFC 6749 §2.3.1: form-urlencoded first, then Basic.
            client = _basic(quote_plus(auth.client_id), quote_plus(auth.client_secret))
        else:
            form |= {"client_id": auth.client_id, "client_secret": auth.client_secret}
        asked_at = self._clock()
        self.token_fetches += 1
        response = self._http("POST", auth.token_url, data=form, auth=client,
                              headers={"Accept": "application/json"})
        if response.status_code in (400, 401, 403):  # RFC 6749 §5.2: invalid_client, ...
            raise AuthFailed(f"the token endpoint refused the client ({response.status_code})",
                             response.status_code, _excerpt(response))
        _check("POST", auth.token_url, response)
        answer = _json_of(response)
        value = answer.get("access_token") if isinstance(answer, dict) else None
        if not isinstance(value, str) or not value:
            raise InvalidAnswer("the token endpoint answered no access_token",
                                response.status_code)
        kind = answer.get("token_type", "Bearer")
        if not isinstance(kind, str) or kind.lower() != "bearer":
            raise AuthFailed(f"the token endpoint gave a {kind!r} token; only Bearer is "
                             "supported", response.status_code)
        return _Token(value, _refresh_at(asked_at, answer.get("expires_in")))


def _refresh_at(asked_at: float, expires_in: Any) -> float | None:
    try:
        seconds = float(expires_in)  # a number; some servers send it as a string
    except (TypeError, ValueError):
        return None
    return asked_at + seconds - _refresh_margin(seconds) if seconds > 0 else None


# --- answers ---------------------------------------------------------------------
def _check(method: str, url: str, response: requests.Response) -> None:
    """Nothing for a 2xx; else the exception that says what the caller can do."""
    status = response.status_code
    if 200 <= status < 300:
        return
    excerpt = _excerpt(response)
    after = retry_after_seconds(response.headers.get("Retry-After"))
    if status >= 500 or status in RETRY_STATUSES:
        raise Retry(after, f"{method} {_path(url)}: {status} {excerpt}".rstrip(), status)
    if status == 413 and after is not None:
        # RFC 9110 §15.5.14: a temporary condition comes with Retry-After.
        raise Retry(after, f"{method} {_path(url)}: 413 for now ({excerpt})", status)
    if 300 <= status < 400:
        excerpt = f"redirect to {response.headers.get('Location', '?')} (not followed)"
    raise Refused(status, excerpt)


def _auth_failed(method: str, url: str, response: requests.Response, *,
                 after_fresh_token: bool = False) -> AuthFailed:
    when = " with a fresh token" if after_fresh_token else ""
    return AuthFailed(f"{method} {_path(url)}: 401{when}", 401, _excerpt(response))


def _json_of(response: requests.Response) -> Any:
    try:
        return loads(response.content)
    except ValueError:  # JSONDecodeError, or bytes that are not UTF-8
        raise InvalidAnswer(f"the answer to {response.request.method} "
                            f"{_path(response.url)} is not JSON", response.status_code) from None


def _excerpt(response: requests.Response) -> str:
    text = response.content[:EXCERPT_CHARS * 4].decode("utf-8", "replace")
    return " ".join(text.split())[:EXCERPT_CHARS]


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """RFC 9110 §10.2.3: Retry-After is delay-seconds or an HTTP-date; None when absent or
    unreadable.  A date in the past is 0."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000" parses naive; HTTP-dates are GMT
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


# --- multipart/mixed (xAPI 1.0.3 Communication 1.5.2, Data 2.4.11) ---------------
def multipart_body(statements_json: bytes, attachments: Iterable[AttachmentLike]
                   ) -> tuple[bytes, str]:
    """The JSON first, then each attachment once (by sha2) as a binary part with its hash."""
    unique = {a.sha2.lower(): a for a in attachments}
    for attachment in unique.values():
        if not attachment.content_type.isprintable() or not attachment.content_type.isascii():
            raise ValueError(f"attachment {attachment.sha2}: content type "
                             f"{attachment.content_type!r} cannot be a header")
    boundary = uuid.uuid4().hex
    while any(boundary.encode() in a.content for a in unique.values()):
        boundary = uuid.uuid4().hex  # practically never: 122 random bits
    chunks = [f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode(),
              statements_json]
    for sha2, attachment in unique.items():
        chunks.append(f"\r\n--{boundary}\r\nContent-Type: {attachment.content_type}\r\n"
                      f"Content-Transfer-Encoding: binary\r\n"
                      f"X-Experience-API-Hash: {sha2}\r\n\r\n".encode())
        chunks.append(attachment.content)
    chunks.append(f"\r\n--{boundary}--\r\n".encode())
    # Unquoted: a hex UUID is a token, and some parsers keep quotes in the boundary.
    return b"".join(chunks), f"multipart/mixed; boundary={boundary}"


def parse_multipart(content_type: str, body: bytes, *, spoiled: dict[str, str] | None = None
                    ) -> tuple[Any, dict[str, Attachment]]:
    """The JSON of the first part and the attachments of the others, each checked against
    its X-Experience-API-Hash.  A part that does not match is an InvalidAnswer, or, with
    `spoiled`, left out and noted there (declared hash: why)."""
    head = b"Content-Type: " + content_type.encode("latin-1", "replace") + b"\r\n\r\n"
    parser = email.parser.BytesParser(policy=email.policy.HTTP)
    boundary = parser.parsebytes(head, headersonly=True).get_boundary()
    if boundary is not None:
        body = _with_close_delimiter_on_its_line(body, boundary)
    message = parser.parsebytes(head + body)
    parts = list(message.iter_parts()) if message.is_multipart() else []
    if not parts:
        raise InvalidAnswer("a multipart/mixed answer without parts")
    if parts[0].get_content_type() != "application/json":
        raise InvalidAnswer("the first part of a multipart/mixed answer is not "
                            "application/json (xAPI 1.0.3 Communication 1.5.2)")
    try:
        statements = loads(_part_bytes(parts[0]))
    except ValueError:
        raise InvalidAnswer("the first part of a multipart/mixed answer is not JSON") from None
    attachments: dict[str, Attachment] = {}
    for number, part in enumerate(parts[1:], start=2):
        declared = str(part.get("X-Experience-API-Hash") or "").strip().lower()
        content = _matching_content(_part_bytes(part), declared)
        if content is None:
            reason = (f"part {number}: X-Experience-API-Hash {declared or '(none)'} "
                      "does not match its content")
            if spoiled is None:
                raise InvalidAnswer(reason)
            spoiled[declared] = reason
            continue
        attachments[declared] = Attachment(declared, part.get_content_type(), content)
    return statements, attachments


def _with_close_delimiter_on_its_line(body: bytes, boundary: str) -> bytes:
    """RFC 2046 §5.1.1: the close delimiter is CRLF "--" boundary "--".  Learning Locker's
    xapi-statements 5.0.1 writes it straight after the last part's content; without the
    CRLF a MIME parser reads "--boundary--" as part of that content."""
    close = b"--" + boundary.encode("latin-1", "replace") + b"--"
    trimmed = body.rstrip(b"\r\n \t")
    if trimmed.endswith(close) and not trimmed[:-len(close)].endswith(b"\n"):
        return trimmed[:-len(close)] + b"\r\n" + close + b"\r\n"
    return body


def _matching_content(content: bytes, declared: str) -> bytes | None:
    """The part's content when it matches the declared hash, else None.  Learning
    Locker's xapi-statements 5.0.1 ends every part but the last with one CRLF too many
    (RFC 2046 §5.1.1: the CRLF before a delimiter belongs to the delimiter); the content
    without it is taken only when that is what the hash names."""
    algorithm = _HASHES.get(len(declared))
    if algorithm is None:
        return None
    if algorithm(content).hexdigest() == declared:
        return content
    if content.endswith(b"\r\n") and algorithm(content[:-2]).hexdigest() == declared:
        return content[:-2]
    return None


def _part_bytes(part: email.message.Message) -> bytes:
    payload = part.get_payload(decode=True)  # bytes for a leaf part
    return payload if isinstance(payload, bytes) else b""


# --- retrying --------------------------------------------------------------------
def backoff(attempt: int, base: float = 1.0, cap: float = 300.0,
            rng: random.Random | None = None) -> float:
    """"Full jitter" (AWS Architecture Blog, "Exponential Backoff And Jitter"): uniform
    between 0 and min(cap, base * 2**attempt), so many clients that failed together do
    not come back together.  `attempt` counts from 0."""
    if attempt < 0:
        raise ValueError("attempt counts from 0")
    ceiling = min(cap, base * 2.0 ** min(attempt, 64))
    return (rng or random).uniform(0.0, ceiling)


def retry_delay(error: Retry, attempt: int, base: float = 1.0, cap: float = 300.0,
                rng: random.Random | None = None) -> float:
    """The partner's Retry-After when it gave one, else `backoff`."""
    if error.after_seconds is not None:
        return error.after_seconds
    return backoff(attempt, base, cap, rng)


# --- small helpers ---------------------------------------------------------------
def _checked_url(url: str, name: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{name} must be an http(s) URL, not {url!r}")
    if parts.username is not None or parts.password is not None:
        raise ValueError(f"{name} must not carry credentials; give them as auth")
    try:
        parts.port  # noqa: B018 (urlsplit checks the port only when asked)
    except ValueError:
        raise ValueError(f"{name} has an invalid port: {url!r}") from None
    if parts.query or parts.fragment:
        raise ValueError(f"{name} must have no query or fragment")
    return url


def _origin(url: str) -> str:
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return f"{parts.scheme}://{(parts.hostname or '').lower()}:{port}"


def _path(url: str) -> str:
    # Reasons name the resource, not the query: a `more` token or filters can be long.
    return urlsplit(url).path or "/"


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _innermost(exc: BaseException) -> str:
    """The root cause's name and words ("RemoteDisconnected: ..."), not urllib3's wrapping
    (requests' exception holds urllib3's, whose `reason` or first argument is the cause)."""
    for _ in range(10):
        candidates = (getattr(exc, "reason", None), *exc.args, exc.__cause__)
        inner = next((c for c in candidates if isinstance(c, BaseException)), None)
        if inner is None:
            break
        exc = inner
    return f"{type(exc).__name__}: {exc}"[:200]
