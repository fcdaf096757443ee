"""Who is signed in to the auditor pages: a signed cookie naming a server-side session
(hub.sessions), CSRF tokens, and the check on every page that the session is still open
and the credential still holds the auditor role.

The cookie holds a random session id (never the key or the secret), a CSRF token and a
one-time notice; it is signed with the app's secret key (itsdangerous, as Flask's own
session), `HttpOnly`, `SameSite=Lax`, `Secure` over HTTPS, and scoped to /auditor.  The
session record and the credential are read again on every page, so signing out,
revocation and the idle timeout (HUB_SESSION_IDLE_SECONDS) end a session on every worker
at once.  A visitor who is not signed in also gets a cookie with a CSRF token, so the
sign-in form is protected too.  Failed sign-ins are throttled as HTTP Basic failures are
(hub.throttle), per key and per client address.
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from flask import Response, current_app, g, request
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.wrappers import Response as BaseResponse

from hub import sessions
from hub.auth import effective_scopes, verify
from hub.settings import current_settings
from hub.storage import current_storage
from hub.storage.contract import Credential
from hub.throttle import client_address, current_throttle
from transcripts.access import Reader, reader_for
from transcripts.storage import stores as transcript_stores

COOKIE = "hub_auditor_session"
LANGUAGE_COOKIE = "hub_auditor_lang"
PATH = "/auditor"
KIND = "auditor"  # the kind of hub.sessions record these pages keep
ROLE = "auditor"  # as the auditor API: transcripts.api._auditor
CSRF_FIELD = "csrf_token"


@dataclass(frozen=True)
class PageSession:
    csrf: str
    session_id: str | None = None  # the hub.sessions record of a signed-in auditor
    notice: str | None = None  # a one-time message for the next page (texts "notice.*")

    def as_dict(self) -> dict[str, Any]:
        return {"c": self.csrf, "i": self.session_id, "n": self.notice}


class SignInRequired(Exception):
    """The page needs a signed-in auditor; `notice` says why the visitor is sent away."""

    def __init__(self, notice: str) -> None:
        super().__init__(notice)
        self.notice = notice


class CsrfRefused(Exception):
    pass


class SignInRefused(Exception):
    def __init__(self, reason: str, status: int, retry_after: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason  # texts "sign_in.*"
        self.status = status
        self.headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}


def _path() -> str:
    """The cookies' path: these pages, under whatever prefix the hub is mounted at."""
    return request.script_root + PATH


def _now() -> float:
    return time.time()


def _instant() -> datetime:
    return datetime.fromtimestamp(_now(), UTC)


def _policy() -> sessions.SessionPolicy:
    return sessions.SessionPolicy.from_settings(current_settings())


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="transcripts.auditor-pages")


def _fresh() -> PageSession:
    return PageSession(csrf=secrets.token_urlsafe(24))


def _read_cookie() -> PageSession:
    raw = request.cookies.get(COOKIE)
    if not raw:
        return _fresh()
    try:
        data = _serializer().loads(raw)
        session_id = data.get("i")
        # A cookie of the earlier format (credential key and sign-in time) names no
        # server-side session: it is not signed in.
        return PageSession(csrf=str(data["c"]),
                           session_id=session_id if isinstance(session_id, str) else None,
                           notice=data.get("n"))
    except (BadSignature, KeyError, TypeError, ValueError):
        return _fresh()


def current() -> PageSession:
    if "auditor_page_session" not in g:
        g.auditor_page_session = _read_cookie()
        g.auditor_page_session_loaded = g.auditor_page_session
    return g.auditor_page_session


def _replace(session: PageSession) -> PageSession:
    g.auditor_page_session = session
    return session


def set_notice(notice: str) -> None:
    _replace(replace(current(), notice=notice))


def pop_notice() -> str | None:
    session = current()
    if session.notice:
        _replace(replace(session, notice=None))
    return session.notice


def save(response: Response) -> Response:
    """Write the cookie when the session changed (or was just made) in this request."""
    if "auditor_page_session" not in g:
        return response
    session = g.auditor_page_session
    if request.cookies.get(COOKIE) and session is g.auditor_page_session_loaded:
        return response
    response.set_cookie(COOKIE, _serializer().dumps(session.as_dict()), path=_path(),
                        httponly=True, secure=request.is_secure, samesite="Lax")
    response.vary.add("Cookie")
    return response


def check_csrf() -> None:
    # Read before any view, from whichever form was posted: no model of its own (the
    # sign-in form's model declares the field too).
    sent = request.form.get(CSRF_FIELD, "")
    if not sent or not hmac.compare_digest(sent.encode(), current().csrf.encode()):
        raise CsrfRefused()


def sign_in(key: str, secret: str) -> Credential:
    """Check the credential as the API does (hub.auth.verify) and demand the auditor role;
    a new server-side session, with a new id and a new CSRF token, replaces the visitor's.
    Wrong credentials are throttled per key and client address, as for HTTP Basic."""
    if not key or not secret:
        raise SignInRefused("sign_in.missing", 400)
    storage = current_storage()
    credential = verify(storage.credentials, key, secret)
    if credential is None:
        retry_after = current_throttle().failed_attempt(key, client_address())
        if retry_after is not None:
            raise SignInRefused("sign_in.throttled", 429, retry_after)
        raise SignInRefused("sign_in.wrong", 401)
    if ROLE not in effective_scopes(credential.scopes):
        raise SignInRefused("sign_in.not_auditor", 403)
    session_id = sessions.start_session(
        storage.sessions, kind=KIND, credential_key=credential.key, now=_instant(),
        policy=_policy(), replacing=current().session_id)
    _replace(PageSession(csrf=secrets.token_urlsafe(24), session_id=session_id))
    return credential


def sign_out(notice: str = "signed_out") -> None:
    """End the session on the server (every worker refuses its cookie from now on) and
    give this browser a fresh visitor's cookie."""
    session_id = current().session_id
    if session_id:
        sessions.end_session(current_storage().sessions, session_id, _instant())
    _forget(notice)


def _forget(notice: str) -> None:
    _replace(replace(_fresh(), notice=notice))


def claims_session() -> bool:
    """The cookie names a session (whether it is still open, `auditor()` checks)."""
    return current().session_id is not None


# Why a session ended → the notice on the sign-in page (texts "notice.*").
_NOTICES = {"idle": "idle", "revoked": "session_ended"}


def auditor() -> tuple[Credential, Reader]:
    """The signed-in auditor, checked again now: a session that was signed out, timed out
    or replaced, or whose credential was revoked, deleted or is no longer an auditor's,
    ends here."""
    if "auditor_reader" in g:
        return g.auditor_credential, g.auditor_reader
    session = current()
    if not session.session_id:
        raise SignInRequired("sign_in_first")
    storage = current_storage()
    try:
        record = sessions.resume_session(storage.sessions, session.session_id, kind=KIND,
                                         now=_instant(), policy=_policy())
    except sessions.SessionEnded as ended:
        notice = _NOTICES.get(ended.reason, "expired")
        _forget(notice)
        raise SignInRequired(notice) from None
    credential = storage.credentials.find_credential(record.credential_key)
    if credential is None or credential.is_revoked or ROLE not in effective_scopes(
            credential.scopes):
        sign_out("session_ended")
        raise SignInRequired("session_ended")
    g.auditor_credential = credential
    g.auditor_reader = reader_for(credential, transcript_stores().access)
    return credential, g.auditor_reader


def remember_language(response: BaseResponse, language: str) -> BaseResponse:
    response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600, path=_path(),
                        httponly=True, secure=request.is_secure, samesite="Lax")
    return response


def remembered_language() -> str | None:
    return request.cookies.get(LANGUAGE_COOKIE)
