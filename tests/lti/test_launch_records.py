"""What a launch leaves behind: the xAPI statement, the user, the link, the identity; and
the plumbing that lets it work in an iframe and across workers."""

from __future__ import annotations

import pytest

from hub.app import create_app
from lrs.service import statements_after
from lti.service import set_identity_linker
from tests.lti.lms import CLAIM


def stored_statements(app) -> list[dict]:
    with app.app_context():
        return [s.document for s in statements_after(0)]


def test_launch_records_a_launched_statement_with_lms_course_and_link(app, browser):
    browser.launch()
    [statement] = stored_statements(app)
    issuer = browser.platform.issuer
    assert statement["verb"]["id"] == "http://adlnet.gov/expapi/verbs/launched"
    assert statement["actor"]["account"] == {"homePage": issuer, "name": "learner-1"}
    assert statement["actor"]["name"] == "Siti Rahma"
    context = statement["context"]
    assert context["platform"] == "Moodle 4.3"
    [link] = context["contextActivities"]["parent"]
    assert link["definition"]["name"] == {"und": "Modul 1"}
    course, lms = context["contextActivities"]["grouping"]
    assert course["definition"]["name"] == {"und": "Orientasi ASN"}
    assert lms["id"] == issuer
    email = "https://berpijar.go.id/xapi/extensions/lti/email"
    assert context["extensions"][email] == "siti@example.go.id"
    assert statement["authority"]["account"]["name"] == "hub:lti"


def test_launch_without_context_records_the_lms_as_the_only_grouping(app, browser):
    browser.launch(claims={"_context_id": None})
    [statement] = stored_statements(app)
    [lms] = statement["context"]["contextActivities"]["grouping"]
    assert lms["id"] == browser.platform.issuer


def test_launch_links_the_user_to_a_hub_identity_with_nip_email_and_sourcedid(
        app, browser):
    calls = []

    def link_lti_user(issuer, sub, *, nip=None, email=None, sourcedid=None):
        calls.append((issuer, sub, nip, email, sourcedid))
        return nip

    set_identity_linker(app, link_lti_user)
    browser.launch(claims={CLAIM + "custom": {"nip": "199001012015011001"},
                           CLAIM + "lis": {"person_sourcedid": "SIS-42"}})
    assert calls == [(browser.platform.issuer, "learner-1", "199001012015011001",
                      "siti@example.go.id", "SIS-42")]
    with app.app_context():
        user = app.extensions["hub.storage"].lti_roster.find_user(browser.platform.issuer,
                                                                  "learner-1")
    assert user.hub_identity == "199001012015011001" and user.nip == "199001012015011001"


def test_custom_nip_that_is_not_18_digits_is_not_passed_on(app, browser):
    seen = []
    set_identity_linker(app, lambda issuer, sub, **kw: seen.append(kw["nip"]))
    browser.launch(claims={CLAIM + "custom": {"nip": "$User.nip"}})
    assert seen == [None]


def test_failing_identity_link_does_not_block_the_launch(app, browser):
    def broken(*args, **kwargs):
        raise RuntimeError("identity store down")

    set_identity_linker(app, broken)
    assert browser.launch().status_code == 303


def test_login_keeps_the_query_string_of_the_platform_auth_url(browser):
    browser.launch()
    [auth] = browser.platform.auth_requests
    assert auth["tenant"] == "Bkpsdm" and auth["nonce"] and auth["state"]


def test_login_shows_the_new_window_fallback_before_redirecting(browser):
    page = browser.client.post("/lti/login", data=browser.login_params())
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "lti1p3_new_window" in text
    assert "Buka di jendela baru." in text  # the fallback link, in Bahasa Indonesia


@pytest.fixture
def proxied_app(app_config):
    app = create_app({**app_config, "proxy_hops": 1})
    yield app
    app.extensions["hub.storage"].dispose()


def test_login_cookie_works_in_an_iframe_behind_a_tls_proxy(proxied_app, platform):
    from tests.lti.conftest import Browser, register

    register(proxied_app, platform)
    browser = Browser(proxied_app.test_client(), platform)
    response = browser.login(headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 302
    cookie = next(v for k, v in response.headers.items() if k == "Set-Cookie"
                  and v.startswith("lti1p3-state-"))
    for attribute in ("Secure", "SameSite=None", "Partitioned", "HttpOnly"):
        assert attribute in cookie


def test_login_cookie_without_tls_is_lax_and_not_secure(browser):
    response = browser.login()
    cookie = next(v for k, v in response.headers.items() if k == "Set-Cookie"
                  and v.startswith("lti1p3-state-"))
    assert "SameSite=Lax" in cookie and "Secure" not in cookie


def test_login_on_one_worker_and_launch_on_another_share_the_database(
        app, app_config, browser):
    other_worker = create_app(app_config)  # a second app: nothing shared but the database
    try:
        form = browser.authorize()
        client = other_worker.test_client()
        for cookie in browser.client._cookies.values():
            client.set_cookie(cookie.key, cookie.value, domain=cookie.domain)
        assert client.post("/lti/launch", data=form).status_code == 303
    finally:
        other_worker.extensions["hub.storage"].dispose()


def test_platform_keys_are_cached_and_fetched_again_for_a_new_kid(browser):
    browser.launch()
    browser.launch()
    assert browser.platform.jwks_fetches == 1  # the second launch used the cached JWKS
    browser.platform.rotate_keys()
    assert browser.launch().status_code == 303
    assert browser.platform.jwks_fetches == 2


def test_jwks_publishes_the_hub_signing_key(client):
    keys = client.get("/lti/jwks").get_json()["keys"]
    assert len(keys) == 1
    assert keys[0]["alg"] == "RS256" and keys[0]["use"] == "sig" and "d" not in keys[0]


def test_the_published_jwk_is_the_public_rsa_key_with_its_thumbprint_as_kid(client):
    """Members and their order as published since the first key (jwcrypto made them then)."""
    from jwcrypto.jwk import JWK

    response = client.get("/lti/jwks")
    (jwk,) = response.get_json()["keys"]
    assert list(jwk) == ["e", "kid", "kty", "n", "alg", "use"]
    assert jwk["kid"] == JWK(**jwk).thumbprint()
    assert response.get_data(as_text=True).startswith('{"keys":[{"e":"AQAB","kid":')


def test_pages_switch_to_english(browser):
    page = browser.follow(browser.launch())
    english = browser.client.get(page.request.path + "?lang=en").get_data(as_text=True)
    assert "My learning progress" in english


def test_launch_locale_picks_the_page_language(browser):
    response = browser.launch(claims={CLAIM + "launch_presentation": {"locale": "en-AU"}})
    assert "My learning progress" in browser.follow(response).get_data(as_text=True)


def test_progress_page_of_an_unknown_launch_explains_itself(client, log_lines):
    from tests.lti.conftest import assert_rejected

    response = client.get("/lti/progress/lti1p3-launch-does-not-exist")
    assert_rejected(response, "launch_expired", log_lines)


def test_unknown_kids_fetch_the_platform_keys_again_at_most_every_30_seconds(browser):
    from tests.lti.lms import platform_key

    browser.launch()
    browser.launch(key=platform_key("rogue-key"))
    browser.launch(key=platform_key("rogue-key"))
    assert browser.platform.jwks_fetches == 2  # the first fill, then one refetch
