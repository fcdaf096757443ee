"""Browser sign-in sessions kept on the server: the auditor pages today, an operator
console later (docs/security.md "Sessions").

The cookie carries only a random session id; the record behind it (`SessionStore`) says
whose session it is, when it started, when it was last used and whether it has ended.
Every worker reads the same record, so signing out, revoking the credential and the idle
timeout end a session on every worker at once, and a copy of the cookie taken before
sign-out is refused afterwards.  The store keeps the id's SHA-256 only, as it keeps
credential secrets: a copy of the database cannot be replayed as a cookie.

Cookies, CSRF and which role a kind of session needs stay with the pages that use it
(`transcripts.pages.session` for the auditor pages).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from hub.config import Settings
from hub.storage.contract import SessionStore, SignInSession

# last_seen_at is written at most this often (and at least ten times per idle period),
# so that reading pages does not cost a write each: a session may end up to this much
# before a full idle period has passed since its last page.
TOUCH_SECONDS = 60


@dataclass(frozen=True)
class SessionPolicy:
    idle_seconds: int  # HUB_SESSION_IDLE_SECONDS
    lifetime_seconds: int  # HUB_SESSION_LIFETIME_SECONDS

    @classmethod
    def from_settings(cls, settings: Settings) -> SessionPolicy:
        return cls(settings.sessions.idle_seconds, settings.sessions.lifetime_seconds)

    @property
    def touch_seconds(self) -> int:
        return max(1, min(TOUCH_SECONDS, self.idle_seconds // 10))


class SessionEnded(Exception):
    """The cookie names no open session; `reason` says why (unknown, signed_out,
    replaced, revoked, idle, expired)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def start_session(store: SessionStore, *, kind: str, credential_key: str, now: datetime,
                  policy: SessionPolicy, replacing: str | None = None) -> str:
    """A new session and its id (for the cookie).  A fresh id at every sign-in (OWASP
    session management: renew the id on privilege change); the one it replaces ends."""
    if replacing:
        store.end_session(_digest(replacing), now, "replaced")
    store.purge_sessions(now - timedelta(seconds=policy.idle_seconds))
    session_id = secrets.token_urlsafe(32)
    store.insert_session(SignInSession(
        id_digest=_digest(session_id), kind=kind, credential_key=credential_key,
        started_at=now, last_seen_at=now,
        expires_at=now + timedelta(seconds=policy.lifetime_seconds)))
    return session_id


def resume_session(store: SessionStore, session_id: str, *, kind: str, now: datetime,
                   policy: SessionPolicy) -> SignInSession:
    """The open session the cookie names, marked as used now; SessionEnded otherwise."""
    digest = _digest(session_id)
    record = store.find_session(digest)
    if record is None or record.kind != kind:
        raise SessionEnded("unknown")
    if record.ended_at is not None:
        raise SessionEnded(record.end_reason or "signed_out")
    for reason, ended in (("expired", now >= record.expires_at),
                          ("idle", now - record.last_seen_at
                           > timedelta(seconds=policy.idle_seconds))):
        if ended:
            store.end_session(digest, now, reason)
            raise SessionEnded(reason)
    if now - record.last_seen_at >= timedelta(seconds=policy.touch_seconds):
        store.touch_session(digest, now)
    return record


def end_session(store: SessionStore, session_id: str, now: datetime,
                reason: str = "signed_out") -> bool:
    return store.end_session(_digest(session_id), now, reason)


def end_sessions_of(store: SessionStore, credential_key: str, now: datetime,
                    reason: str = "revoked") -> int:
    """End every session of a credential, on every worker at once (revocation)."""
    return store.end_sessions_of(credential_key, now, reason)
