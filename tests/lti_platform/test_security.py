"""The authorization endpoint, the token endpoint and the services refuse what they must:
wrong clients and redirect URIs, other users' hints, replays, bad assertions, foreign
line items and members, and tokens used beyond their scope."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

import jwt
import pytest
import requests

from tests.lti.lms import platform_key
from tests.lti_platform.conftest import Browser, place, query_of, register_partner
from tests.lti_platform.partner import PartnerTool

ASSERTION = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"


def auth_params(browser: Browser) -> dict[str, str]:
    """Sign in, press "Buka", and stop where the tool sends the browser to the hub."""
    browser.open_catalogue(browser.sign_in())
    page = browser.http.get(browser.hub.url + "/lti/platform/catalogue").text
    csrf = page.split('name="csrf" value="')[1].split('"')[0]
    to_tool = browser.http.post(browser.hub.url + "/lti/platform/launch/etika-asn",
                                data={"csrf": csrf}, allow_redirects=False)
    to_hub = browser.http.get(to_tool.headers["Location"], allow_redirects=False)
    assert to_hub.headers["Location"].startswith(browser.hub.url + "/lti/platform/auth")
    return query_of(to_hub.headers["Location"])


def authorize(browser: Browser, params: dict[str, str], session=None) -> requests.Response:
    return (session or browser.http).get(browser.hub.url + "/lti/platform/auth", params=params)


def posted_error(response: requests.Response) -> str | None:
    if 'name="error" value="' not in response.text:
        return None
    return response.text.split('name="error" value="')[1].split('"')[0]


def test_authorization_signs_an_id_token_for_the_signed_in_learner(
        hub, browser, partner, registered_partner):
    response = authorize(browser, auth_params(browser))
    assert 'name="id_token"' in response.text
    assert response.headers["Cache-Control"] == "no-store"


def test_unknown_client_id_is_refused_on_a_page_not_redirected(
        hub, browser, partner, registered_partner):
    response = authorize(browser, {**auth_params(browser), "client_id": "someone-else"})
    assert response.status_code == 400
    assert 'data-reason="unauthorized_client"' in response.text
    assert "id_token" not in response.text


def test_unregistered_redirect_uri_is_refused_on_a_page_not_redirected(
        hub, browser, partner, registered_partner):
    params = {**auth_params(browser), "redirect_uri": "http://127.0.0.1:9/steal"}
    response = authorize(browser, params)
    assert response.status_code == 400
    assert "/steal" not in response.text


@pytest.mark.parametrize(("change", "error"), [
    ({"prompt": "login"}, "invalid_request"),
    ({"response_mode": "query"}, "invalid_request"),
    ({"response_type": "code"}, "unsupported_response_type"),
    ({"scope": "profile"}, "invalid_scope"),
    ({"nonce": ""}, "invalid_request"),
    ({"lti_message_hint": "made-up"}, "invalid_request"),
    ({"login_hint": "f" * 64}, "login_required"),
])
def test_authorization_request_errors_go_back_to_the_tool(
        hub, browser, partner, registered_partner, change, error):
    response = authorize(browser, {**auth_params(browser), **change})
    assert posted_error(response) == error
    assert 'name="id_token"' not in response.text


def test_authorization_ignores_parameters_it_does_not_know(
        hub, browser, partner, registered_partner):
    """RFC 6749 §3.1: "The authorization server MUST ignore unrecognized request
    parameters"; OIDC Core defines optional ones the hub does not use."""
    params = {**auth_params(browser), "ui_locales": "id", "display": "page", "max_age": ""}
    assert 'name="id_token"' in authorize(browser, params).text


def test_a_repeated_authorization_parameter_goes_back_to_the_tool(
        hub, browser, partner, registered_partner):
    params = auth_params(browser)
    response = authorize(browser, {**params, "nonce": [params["nonce"], "another"]})
    assert posted_error(response) == "invalid_request"
    assert "nonce" in response.text.split('name="error_description" value="')[1].split('"')[0]
    assert f'name="state" value="{params["state"]}"' in response.text


def test_a_repeated_redirect_uri_is_refused_on_a_page_not_redirected(
        hub, browser, partner, registered_partner):
    params = auth_params(browser)
    twice = [params["redirect_uri"], "http://127.0.0.1:9/steal"]
    response = authorize(browser, {**params, "redirect_uri": twice})
    assert response.status_code == 400
    assert 'data-reason="invalid_request"' in response.text
    assert posted_error(response) is None and "/steal" not in response.text


def test_a_launch_cannot_be_completed_in_another_browser(
        hub, browser, partner, registered_partner):
    params = auth_params(browser)
    response = authorize(browser, params, session=requests.Session())
    assert posted_error(response) == "login_required"


def test_a_message_hint_launches_once(hub, browser, partner, registered_partner):
    params = auth_params(browser)
    assert 'name="id_token"' in authorize(browser, params).text
    assert posted_error(authorize(browser, params)) == "invalid_request"


# --- the token endpoint --------------------------------------------------------------------
def assertion(hub, partner, **claims) -> str:
    now = int(time.time())
    body = {"iss": partner.client_id, "sub": partner.client_id,
            "aud": hub.url + "/lti/platform/token", "iat": now, "exp": now + 60,
            "jti": uuid.uuid4().hex, **claims}
    kid = partner.conf.get_jwks()["keys"][0]["kid"]
    return jwt.encode({k: v for k, v in body.items() if v is not None}, partner.key.pem,
                      algorithm="RS256", headers={"kid": kid})


def token_request(hub, partner, *, scope: str = SCOPE + "score", grant="client_credentials",
                  signed: str | None = None) -> requests.Response:
    return requests.post(hub.url + "/lti/platform/token", data={
        "grant_type": grant, "client_assertion_type": ASSERTION,
        "client_assertion": signed or assertion(hub, partner), "scope": scope})


def access_token(hub, partner, *scopes: str) -> dict[str, str]:
    response = token_request(hub, partner, scope=" ".join(scopes))
    assert response.status_code == 200, response.text
    return {"Authorization": "Bearer " + response.json()["access_token"]}


def test_token_is_short_lived_and_carries_the_scopes_granted(hub, partner, registered_partner):
    body = token_request(hub, partner).json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900
    assert body["scope"] == SCOPE + "score"


@pytest.mark.parametrize(("case", "error", "status"), [
    ("wrong_audience", "invalid_client", 401),
    ("expired", "invalid_client", 401),
    ("unknown_client", "invalid_client", 401),
    ("other_key", "invalid_client", 401),
    ("hs256", "invalid_client", 401),
    ("no_jti", "invalid_client", 401),
    ("exp_in_year_9999", "invalid_client", 401),
    ("lives_two_hours", "invalid_client", 401),
    ("exp_not_a_number", "invalid_client", 401),
    ("unknown_scope", "invalid_scope", 400),
    ("password_grant", "unsupported_grant_type", 400),
])
def test_token_requests_are_refused_with_the_oauth_error(hub, partner, registered_partner,
                                                         case, error, status):
    kid = partner.conf.get_jwks()["keys"][0]["kid"]
    now = int(time.time())
    signed, scope, grant = None, SCOPE + "score", "client_credentials"
    if case == "wrong_audience":
        signed = assertion(hub, partner, aud="https://elsewhere.example/token")
    elif case == "expired":
        signed = assertion(hub, partner, iat=now - 600, exp=now - 300)
    elif case == "unknown_client":
        signed = assertion(hub, partner, iss="nobody", sub="nobody")
    elif case == "other_key":
        claims = jwt.decode(assertion(hub, partner), options={"verify_signature": False})
        signed = jwt.encode(claims, platform_key("intruder").pem, algorithm="RS256",
                            headers={"kid": kid})
    elif case == "hs256":
        claims = jwt.decode(assertion(hub, partner), options={"verify_signature": False})
        signed = jwt.encode(claims, "x" * 32, algorithm="HS256", headers={"kid": kid})
    elif case == "no_jti":
        signed = assertion(hub, partner, jti=None)
    elif case == "exp_in_year_9999":
        signed = assertion(hub, partner, exp=253402300799)
    elif case == "lives_two_hours":
        signed = assertion(hub, partner, exp=now + 7200)
    elif case == "exp_not_a_number":
        signed = assertion(hub, partner, exp="soon")
    elif case == "unknown_scope":
        scope = "https://example.com/scope/everything"
    elif case == "password_grant":
        grant = "password"
    response = token_request(hub, partner, scope=scope, grant=grant, signed=signed)
    assert response.status_code == status, response.text
    assert response.json()["error"] == error


def token_form(hub, partner, **change) -> dict:
    form = {"grant_type": "client_credentials", "client_assertion_type": ASSERTION,
            "client_assertion": assertion(hub, partner), "scope": SCOPE + "score", **change}
    return {k: v for k, v in form.items() if v is not None}


def test_a_token_request_ignores_unknown_and_empty_parameters(hub, partner, registered_partner):
    """RFC 6749 §3.2: "The authorization server MUST ignore unrecognized request
    parameters", and "Parameters sent without a value MUST be treated as if they were
    omitted from the request"."""
    form = token_form(hub, partner, client_id="", resource="https://mitra.example/")
    response = requests.post(hub.url + "/lti/platform/token", data=form)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(("change", "error", "parameter"), [
    ({"grant_type": None}, "invalid_request", "grant_type"),
    ({"grant_type": ["client_credentials"] * 2}, "invalid_request", "grant_type"),
    ({"client_assertion_type": "urn:example:secret"}, "invalid_request",
     "client_assertion_type"),
    ({"client_assertion": ""}, "invalid_request", "client_assertion"),
    ({"scope": [SCOPE + "score", SCOPE + "lineitem"]}, "invalid_request", "scope"),
    ({"grant_type": "authorization_code"}, "unsupported_grant_type", "grant_type"),
])
def test_malformed_token_requests_are_the_oauth_error_naming_the_parameter(
        hub, partner, registered_partner, change, error, parameter):
    """RFC 6749 §5.2: invalid_request "is missing a required parameter, includes an
    unsupported parameter value (other than grant type), repeats a parameter ..."."""
    response = requests.post(hub.url + "/lti/platform/token",
                             data=token_form(hub, partner, **change))
    assert response.status_code == 400, response.text
    body = response.json()
    assert set(body) == {"error", "error_description"} and body["error"] == error
    assert f"'{parameter}'" in body["error_description"]
    assert response.headers["Cache-Control"] == "no-store"


def test_ltijs_asking_lineitem_readonly_and_result_readonly_gets_both(
        hub, partner, registered_partner):
    """ltijs asks for both at once; `lineitem` (held) includes reading line items."""
    asked = f"{SCOPE}lineitem.readonly {SCOPE}result.readonly"
    body = token_request(hub, partner, scope=asked).json()
    assert body["scope"] == asked


def test_a_token_request_gets_the_allowed_part_of_what_it_asks(hub, partner):
    register_partner(hub, partner, services=["score"])
    body = token_request(hub, partner, scope=f"{SCOPE}score {SCOPE}lineitem "
                         "https://example.com/scope/everything").json()
    assert body["scope"] == SCOPE + "score"  # RFC 6749 §3.3: says what it granted
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["scope"] == SCOPE + "score"


def test_a_token_request_with_nothing_grantable_is_invalid_scope(hub, partner):
    register_partner(hub, partner, services=["score"])
    for asked in (SCOPE + "lineitem.readonly", SCOPE + "lineitem " + SCOPE + "result.readonly",
                  "https://example.com/scope/everything"):
        response = token_request(hub, partner, scope=asked)
        assert response.status_code == 400, asked
        assert response.json()["error"] == "invalid_scope"


def test_a_client_assertion_works_once(hub, partner, registered_partner):
    signed = assertion(hub, partner)
    assert token_request(hub, partner, signed=signed).status_code == 200
    replay = token_request(hub, partner, signed=signed)
    assert replay.status_code == 401
    assert replay.json()["error"] == "invalid_client"
    assert "already used" in replay.json()["error_description"]


# --- the services ---------------------------------------------------------------------------
@pytest.fixture
def launched(hub, browser, partner, registered_partner):
    browser.open_catalogue(browser.sign_in())
    browser.post_form(browser.launch_entry())
    return partner.last.get_launch_data()


def lineitems_url(claims) -> str:
    return claims["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"]["lineitems"]


def test_a_token_for_one_scope_cannot_use_another(hub, partner, launched):
    headers = access_token(hub, partner, SCOPE + "score")
    response = requests.get(lineitems_url(launched), headers=headers)
    assert response.status_code == 403
    assert response.json()["error"] == "insufficient_scope"
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]


def test_a_bad_bearer_token_is_refused(hub, partner, launched):
    response = requests.get(lineitems_url(launched), headers={"Authorization": "Bearer x.y.z"})
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"


def test_a_tool_cannot_touch_another_tools_line_items_results_or_members(
        hub, partner, launched):
    other = PartnerTool("Mitra Lain")
    try:
        register_partner(hub, other)
        headers = access_token(hub, other, SCOPE + "lineitem", SCOPE + "score",
                               SCOPE + "result.readonly", NRPS)
        item = launched["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"]["lineitem"]
        assert requests.get(item, headers=headers).status_code == 404
        assert requests.put(item, json={"label": "x", "scoreMaximum": 1},
                            headers=headers).status_code == 404
        assert requests.delete(item, headers=headers).status_code == 404
        assert requests.get(item + "/results", headers=headers).status_code == 404
        assert requests.post(item + "/scores", headers=headers, json={
            "userId": launched["sub"], "timestamp": datetime.now(UTC).isoformat(),
            "activityProgress": "Completed", "gradingProgress": "FullyGraded"},
        ).status_code == 404
        assert requests.get(lineitems_url(launched), headers=headers).status_code == 404
        members = launched["https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"][
            "context_memberships_url"]
        assert requests.get(members, headers=headers).status_code == 404
    finally:
        other.close()
    mine = access_token(hub, partner, SCOPE + "lineitem")
    assert requests.get(item, headers=mine).status_code == 200


def test_subs_differ_between_tools_and_stay_stable_per_tool(hub, browser, partner, launched):
    first = launched["sub"]
    browser.post_form(browser.launch_entry())
    assert partner.last.get_launch_data()["sub"] == first
    other = PartnerTool("Mitra Lain")
    try:
        record = register_partner(hub, other)
        place(hub, record, "etika-asn-2")
        browser.post_form(browser.launch_entry("etika-asn-2"))
        assert other.last.get_launch_data()["sub"] != first
    finally:
        other.close()
