"""LTI fixtures: a test platform on loopback, the hub registered with it, and a browser
that walks the OIDC login and launch over HTTP."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import requests

from lti.tool.registration import NewPlatform, register_platform
from tests.lti.lms import NextLaunch, TestPlatform, auto_post_form


@pytest.fixture
def platform() -> Iterator[TestPlatform]:
    test_platform = TestPlatform()
    yield test_platform
    test_platform.close()


def register(app, platform):
    """Register `platform` with the hub; the platform trusts the hub's JWKS."""
    values = platform.registration()
    with app.app_context():
        record = register_platform(app.extensions["hub.storage"].lti_platforms, NewPlatform(
            issuer=values["issuer"], client_id=values["client_id"], name=values["name"],
            auth_login_url=values["auth_login_url"], token_url=values["token_url"],
            jwks_url=values["jwks_url"], deployment_ids=tuple(values["deployment_ids"])))
    jwks_client = app.test_client()
    platform.tool_jwks = lambda: jwks_client.get("/lti/jwks").get_json()
    return record


@pytest.fixture
def registered(app, platform):
    return register(app, platform)


class Browser:
    """A user's browser: Flask's test client for the hub (it keeps cookies), requests
    for the platform's pages."""

    def __init__(self, client, platform: TestPlatform) -> None:
        self.client = client
        self.platform = platform
        self.last_form: dict[str, str] | None = None

    def login_params(self, **extra) -> dict[str, str]:
        return {"iss": self.platform.issuer, "login_hint": "user-1",
                "target_link_uri": "https://hub.example/lti/launch",
                "lti_message_hint": "link-1", "client_id": self.platform.client_id,
                "lti_deployment_id": self.platform.deployment_id, **extra}

    def login(self, headers: dict | None = None, **extra):
        """POST the login initiation, pass the cookie check as its script would."""
        params = self.login_params(**extra)
        page = self.client.post("/lti/login", data=params, headers=headers)
        if page.status_code != 200 or b"lti1p3_new_window" not in page.data:
            return page
        return self.client.get("/lti/login", query_string={**params, "lti1p3_new_window": "1"},
                               headers=headers)

    def authorize(self, *, claims: dict | None = None, remove: tuple[str, ...] = (),
                  header: dict | None = None, sign=None, key=None,
                  headers: dict | None = None) -> dict[str, str]:
        """Login at the hub, then at the platform: the form the platform auto-posts."""
        self.platform.next = NextLaunch(claims=dict(claims or {}), remove=remove,
                                        header=header or {}, sign=sign, key=key)
        redirect = self.login(headers=headers)
        assert redirect.status_code == 302, redirect.data[:500]
        location = redirect.headers["Location"]
        assert location.startswith(self.platform.url), location
        self.last_form = auto_post_form(requests.get(location, timeout=10).text)
        return self.last_form

    def launch(self, headers: dict | None = None, **spec):
        form = self.authorize(headers=headers, **spec)
        return self.client.post("/lti/launch", data=form, headers=headers)

    def replay(self):
        return self.client.post("/lti/launch", data=self.last_form)

    def follow(self, response):
        assert response.status_code in (302, 303), response.data[:800]
        location = urlsplit(response.headers["Location"])
        path = location.path + (f"?{location.query}" if location.query else "")
        return self.client.get(path)


@pytest.fixture
def browser(app, registered, platform) -> Browser:
    return Browser(app.test_client(), platform)


@pytest.fixture
def lti_log(caplog):
    caplog.set_level(logging.INFO)
    return caplog


@pytest.fixture
def log_lines(app):
    """What the hub's log handler writes during the test (it replaces pytest's)."""
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "stderr")
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    yield buffer
    handler.setStream(previous)


def assert_rejected(response, code: str, log_lines) -> None:
    """A clear page naming the reason, and a log line with the same code."""
    assert response.status_code == 400, response.data[:300]
    page = response.get_data(as_text=True)
    assert f'data-reason="{code}"' in page
    assert "Peluncuran ditolak" in page
    assert f"LTI request rejected: {code}" in log_lines.getvalue()
