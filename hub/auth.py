"""Partner credentials (HTTP Basic key:secret) and the scopes they carry.

Secrets are 32 random bytes made by the hub, so a single SHA-256 digest is as
hard to reverse as the secret is to guess: no slow hash is needed, and a request
costs one indexed lookup and one constant-time comparison.  The lookup is not
cached, so a revocation takes effect at once on every worker.  Failures are
throttled per key and client address (hub.throttle); a correct credential pays
nothing for that unless HUB_CREDENTIAL_RATE_LIMIT is set.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import wraps
from typing import Any, NoReturn

from flask import g, request

from hub.errors import Forbidden, TooManyRequests, Unauthorized
from hub.sessions import end_sessions_of
from hub.storage import current_storage
from hub.storage.contract import Credential, CredentialStore, Storage
from hub.throttle import client_address, current_throttle

XAPI_SCOPES = frozenset(
    {"statements/write", "statements/read", "statements/read/mine", "all/read", "all",
     "state", "define", "profile"}
)
HUB_ROLES = frozenset({"auditor", "admin"})
# Operators only: void a statement stored under another authority (docs/security.md,
# Voiding).  Never implied by `all`: it must be granted by name.
VOID_ANY_SCOPE = "statements/void/any"
OPERATOR_SCOPES = frozenset({VOID_ANY_SCOPE})
# Transcripts believe the competency a statement names (its competency extension) only
# from credentials holding this scope (docs/transcripts.md, "Competency claims").  Never
# implied by `all`: any partner can write the extension, only the operator decides whom
# to believe.
COMPETENCY_CLAIM_SCOPE = "competency/claim"
ALL_SCOPES = XAPI_SCOPES | HUB_ROLES | OPERATOR_SCOPES | {COMPETENCY_CLAIM_SCOPE}
# Account names the hub stamps on the statements its own components record (lti.tool,
# lti.platform): no partner credential may carry them, or it could void or forge them.
HUB_AUTHORITY_PREFIXES = ("hub:", "lti-tool:")

# What each scope also grants (xAPI 1.0.3 Communication 4.2 "OAuth Scope").
_IMPLIED = {
    "all": {"all/read", "statements/write", "statements/read", "statements/read/mine",
            "state", "define", "profile"},
    "all/read": {"statements/read", "statements/read/mine", "state/read", "profile/read"},
    "statements/read": {"statements/read/mine"},
    "state": {"state/read"},
    "profile": {"profile/read"},
}

log = logging.getLogger(__name__)

REALM = 'Basic realm="Berpijar Learning Hub", charset="UTF-8"'


def effective_scopes(scopes: Iterable[str]) -> frozenset[str]:
    """The scopes held, with everything they imply, transitively (all → state → state/read)."""
    granted: set[str] = set()
    pending = list(scopes)
    while pending:
        scope = pending.pop()
        if scope not in granted:
            granted.add(scope)
            pending.extend(_IMPLIED.get(scope, ()))
    return frozenset(granted)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedCredential:
    credential: Credential
    secret: str  # shown once, never stored


def issue_credential(
    store: CredentialStore,
    *,
    name: str,
    owner: str,
    scopes: Iterable[str],
    authority_home_page: str,
    authority: dict[str, Any] | None = None,
) -> IssuedCredential:
    scopes = frozenset(scopes)
    unknown = scopes - ALL_SCOPES
    if unknown:
        raise ValueError(f"unknown scope(s): {', '.join(sorted(unknown))}")
    if not scopes:
        raise ValueError("a credential needs at least one scope")
    if not name.strip() or not owner.strip():
        raise ValueError("a credential needs a name and an owner")
    if authority is not None:
        _check_authority(authority)
    key = secrets.token_hex(16)
    secret = secrets.token_urlsafe(32)
    credential = Credential(
        key=key,
        secret_digest=digest(secret),
        name=name,
        owner=owner,
        authority=authority
        or {"objectType": "Agent", "name": name,
            "account": {"homePage": authority_home_page, "name": key}},
        scopes=scopes,
        created_at=datetime.now(UTC),
    )
    store.insert_credential(credential)
    if scopes & OPERATOR_SCOPES:  # rare and powerful: leave a trace of every grant
        log.warning("credential %s (%s, %s) holds operator scope(s) %s", key, name, owner,
                    ", ".join(sorted(scopes & OPERATOR_SCOPES)))
    return IssuedCredential(credential, secret)


_IDENTIFIERS = ("mbox", "mbox_sha1sum", "openid", "account")


def _check_authority(agent: Any) -> None:
    """The authority stamped on a partner's statements: an Agent with exactly one
    identifier (xAPI 1.0.3 Data 2.4.9); the full xAPI check happens at the LRS."""
    if not isinstance(agent, dict) or agent.get("objectType", "Agent") != "Agent":
        raise ValueError("authority must be an xAPI Agent object")
    present = [key for key in _IDENTIFIERS if key in agent]
    if len(present) != 1:
        raise ValueError("authority must carry exactly one of mbox, mbox_sha1sum, openid, "
                         "account")
    account = agent.get("account")
    if present == ["account"] and not (
            isinstance(account, dict) and isinstance(account.get("homePage"), str)
            and isinstance(account.get("name"), str)):
        raise ValueError("authority account needs a homePage and a name")
    if present == ["mbox"] and not str(agent["mbox"]).startswith("mailto:"):
        raise ValueError("authority mbox must be a mailto: IRI")
    if (isinstance(account, dict) and present == ["account"]
            and account["name"].lower().startswith(HUB_AUTHORITY_PREFIXES)):
        raise ValueError(f"authority account name {account['name']!r} is reserved for the hub's "
                         f"own components (names starting with "
                         f"{' or '.join(HUB_AUTHORITY_PREFIXES)}); choose another")


def verify(store: CredentialStore, key: str, secret: str) -> Credential | None:
    credential = store.find_credential(key)
    # Compare against a dummy digest when the key is unknown, so timing does not
    # tell an attacker which keys exist.
    expected = credential.secret_digest if credential else digest(secrets.token_hex(8))
    matches = hmac.compare_digest(expected, digest(secret))
    if credential is None or not matches or credential.is_revoked:
        return None
    return credential


def revoke_credential(storage: Storage, key: str, when: datetime) -> bool:
    """Revoke a credential and end its sign-in sessions (auditor pages) on every worker;
    False when it was unknown or already revoked."""
    revoked = storage.credentials.revoke_credential(key, when)
    end_sessions_of(storage.sessions, key, when, reason="revoked")
    return revoked


def _refuse(key: str | None, message: str) -> NoReturn:
    """A failed authentication: counted, held for its delay, then 401, or 429 with
    Retry-After when the key or the client address has failed too often (hub.throttle)."""
    retry_after = current_throttle().failed_attempt(key, client_address())
    if retry_after is not None:
        raise TooManyRequests("too many failed authentication attempts; try again later",
                              header="Authorization", headers={"Retry-After": str(retry_after)})
    raise Unauthorized(message, header="Authorization", headers={"WWW-Authenticate": REALM})


def _basic_credentials() -> tuple[str, str]:
    # werkzeug's request.authorization decodes Basic; it cannot tell "none offered" (only
    # challenged) from "undecodable" (a counted failure), so the scheme is looked at first.
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic" or not value:
        raise Unauthorized("HTTP Basic credentials are required",
                           header="Authorization", headers={"WWW-Authenticate": REALM})
    # Malformed credentials are wrong credentials: 401, so a client re-prompts
    # (xAPI 1.0.3 Communication 4.1: failed authentication is 401 Unauthorized).
    credentials = request.authorization  # werkzeug: None when not base64 UTF-8
    if credentials is None or credentials.username is None:
        _refuse(None, "the Authorization header is not valid Basic credentials")
    return credentials.username, credentials.password or ""


def authenticate() -> Credential:
    """The request's credential, cached on `g` for the rest of the request."""
    if "credential" in g:
        return g.credential
    key, secret = _basic_credentials()
    credential = verify(current_storage().credentials, key, secret)
    if credential is None:
        _refuse(key, "unknown, wrong or revoked credentials")
    retry_after = current_throttle().admit(credential.key)  # nothing without a limit
    if retry_after is not None:
        raise TooManyRequests(f"this credential's request limit "
                              f"({current_throttle().credential_limit}) is reached; "
                              "try again later", headers={"Retry-After": str(retry_after)})
    g.credential = credential
    return credential


def require_scope(*accepted: str) -> Credential:
    """Authenticate and demand one of `accepted` (after implication); 403 otherwise."""
    credential = authenticate()
    if not effective_scopes(credential.scopes) & set(accepted):
        raise Forbidden(f"this credential lacks the scope for this request "
                        f"(one of: {', '.join(accepted)})")
    return credential


def scope_required(*accepted: str) -> Callable:
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            require_scope(*accepted)
            return view(*args, **kwargs)

        return wrapper

    return decorator
