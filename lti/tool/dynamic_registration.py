"""LTI Dynamic Registration 1.0, tool side: one pasted URL registers the hub.

The LMS opens `/lti/register/<invite>?openid_configuration=...&registration_token=...`.
The invite (made with `lti invite` or the admin API) is single-use and expires, so
only platforms an admin invited can register: a registered issuer may assert e-mails
and NIPs that link to hub identities.  The hub reads the platform's OpenID
configuration, posts its client registration (§3.5), stores the platform and the
deployment it was given, and the page tells the LMS to close (§3.6).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from urllib.parse import urlsplit

import requests

from hub.settings import current_settings
from hub.storage.contract import AlreadyExists
from lti.tool.registration import (
    NIP_CUSTOM_PARAMETERS,
    InvalidRegistration,
    NewPlatform,
    invite_digest,
    register_platform,
    tool_urls,
)
from lti.tool.session import http_session
from lti.tool.storage import stores as tool_stores
from lti.tool.storage.contract import LtiPlatform

log = logging.getLogger(__name__)

PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
WANTED_SCOPES = (
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
    "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
)


class RegistrationFailed(Exception):
    pass


def _fetch_configuration(url: str, token: str | None) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        response = http_session().get(url, headers=headers)
        response.raise_for_status()
        configuration = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise RegistrationFailed(f"the platform configuration could not be read: {exc}"
                                 ) from exc
    if not isinstance(configuration, dict):
        raise RegistrationFailed("the platform configuration is not a JSON object")
    for name in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri",
                 "registration_endpoint"):
        if not isinstance(configuration.get(name), str):
            raise RegistrationFailed(f"the platform configuration lacks {name}")
    issuer, origin = urlsplit(configuration["issuer"]), urlsplit(url)
    if (issuer.scheme, issuer.netloc) != (origin.scheme, origin.netloc):
        # DR 1.0 §3.5.1: the configuration must come from the issuer's own host.
        raise RegistrationFailed("the issuer does not match the configuration URL")
    return configuration


def registration_request(configuration: dict) -> dict:
    urls = tool_urls(current_settings().public_url)
    supported = configuration.get("scopes_supported")
    scopes = [s for s in WANTED_SCOPES if not isinstance(supported, list) or s in supported]
    return {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": urls["login_url"],
        "redirect_uris": [urls["launch_url"]],
        "client_name": "Berpijar Learning Hub",
        "jwks_uri": urls["jwks_url"],
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join(scopes),
        TOOL_CONFIGURATION: {
            "domain": urls["domain"],
            "target_link_uri": urls["launch_url"],
            "claims": ["iss", "sub", "name", "given_name", "family_name", "email"],
            "messages": [{"type": "LtiDeepLinkingRequest", "target_link_uri":
                          urls["deep_linking_url"], "label": "Berpijar"}],
            # LTI DR 1.0 §3.4.1 (custom_parameters): the NIP with the LIS substitution
            # Moodle and Canvas expand (docs/lti.md "The NIP").
            "custom_parameters": dict(NIP_CUSTOM_PARAMETERS),
        },
    }


def register_dynamically(invite: str, openid_configuration: str,
                         registration_token: str | None) -> LtiPlatform:
    """`openid_configuration` is an https URL already (lti.tool.inputs.RegistrationQuery)."""
    storage = tool_stores()
    digest = invite_digest(invite)
    if not storage.lti_platforms.invite_is_open(digest, datetime.now(UTC)):
        raise RegistrationFailed("this registration link is unknown, used or expired")
    configuration = _fetch_configuration(openid_configuration, registration_token)
    headers = {"Authorization": f"Bearer {registration_token}"} if registration_token else {}
    try:
        response = http_session().post(configuration["registration_endpoint"],
                                       json=registration_request(configuration),
                                       headers=headers)
        response.raise_for_status()
        registered = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise RegistrationFailed(f"the platform refused the registration: {exc}") from exc
    client_id = registered.get("client_id") if isinstance(registered, dict) else None
    if not isinstance(client_id, str) or not client_id:
        raise RegistrationFailed("the platform answered without a client_id")
    tool_configuration = registered.get(TOOL_CONFIGURATION) or {}
    deployment_id = tool_configuration.get("deployment_id")
    platform_configuration = configuration.get(PLATFORM_CONFIGURATION) or {}
    try:
        platform = register_platform(storage.lti_platforms, NewPlatform(
            issuer=configuration["issuer"], client_id=client_id,
            name=str(platform_configuration.get("product_family_code") or ""),
            auth_login_url=configuration["authorization_endpoint"],
            token_url=configuration["token_endpoint"], jwks_url=configuration["jwks_uri"],
            deployment_ids=(deployment_id,) if isinstance(deployment_id, str) else (),
            auth_audience=configuration.get("authorization_server")))
    except (InvalidRegistration, AlreadyExists) as exc:
        raise RegistrationFailed(f"the platform could not be stored: {exc}") from exc
    storage.lti_platforms.close_invite(digest, platform.stored_id, datetime.now(UTC))
    log.info("LTI platform %s (%s) registered dynamically as client %s", platform.issuer,
             platform.name, client_id)
    return platform
