"""Who is signed in to the hub's platform pages, and who they are to each tool.

The hub has no password login of its own.  A learner is signed in by an LTI launch of
the hub (the tool role): a relayed launch signs them in on the way to the partner, and
the catalogue page signs them in from a tool-role launch id.  An administrator is
signed in for one Deep Linking session by a single-use URL from the admin API or CLI.
The session lives in the database (every worker sees it) under a random token kept in
an HttpOnly cookie; the OIDC authorization endpoint checks every launch against it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import request
from werkzeug.wrappers import Response  # what redirect() returns; flask's subclasses it

from hub.settings import current_settings
from lti.platform.storage.contract import PartnerTool
from lti.tool.storage import stores as tool_stores

COOKIE = "hub_platform_session"
_PREFIX = "platform.session:"


@dataclass(frozen=True)
class SignedIn:
    """A signed-in person: a learner (an LTI account of a registered LMS) or an admin."""

    token: str
    kind: str  # learner | admin
    issuer: str  # the LMS issuer; the hub itself for admins
    subject: str  # the LMS sub; the credential key for admins
    csrf: str
    name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    email: str | None = None
    nip: str | None = None

    @property
    def identity(self) -> str:
        """The hub identity a tool's `sub` is derived from (transcripts' LTI form)."""
        if self.kind == "admin":
            return f"admin:{self.subject}"
        return f"lti:{self.issuer} {self.subject}"

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("kind", "issuer", "subject", "csrf", "name",
                                              "given_name", "family_name", "email", "nip")}


def tool_sub(tool: PartnerTool, identity: str) -> str:
    """Stable per learner and tool, and unlinkable across tools: HMAC-SHA256 of the hub
    identity keyed with the tool's own salt."""
    return hmac.new(tool.sub_salt.encode(), identity.encode(), hashlib.sha256).hexdigest()


def sign_in(*, kind: str, issuer: str, subject: str, **details: str | None) -> SignedIn:
    token = secrets.token_urlsafe(32)
    person = SignedIn(token=token, kind=kind, issuer=issuer, subject=subject,
                      csrf=secrets.token_urlsafe(16), **details)
    expires = datetime.now(UTC) + timedelta(seconds=current_settings().lti.platform_session_ttl)
    tool_stores().lti_sessions.put_value(_PREFIX + token, person.as_dict(), expires)
    return person


def signed_in() -> SignedIn | None:
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    data = tool_stores().lti_sessions.get_value(_PREFIX + token, datetime.now(UTC))
    return SignedIn(token=token, **data) if isinstance(data, dict) else None


def set_cookie(response: Response, person: SignedIn) -> Response:
    secure = request.is_secure
    # As the tool role's state cookie: inside an LMS iframe the hub is a third party, so
    # over HTTPS only a SameSite=None; Secure; Partitioned cookie comes back.
    response.set_cookie(COOKIE, person.token, max_age=current_settings()
                        .lti.platform_session_ttl, path="/", httponly=True, secure=secure,
                        samesite="None" if secure else "Lax", partitioned=secure)
    return response


def learner_from_launch(launch) -> SignedIn:
    """Sign in the learner of a validated tool-role launch (`lti.tool.launch.Launch`)."""
    claims = launch.claims
    user = tool_stores().lti_roster.find_user(launch.issuer, launch.sub)
    nip = (user.hub_identity or user.nip) if user else None
    return sign_in(kind="learner", issuer=launch.issuer, subject=launch.sub,
                   name=launch.display_name, given_name=claims.get("given_name"),
                   family_name=claims.get("family_name"), email=claims.get("email"), nip=nip)
