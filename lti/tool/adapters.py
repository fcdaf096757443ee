"""pylti1p3 2.0.0 as the hub uses it: small subclasses for its documented gaps.

Each class says which gap it closes; nothing here copies pylti1p3's code.

- DatabaseLaunchDataStorage: OIDC state, nonces and launch data in the hub's database,
  shared by every gunicorn worker (pylti1p3 offers the Flask session or a per-process
  cache); nonces are taken, not just read, so an id_token can be used once.
- HubToolConf: registrations from the database, several client ids per issuer.
- HubOIDCLogin: an auth login URL that already has a query string keeps it
  (pylti1p3 appends "?..." blindly); the nonce is bound to the state.
- HubCookieService: cookies that survive an LMS iframe — `SameSite=None; Secure;
  Partitioned` (CHIPS) whenever the request is HTTPS, which behind a TLS proxy needs
  HUB_PROXY_HOPS so ProxyFix restores the scheme.
- HubServiceConnector: `Link: <...>; rel="next"` paging keeps the URL's case
  (pylti1p3 lower-cases the whole header, breaking case-sensitive page URLs).
- HubMessageLaunch: the full launch validation (see lti.tool.validation).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pylti1p3.contrib.flask import FlaskCookieService, FlaskOIDCLogin, FlaskRequest
from pylti1p3.deployment import Deployment
from pylti1p3.exception import OIDCException
from pylti1p3.launch_data_storage.base import LaunchDataStorage
from pylti1p3.registration import Registration
from pylti1p3.service_connector import ServiceConnector
from pylti1p3.session import SessionService
from pylti1p3.tool_config.abstract import ToolConfAbstract

from hub.storage.signing_keys import LtiKeyStore
from lti.http import next_link
from lti.keys import signing_key
from lti.tool.storage.contract import LtiPlatform, LtiPlatformStore, LtiSessionStore

NONCE_LIFETIME = timedelta(minutes=10)  # from the OIDC login to the launch


class DatabaseLaunchDataStorage(LaunchDataStorage):
    def __init__(self, store: LtiSessionStore) -> None:
        super().__init__()
        self._store = store

    def get_session_cookie_name(self) -> None:
        # No per-browser key prefix: values are keyed by unguessable state, nonce and
        # launch ids, and the browser is bound by the state cookie instead.
        return None

    def can_set_keys_expiration(self) -> bool:
        return True

    def get_value(self, key: str) -> Any:
        return self._store.get_value(self._prepare_key(key), datetime.now(UTC))

    def set_value(self, key: str, value: Any, exp: int | None = None) -> None:
        expires = datetime.now(UTC) + timedelta(seconds=exp or 86400)
        self._store.put_value(self._prepare_key(key), value, expires)

    def check_value(self, key: str) -> bool:
        return self.get_value(key) is not None

    def take_value(self, key: str) -> Any:
        return self._store.take_value(self._prepare_key(key), datetime.now(UTC))


class HubSessionService(SessionService):
    """pylti1p3's session service on the database storage, with single-use nonces."""

    data_storage: DatabaseLaunchDataStorage

    def __init__(self, request, storage: DatabaseLaunchDataStorage, lifetime: int) -> None:
        super().__init__(request)
        self.set_data_storage(storage)
        self._launch_data_lifetime = lifetime

    def save_nonce(self, nonce: str) -> None:
        self.data_storage.set_value(self._get_key("nonce", nonce), True,
                                    exp=int(NONCE_LIFETIME.total_seconds()))

    def check_nonce(self, nonce: str) -> bool:
        # pylti1p3 only reads the nonce, so the same id_token could launch again.
        return self.data_storage.take_value(self._get_key("nonce", nonce)) is not None


class HubRegistration(Registration):
    """A pylti1p3 registration that knows its platform record and the hub's key id."""

    def __init__(self, platform: LtiPlatform, kid: str, private_pem: str) -> None:
        super().__init__()
        self.platform = platform
        self._kid = kid
        (self.set_issuer(platform.issuer).set_client_id(platform.client_id)
         .set_key_set_url(platform.jwks_url).set_auth_token_url(platform.token_url)
         .set_auth_login_url(platform.auth_login_url).set_tool_private_key(private_pem))
        if platform.auth_audience:
            self.set_auth_audience(platform.auth_audience)

    def get_kid(self) -> str:
        return self._kid


def registration_for(platform: LtiPlatform, keys: LtiKeyStore) -> HubRegistration:
    key = signing_key(keys)
    return HubRegistration(platform, key.kid, key.private_pem)


class PlatformDisabled(Exception):
    """The registration is there but an administrator disabled it.  The state is read
    from the database on every lookup (no per-process cache), so a disable holds at once
    on every worker."""

    def __init__(self, platform: LtiPlatform) -> None:
        super().__init__(f"platform {platform.id} ({platform.issuer}, client "
                         f"{platform.client_id}) is disabled")
        self.platform = platform


def require_enabled(platform: LtiPlatform) -> LtiPlatform:
    if not platform.enabled:
        raise PlatformDisabled(platform)
    return platform


class HubToolConf(ToolConfAbstract):
    def __init__(self, platforms: LtiPlatformStore, keys: LtiKeyStore) -> None:
        super().__init__()
        self.issuers_relation_types = {}  # pylti1p3 shares a class-level dict otherwise
        self._platforms = platforms
        self._keys = keys

    def check_iss_has_one_client(self, iss: str) -> bool:
        return False  # always look registrations up by (issuer, client id)

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    def has_issuer(self, iss: str) -> bool:
        return bool(self._platforms.find_platforms(iss))

    def find_platform(self, iss: str, client_id: str | None) -> LtiPlatform | None:
        candidates = self._platforms.find_platforms(iss)
        if client_id is None:  # OIDC login without client_id: only if unambiguous
            found = candidates[0] if len(candidates) == 1 else None
        else:
            found = next((p for p in candidates if p.client_id == client_id), None)
        # Logins, launches and restored launches (every page) all come through here.
        return require_enabled(found) if found is not None else None

    # pylti1p3 declares Registration, but its callers check for None (no registration)
    def find_registration_by_issuer(  # type: ignore[override]
            self, iss: str, *args, **kwargs) -> HubRegistration | None:
        return self.find_registration_by_params(iss, None)

    def find_registration_by_params(  # type: ignore[override]  # as above: None is checked
            self, iss: str, client_id: str | None, *args, **kwargs) -> HubRegistration | None:
        platform = self.find_platform(iss, client_id)
        return registration_for(platform, self._keys) if platform else None

    def find_deployment(self, iss: str, deployment_id: str) -> Deployment | None:
        return self.find_deployment_by_params(iss, deployment_id, None)

    def find_deployment_by_params(self, iss: str, deployment_id: str, client_id: str | None,
                                  *args, **kwargs) -> Deployment | None:
        platform = self.find_platform(iss, client_id)
        if platform is None or deployment_id not in platform.deployment_ids:
            return None
        return Deployment().set_deployment_id(deployment_id)


class HubCookieService(FlaskCookieService):
    _request: FlaskRequest  # pylti1p3 sets it in __init__ (the class default is None)

    def update_response(self, response) -> None:
        secure = self._request.is_secure()
        for key, data in self._cookie_data_to_set.items():
            response.set_cookie(
                key, str(data["value"]), max_age=data["exp"], path="/", httponly=True,
                secure=secure,
                # Inside an LMS iframe the hub is a third party: only SameSite=None
                # cookies are sent back, browsers accept those only when Secure, and
                # Partitioned keeps them working where third-party cookies are phased out.
                samesite="None" if secure else "Lax", partitioned=secure)


def with_query(url: str, params: list[tuple[str, str]]) -> str:
    """`url` with `params` added to the query string it may already have."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + params
    return urlunsplit(parts._replace(query=urlencode(query)))


class HubOIDCLogin(FlaskOIDCLogin):
    def _prepare_redirect_url(self, launch_url: str) -> str:
        url = super()._prepare_redirect_url(launch_url)
        base = self._registration.get_auth_login_url()
        if not base:  # pylti1p3 has just redirected to it, so a registration has one
            raise OIDCException("the platform has no auth login URL")
        params = parse_qsl(url[len(base) + 1:], keep_blank_values=True)
        values = dict(params)
        # Bind the nonce to this login's state: the launch must bring both back.
        self._session_service.save_state_params(values["state"], {
            "nonce": values["nonce"], "iss": self._registration.get_issuer(),
            "client_id": self._registration.get_client_id()})
        return with_query(base, params)

    def validate_oidc_login(self) -> Registration:
        registration = super().validate_oidc_login()
        if not isinstance(registration, HubRegistration):  # HubToolConf makes only these
            raise OIDCException("Could not find registration details")
        deployment_id = self._get_request_param("lti_deployment_id")
        if deployment_id and deployment_id not in registration.platform.deployment_ids:
            raise OIDCException("unknown deployment")
        return registration


class HubServiceConnector(ServiceConnector):
    def make_service_request(self, *args, **kwargs):
        kwargs["case_insensitive_headers"] = True
        response = super().make_service_request(*args, **kwargs)
        response["next_page_url"] = next_link(response["headers"].get("Link"))
        return response
