"""pylti1p3 objects for the current request, wired to the hub's storage and settings."""

from __future__ import annotations

from pylti1p3.contrib.flask import FlaskRequest

from hub.settings import current_settings
from lti.http import TimeoutSession
from lti.i18n import translator
from lti.tool.adapters import (
    DatabaseLaunchDataStorage,
    HubCookieService,
    HubOIDCLogin,
    HubSessionService,
    HubToolConf,
)
from lti.tool.storage import stores as tool_stores
from lti.tool.validation import HubMessageLaunch


def tool_config() -> HubToolConf:
    storage = tool_stores()
    return HubToolConf(storage.lti_platforms, storage.lti_keys)


def http_session() -> TimeoutSession:
    return TimeoutSession(current_settings().lti.http_timeout)


def _services(request: FlaskRequest) -> tuple[DatabaseLaunchDataStorage, HubSessionService,
                                              HubCookieService]:
    storage = DatabaseLaunchDataStorage(tool_stores().lti_sessions)
    storage.set_request(request)
    session = HubSessionService(request, storage, current_settings().lti.launch_ttl)
    return storage, session, HubCookieService(request)


def oidc_login(language: str) -> tuple[HubOIDCLogin, HubCookieService]:
    request = FlaskRequest()
    storage, session, cookies = _services(request)
    login = HubOIDCLogin(request, tool_config(), session_service=session,
                         cookie_service=cookies, launch_data_storage=storage)
    t = translator(language)
    # pylti1p3's new-window fallback: a page that tests whether the iframe may keep
    # cookies and, if not, offers to continue the login in a new window.
    login.enable_check_cookies(main_msg=t("cookies.blocked"), click_msg=t("cookies.open"),
                               loading_msg=t("cookies.loading"))
    return login, cookies


def _launch_kwargs(request: FlaskRequest) -> dict:
    storage, session, cookies = _services(request)
    settings = current_settings()
    return {"session_service": session, "cookie_service": cookies,
            "launch_data_storage": storage, "requests_session": http_session(),
            "sessions": tool_stores().lti_sessions, "clock_skew": settings.lti.clock_skew,
            "jwks_cache_seconds": settings.lti.jwks_cache_seconds}


def message_launch() -> HubMessageLaunch:
    request = FlaskRequest()
    return HubMessageLaunch(request, tool_config(), **_launch_kwargs(request))


def restored_launch(launch_id: str) -> HubMessageLaunch:
    """A launch validated earlier (by any worker), found by its id in the database."""
    request = FlaskRequest()
    return HubMessageLaunch.from_cache(launch_id, request, tool_config(),
                                       **_launch_kwargs(request))
