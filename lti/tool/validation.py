"""Launch validation: pylti1p3's MessageLaunch with every check the hub requires.

pylti1p3 2.0.0 leaves gaps that matter for a tool facing many LMSs: it does not check
`aud` (PyJWT is called with verify_aud off), does not require `exp`/`iat`, accepts a
nonce it has seen before, reads a platform JWKS once per process, and reports all
failures as one exception type.  `HubMessageLaunch` keeps its flow and data model and
adds, in order (LTI Security Framework 1.0 §5.1.3; LTI Core 1.3 §5):

1. state: the form's state matches the state cookie set at login;
2. the JWT: three parts, header alg RS256 (no `none`, no HS256) with a `kid`;
3. the registration: `iss` and `aud`/`azp` name a registered platform;
4. the signature, with the platform JWKS cached in the database and fetched again
   once when an unknown `kid` arrives (platforms rotate keys);
5. `exp` and `iat` present and within the clock skew, `aud` contains our client id;
6. the LTI claims: version present and 1.3.0, a supported message type, deployment id (registered),
   roles (may be empty), sub, target link URI, resource link id / deep linking settings;
7. the nonce: issued by our login for this state, and used only once.

Each failure is a LaunchRejected with a stable reason code for the page and the log.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from pylti1p3.contrib.flask import FlaskMessageLaunch
from pylti1p3.exception import LtiException
from pylti1p3.registration import TKeySet

from hub import jose
from lti.tokens import lifetime_problem
from lti.tool.adapters import HubRegistration, HubServiceConnector
from lti.tool.storage.contract import LtiSessionStore

log = logging.getLogger(__name__)

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
MESSAGE_TYPE = CLAIM + "message_type"
VERSION = CLAIM + "version"
DEPLOYMENT_ID = CLAIM + "deployment_id"
ROLES = CLAIM + "roles"
RESOURCE_LINK = CLAIM + "resource_link"
TARGET_LINK_URI = CLAIM + "target_link_uri"
DEEP_LINKING_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
RESOURCE_LINK_REQUEST = "LtiResourceLinkRequest"
DEEP_LINKING_REQUEST = "LtiDeepLinkingRequest"
SUPPORTED_MESSAGES = (RESOURCE_LINK_REQUEST, DEEP_LINKING_REQUEST)
# A platform's JWKS is fetched again for an unknown kid at most this often.
JWKS_REFETCH_INTERVAL = timedelta(seconds=30)


class LaunchRejected(Exception):
    def __init__(self, code: str, detail: str = "", *, status: int = 400) -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail
        self.status = status


class HubMessageLaunch(FlaskMessageLaunch):
    def __init__(self, request, tool_config, *, session_service, cookie_service,
                 launch_data_storage, requests_session, sessions: LtiSessionStore,
                 clock_skew: int, jwks_cache_seconds: int) -> None:
        super().__init__(request, tool_config, session_service=session_service,
                         cookie_service=cookie_service, launch_data_storage=launch_data_storage,
                         requests_session=requests_session)
        self._sessions = sessions
        self._clock_skew = clock_skew
        self._jwks_cache = timedelta(seconds=jwks_cache_seconds)

    @classmethod
    def from_cache(cls, launch_id, request, tool_config, **kwargs):  # type: ignore[override]
        launch = cls(request, tool_config, **kwargs)
        data = launch.get_session_service().get_launch_data(launch_id)
        if not data:
            raise LaunchRejected("launch_expired", launch_id)
        launch.set_launch_id(launch_id).set_auto_validation(enable=False)
        launch.set_jwt({"body": data}).set_restored()
        return launch.validate_registration()

    @property
    def registration(self) -> HubRegistration:
        """The platform's registration, once validate_registration has found it."""
        if not isinstance(self._registration, HubRegistration):  # HubToolConf makes only these
            raise LaunchRejected("unknown_platform", "no registration validated")
        return self._registration

    def validate(self) -> HubMessageLaunch:
        if self._restored:
            raise LtiException("Can't validate restored launch")
        self._validated = True
        try:
            self._rejecting(self.validate_state, "state_mismatch")
            self._rejecting(self.validate_jwt_format, "malformed_jwt")
            self.validate_header()
            self.validate_registration()
            self.validate_jwt_signature()
            self.validate_claims()
            self._rejecting(self.validate_deployment, "unknown_deployment")
            self._rejecting(self.validate_message, "missing_claim")
            self.validate_nonce()
            self.save_launch_data()
        except Exception:
            self._validated = False
            raise
        return self

    @staticmethod
    def _rejecting(step, code: str) -> None:
        try:
            step()
        except LtiException as exc:
            raise LaunchRejected(code, str(exc)) from exc

    def validate_state(self) -> HubMessageLaunch:
        # pylti1p3 also accepts a state it has validated before from any browser (for
        # reloads); the hub demands the state cookie this browser got at login.
        state = self._get_request_param("state")
        if not state or self._cookie_service.get_cookie(state) != state:
            raise LaunchRejected("state_mismatch", "no state cookie for this state")
        return self

    def _get_id_token(self) -> str:
        id_token = self._get_request_param("id_token")
        if not id_token:
            raise LaunchRejected("missing_id_token")
        return id_token

    # --- 2. the JWT header -----------------------------------------------------------
    def validate_header(self) -> None:
        header = self._jwt.get("header", {})
        body = self._jwt.get("body")
        if not isinstance(header, dict) or not isinstance(body, dict):
            raise LaunchRejected("malformed_jwt", "header or body is not a JSON object")
        if header.get("alg") != "RS256":
            raise LaunchRejected("unsigned_or_symmetric", f"alg={header.get('alg')!r}")
        if not header.get("kid"):
            raise LaunchRejected("missing_kid")

    # --- 3. the registration ------------------------------------------------------------
    def get_client_id(self) -> str:
        body = self._get_jwt_body()
        aud = body.get("aud")
        audiences = aud if isinstance(aud, list) else [aud]
        azp = body.get("azp")
        if azp is not None:
            if azp not in audiences or not isinstance(azp, str):
                raise LaunchRejected("wrong_audience", "azp is not among aud")
            return azp
        if len(audiences) != 1 or not isinstance(audiences[0], str):
            # OIDC Core 3.1.3.7: several audiences need azp to say which is meant.
            raise LaunchRejected("wrong_audience", "several audiences without azp")
        return audiences[0]

    def validate_registration(self) -> HubMessageLaunch:
        iss = self._get_jwt_body().get("iss")
        if not iss:
            raise LaunchRejected("missing_claim", "iss")
        client_id = self.get_client_id()
        self._registration = self._tool_config.find_registration_by_params(iss, client_id)
        if self._registration is None:
            if self._tool_config.has_issuer(iss):
                raise LaunchRejected("wrong_audience", f"aud/azp {client_id!r}")
            raise LaunchRejected("unknown_platform", f"iss {iss!r}")
        return self

    # --- 4 and 5. the signature and the time claims ------------------------------------
    def get_public_key(self) -> tuple[str, str]:
        url = self.registration.get_key_set_url()
        if not url:  # HubRegistration always sets the platform's JWKS URL
            raise LaunchRejected("platform_unreachable", "no JWKS URL")
        kid = self._jwt["header"]["kid"]
        key_set, refetched = self._platform_keys(url, refresh=False)
        if not _has_kid(key_set, kid) and not refetched:
            key_set, refetched = self._platform_keys(url, refresh=True)
        self.registration.set_key_set(key_set)
        try:
            return super().get_public_key()
        except LtiException as exc:
            raise LaunchRejected("unknown_kid", f"kid {kid!r}") from exc

    def _platform_keys(self, url: str, *, refresh: bool) -> tuple[TKeySet, bool]:
        """The platform's key set and whether it was fetched just now."""
        now = datetime.now(UTC)
        cache_key = "jwks:" + hashlib.sha256(url.encode()).hexdigest()
        cached = self._sessions.get_value(cache_key, now)
        if cached and not refresh:
            return cached["key_set"], False
        if cached and refresh and cached.get("refetch") and \
                now - datetime.fromisoformat(cached["fetched_at"]) < JWKS_REFETCH_INTERVAL:
            return cached["key_set"], True  # unknown kids must not make us hammer the LMS
        try:
            response = self._requests_session.get(url)
            response.raise_for_status()
            document = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise LaunchRejected("platform_unreachable", f"{url}: {exc}") from exc
        if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
            raise LaunchRejected("platform_unreachable", f"{url} is not a JWKS")
        key_set: TKeySet = {"keys": document["keys"]}  # the keys are all a JWKS holds for us
        self._sessions.put_value(cache_key, {"key_set": key_set, "fetched_at": now.isoformat(),
                                             "refetch": refresh}, now + self._jwks_cache)
        return key_set, True

    def validate_jwt_signature(self) -> HubMessageLaunch:
        public_key, _ = self.get_public_key()
        try:
            claims = jose.verify(self._get_id_token(), public_key, algorithms=["RS256"],
                                 audience=self.registration.get_client_id(),
                                 issuer=self.registration.get_issuer(), leeway=self._clock_skew,
                                 require=["exp", "iat", "iss", "aud", "nonce"])
        except jose.ExpiredSignatureError as exc:
            raise LaunchRejected("expired", str(exc)) from exc
        except jose.ImmatureSignatureError as exc:
            raise LaunchRejected("issued_in_future", str(exc)) from exc
        except jose.InvalidAudienceError as exc:
            raise LaunchRejected("wrong_audience", str(exc)) from exc
        except jose.MissingRequiredClaimError as exc:
            raise LaunchRejected("missing_claim", exc.claim) from exc
        except jose.InvalidSignatureError as exc:
            raise LaunchRejected("bad_signature", str(exc)) from exc
        except jose.InvalidTokenError as exc:
            raise LaunchRejected("malformed_jwt", str(exc)) from exc
        problem = lifetime_problem(claims)
        if problem:
            raise LaunchRejected("lifetime_too_long", problem, status=401)
        return self

    # --- 6. the LTI claims ---------------------------------------------------------------
    def validate_claims(self) -> None:
        body: Mapping[str, object] = self._get_jwt_body()  # untrusted: checked claim by claim
        if not any(name.startswith(CLAIM) for name in body):
            raise LaunchRejected("not_lti_message", "no LTI claims")
        message_type = body.get(MESSAGE_TYPE)
        if not message_type:
            raise LaunchRejected("missing_message_type")
        if VERSION not in body:
            raise LaunchRejected("missing_version")  # LTI Core 1.3 §5.3.3: required
        if body[VERSION] != "1.3.0":
            raise LaunchRejected("wrong_version", f"version {body[VERSION]!r}")
        if message_type not in SUPPORTED_MESSAGES:
            raise LaunchRejected("unsupported_message_type", str(message_type))
        if not isinstance(body.get(DEPLOYMENT_ID), str) or not body[DEPLOYMENT_ID]:
            raise LaunchRejected("missing_deployment_id")
        if not isinstance(body.get(ROLES), list):
            raise LaunchRejected("missing_roles")  # LTI Core 5.3.7: required, may be empty
        if not isinstance(body.get("sub"), str) or not body["sub"]:
            raise LaunchRejected("missing_sub")
        if not body.get(TARGET_LINK_URI):
            raise LaunchRejected("missing_claim", "target_link_uri")
        if message_type == RESOURCE_LINK_REQUEST:
            link = body.get(RESOURCE_LINK)
            if not isinstance(link, dict) or not link.get("id"):
                raise LaunchRejected("missing_resource_link_id")
        else:
            settings = body.get(DEEP_LINKING_SETTINGS)
            if not isinstance(settings, dict) or not settings.get("deep_link_return_url") \
                    or "ltiResourceLink" not in (settings.get("accept_types") or []):
                raise LaunchRejected("bad_deep_linking_settings")

    # --- 7. the nonce ----------------------------------------------------------------------
    def validate_nonce(self) -> HubMessageLaunch:
        nonce = self._get_jwt_body().get("nonce")
        state = self._get_request_param("state")
        issued = self._session_service.get_state_params(state) or {}
        if not isinstance(nonce, str) or issued.get("nonce") != nonce:
            raise LaunchRejected("state_mismatch", "the nonce was not issued for this state")
        if not self._session_service.check_nonce(nonce):
            raise LaunchRejected("nonce_replayed")
        return self

    def get_service_connector(self) -> HubServiceConnector:
        return HubServiceConnector(self.registration, self._requests_session)


def _has_kid(key_set: TKeySet, kid: str) -> bool:
    return any(isinstance(k, dict) and k.get("kid") == kid for k in key_set.get("keys", []))


def describe(body: Mapping[str, Any]) -> str:
    """A short, log-safe summary of a launch for log lines."""
    return json.dumps({"iss": body.get("iss"), "sub": body.get("sub"),
                       "deployment_id": body.get(DEPLOYMENT_ID),
                       "message_type": body.get(MESSAGE_TYPE)})
