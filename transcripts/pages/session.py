"""Who is signed in to the auditor pages: a signed session cookie, CSRF tokens, and the
check on every page that the credential still holds the auditor role.

The cookie holds the credential key (never the secret), when the auditor signed in and
a CSRF token; it is signed with the app's secret key (itsdangerous, as Flask's own
session), `HttpOnly`, `SameSite=Lax`, `Secure` over HTTPS, and scoped to /auditor.  The
credential is looked up again on every page, as the API looks it up on every request,
so a revoked credential stops working on the next page.  A visitor who is not signed in
also gets a cookie with a CSRF token, so the sign-in form is protected too.
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass, replace
from typing import Any

from flask import Response, current_app, g, request
from itsdangerous import BadSignature, URLSafeSerializer

from hub.auth import effective_scopes, verify
from hub.storage import current_storage
from hub.storage.contract import Credential
from transcripts.access import Reader, reader_for

COOKIE = "hub_auditor_session"
LANGUAGE_COOKIE = "hub_auditor_lang"
PATH = "/auditor"
LIFETIME_SECONDS = 8 * 3600  # one working day; then sign in again
ROLE = "auditor"  # as the auditor API: transcripts.api._auditor
CSRF_FIELD = "csrf_token"


@dataclass(frozen=True)
class PageSession:
    csrf: str
    key: str | None = None  # the signed-in credential's key
    since: int | None = None  # when it signed in (Unix time)
    notice: str | None = None  # a one-time message for the next page (texts "notice.*")

    def as_dict(self) -> dict[str, Any]:
        return {"c": self.csrf, "k": self.key, "s": self.since, "n": self.notice}


class SignInRequired(Exception):
    """The page needs a signed-in auditor; `notice` says why the visitor is sent away."""

    def __init__(self, notice: str) -> None:
        super().__init__(notice)
        self.notice = notice


class CsrfRefused(Exception):
    pass


class SignInRefused(Exception):
    def __init__(self, reason: str, status: int) -> None:
        super().__init__(reason)
        self.reason = reason  # texts "sign_in.*"
        self.status = status


def _path() -> str:
    """The cookies' path: these pages, under whatever prefix the hub is mounted at."""
    return request.script_root + PATH


def _now() -> float:
    return time.time()


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="transcripts.auditor-pages")


def _fresh() -> PageSession:
    return PageSession(csrf=secrets.token_urlsafe(24))


def _read_cookie() -> PageSession:
    raw = request.cookies.get(COOKIE)
    if not raw:
        return _fresh()
    try:
        data = _serializer().loads(raw)
        return PageSession(csrf=str(data["c"]), key=data.get("k"), since=data.get("s"),
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
    sent = request.form.get(CSRF_FIELD, "")
    if not sent or not hmac.compare_digest(sent.encode(), current().csrf.encode()):
        raise CsrfRefused()


def sign_in(key: str, secret: str) -> Credential:
    """Check the credential as the API does (hub.auth.verify) and demand the auditor role;
    a new session (and CSRF token) replaces the visitor's."""
    if not key or not secret:
        raise SignInRefused("sign_in.missing", 400)
    credential = verify(current_storage().credentials, key, secret)
    if credential is None:
        raise SignInRefused("sign_in.wrong", 401)
    if ROLE not in effective_scopes(credential.scopes):
        raise SignInRefused("sign_in.not_auditor", 403)
    _replace(PageSession(csrf=secrets.token_urlsafe(24), key=credential.key,
                         since=int(_now())))
    return credential


def sign_out(notice: str = "signed_out") -> None:
    _replace(replace(_fresh(), notice=notice))


def signed_in_key() -> str | None:
    return current().key


def auditor() -> tuple[Credential, Reader]:
    """The signed-in auditor, checked again now: revoked, gone or no longer an auditor
    ends the session."""
    if "auditor_reader" in g:
        return g.auditor_credential, g.auditor_reader
    session = current()
    if not session.key:
        raise SignInRequired("sign_in_first")
    if session.since is None or _now() - session.since > LIFETIME_SECONDS:
        sign_out("expired")
        raise SignInRequired("expired")
    storage = current_storage()
    credential = storage.credentials.find_credential(session.key)
    if credential is None or credential.is_revoked or ROLE not in effective_scopes(
            credential.scopes):
        sign_out("session_ended")
        raise SignInRequired("session_ended")
    g.auditor_credential = credential
    g.auditor_reader = reader_for(credential, storage.access)
    return credential, g.auditor_reader


def remember_language(response: Response, language: str) -> Response:
    response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600, path=_path(),
                        httponly=True, secure=request.is_secure, samesite="Lax")
    return response


def remembered_language() -> str | None:
    return request.cookies.get(LANGUAGE_COOKIE)
