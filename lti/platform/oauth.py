"""OAuth 2 for the platform's services: the token endpoint (client credentials grant
with a JWT client assertion, LTI Security Framework 1.0 §4.1 and RFC 7523) and the
bearer tokens AGS and NRPS requests carry (RFC 6750).

Client assertions are checked against the tool's own JWKS (fetched from its registered
URL, cached in the database, fetched again for an unknown kid); every `jti` is
remembered until the assertion expires, so an assertion works once.  Access tokens are
JWTs signed with the platform key: short-lived, verified by any worker without a lookup.
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import request
from werkzeug.datastructures import MultiDict

from hub import jose
from hub.errors import BadRequest
from hub.inputs import parse_query
from hub.settings import current_settings
from lti.http import TimeoutSession
from lti.keys import public_jwks, signing_key
from lti.platform.inputs import TokenRequest, oauth_parameters
from lti.platform.launches import issuer, platform_url
from lti.platform.storage import stores as platform_stores
from lti.platform.storage.contract import PartnerTool
from lti.platform.tools import SERVICE_SCOPES
from lti.tokens import lifetime_problem
from lti.tool.storage import stores as tool_stores

log = logging.getLogger(__name__)

REFETCH_INTERVAL = timedelta(seconds=30)
_JWKS = "platform.jwks:"
_REFETCH = "platform.jwks-refetch:"


class OAuthError(Exception):
    """An RFC 6749 §5.2 error response (or RFC 6750 §3.1 for bearer tokens)."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status


def token_endpoint() -> str:
    return platform_url("/lti/platform/token")


# --- the tool's keys ---------------------------------------------------------------------
class KeysUnavailable(Exception):
    pass


def _fetch_jwks(tool: PartnerTool) -> dict[str, Any]:
    settings = current_settings()
    try:
        response = TimeoutSession(settings.lti.http_timeout).get(tool.jwks_url)
        response.raise_for_status()
        keys = response.json()
    except Exception as exc:  # unreachable, not JSON: the tool cannot be verified now
        raise KeysUnavailable(f"the tool's JWKS could not be read: {exc}") from None
    if not isinstance(keys, dict) or not isinstance(keys.get("keys"), list):
        raise KeysUnavailable("the tool's JWKS is not a JSON Web Key Set")
    now = datetime.now(UTC)
    tool_stores().lti_sessions.put_value(
        _JWKS + str(tool.id), keys, now + timedelta(seconds=settings.lti.jwks_cache_seconds))
    return keys


def tool_key(tool: PartnerTool, kid: str):
    """The tool's public key `kid`; the JWKS is fetched again (at most every 30 s) when
    the cached one lacks it, so a tool can rotate its keys."""
    sessions, now = tool_stores().lti_sessions, datetime.now(UTC)
    cached = sessions.get_value(_JWKS + str(tool.id), now)
    keys = cached if isinstance(cached, dict) else _fetch_jwks(tool)
    found = _find_key(keys, kid)
    if found is None and cached is not None and sessions.get_value(
            _REFETCH + str(tool.id), now) is None:
        sessions.put_value(_REFETCH + str(tool.id), True, now + REFETCH_INTERVAL)
        found = _find_key(_fetch_jwks(tool), kid)
    if found is None:
        raise KeysUnavailable(f"the tool publishes no key {kid!r}")
    return jose.public_key_from_jwk(found)


def _find_key(keys: dict[str, Any], kid: str) -> dict[str, Any] | None:
    return next((k for k in keys.get("keys", []) if isinstance(k, dict) and k.get("kid") == kid
                 and k.get("kty") == "RSA"), None)


def verify_tool_jwt(tool: PartnerTool, token: str, *, audience: list[str],
                    require: list[str]) -> dict[str, Any]:
    """Verify a JWT the tool signed (RS256, its kid); raises jose.InvalidTokenError or
    KeysUnavailable."""
    header = jose.unverified_header(token)
    if header.get("alg") != "RS256":
        raise jose.InvalidAlgorithmError("the JWT must be signed with RS256")
    if not header.get("kid"):
        raise jose.InvalidTokenError("the JWT header names no kid")
    claims = jose.verify(token, tool_key(tool, header["kid"]), algorithms=["RS256"],
                         audience=audience, leeway=current_settings().lti.clock_skew,
                         require=require)
    problem = lifetime_problem(claims) if "exp" in require else None
    if problem:
        raise jose.InvalidTokenError(problem)
    return claims


# --- the token endpoint --------------------------------------------------------------------
@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    scope: str
    expires_in: int


def _client(assertion: str, client_id: str | None) -> PartnerTool:
    try:
        claimed = jose.unverified_claims(assertion)
    except jose.InvalidTokenError:
        raise OAuthError("invalid_client", "the client assertion is not a JWT", 401) from None
    tool = platform_stores().lti_platform_tools.find_tool(str(claimed.get("iss", "")))
    if tool is None:
        raise OAuthError("invalid_client", "the assertion's iss is not a registered client",
                         401)
    if not tool.enabled:
        raise OAuthError("invalid_client", "this tool is disabled on the platform", 401)
    if client_id and client_id != tool.client_id:
        raise OAuthError("invalid_client", "client_id does not match the assertion", 401)
    return tool


def _check_assertion(tool: PartnerTool, assertion: str) -> dict[str, Any]:
    try:
        claims = verify_tool_jwt(tool, assertion, audience=[token_endpoint(), issuer()],
                                 require=["iss", "sub", "aud", "exp", "iat", "jti"])
    except KeysUnavailable as exc:
        raise OAuthError("invalid_client", str(exc), 401) from None
    except jose.InvalidAudienceError:
        raise OAuthError("invalid_client", "the assertion's aud is not this token endpoint",
                         401) from None
    except jose.InvalidTokenError as exc:
        raise OAuthError("invalid_client", f"bad client assertion: {exc}", 401) from None
    if claims["sub"] != tool.client_id:
        raise OAuthError("invalid_client", "the assertion's sub must be the client id", 401)
    expires = datetime.fromtimestamp(claims["exp"], UTC)  # bounded by verify_tool_jwt
    jti = str(claims["jti"])
    if not jti or len(jti) > 255 or not platform_stores().lti_platform_tools.remember_assertion(
            tool.client_id, jti, expires + timedelta(seconds=current_settings().lti.clock_skew)):
        raise OAuthError("invalid_client", "this client assertion (jti) was already used", 401)
    return claims


# AGS 2.0 §3.1: a tool that may manage line items may read them.
_IMPLIED_SERVICES = {"lineitem": ("lineitem.readonly",)}


def granted_scopes(tool: PartnerTool, requested: str) -> list[str]:
    """The part of `requested` this tool may hold, in the order asked (RFC 6749 §3.3:
    the server may grant less than asked and says what it granted in `scope`)."""
    scopes = list(dict.fromkeys(requested.split()))
    if not scopes:
        raise OAuthError("invalid_scope", "name the scopes wanted")
    services = set(tool.services)
    services |= {implied for s in tool.services for implied in _IMPLIED_SERVICES.get(s, ())}
    allowed = {SERVICE_SCOPES[s] for s in services if s in SERVICE_SCOPES}
    granted = [scope for scope in scopes if scope in allowed]
    if not granted:
        raise OAuthError("invalid_scope", "none of the scopes asked for is one this tool may "
                         f"use ({' '.join(sorted(allowed)) or 'none'})")
    return granted


def token_request(form: MultiDict[str, str]) -> TokenRequest:
    """The token request in `form`, or its RFC 6749 §5.2 error: `unsupported_grant_type`
    for another grant type, else `invalid_request` ("missing a required parameter,
    includes an unsupported parameter value (other than grant type), repeats a
    parameter ... or is otherwise malformed")."""
    given = oauth_parameters(form)
    try:
        return parse_query(TokenRequest, given)
    except BadRequest as exc:
        other_grant = exc.parameter == "grant_type" and len(given.getlist("grant_type")) == 1
        raise OAuthError("unsupported_grant_type" if other_grant else "invalid_request",
                         exc.message) from None


def issue_token(asked: TokenRequest) -> IssuedToken:
    """RFC 6749 §4.4 with RFC 7523 §2.2 client authentication."""
    tool = _client(asked.client_assertion, asked.client_id)
    _check_assertion(tool, asked.client_assertion)
    scopes = granted_scopes(tool, asked.scope)
    ttl = current_settings().lti.platform_token_ttl
    now = int(time.time())
    key = _platform_key()
    token = jose.sign({"iss": issuer(), "aud": token_endpoint(), "sub": tool.client_id,
                       "scope": " ".join(scopes), "iat": now, "exp": now + ttl,
                       "jti": secrets.token_urlsafe(16)},
                      key.private_pem, algorithm="RS256", headers={"kid": key.kid})
    log.info("access token for tool %s (%s): granted %s of %s", tool.id, tool.client_id,
             " ".join(scopes), asked.scope)
    return IssuedToken(access_token=token, scope=" ".join(scopes), expires_in=ttl)


def _platform_key():
    return signing_key(platform_stores().lti_platform_keys)


# --- bearer tokens on service requests -----------------------------------------------------
@dataclass(frozen=True)
class ServiceClient:
    tool: PartnerTool
    scopes: frozenset[str]


def authenticate(*accepted: str) -> ServiceClient:
    """The tool behind the request's bearer token, holding one of `accepted` scopes."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise OAuthError("invalid_request", "a Bearer access token is required", 401)
    try:
        kid = jose.unverified_header(token).get("kid")
        jwk = next((k for k in public_jwks(platform_stores().lti_platform_keys)["keys"]
                    if k["kid"] == kid), None)
        if jwk is None:
            raise jose.InvalidTokenError("unknown key")
        claims = jose.verify(token, jose.public_key_from_jwk(jwk), algorithms=["RS256"],
                             audience=token_endpoint(), issuer=issuer(),
                             require=["exp", "sub", "scope"])
    except jose.InvalidTokenError as exc:
        raise OAuthError("invalid_token", f"the access token is not valid: {exc}",
                         401) from None
    tool = platform_stores().lti_platform_tools.find_tool(claims["sub"])
    if tool is None:
        raise OAuthError("invalid_token", "the tool is no longer registered", 401)
    if not tool.enabled:  # tokens issued before a disable stop working with it
        raise OAuthError("invalid_token", "the tool is disabled on the platform", 401)
    scopes = frozenset(claims["scope"].split())
    if not scopes & set(accepted):
        raise OAuthError("insufficient_scope",
                         f"this request needs one of: {' '.join(accepted)}", 403)
    return ServiceClient(tool=tool, scopes=scopes)
