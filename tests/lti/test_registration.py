"""Registering platforms (CLI, admin API, Dynamic Registration), the catalogue, and
rotating the hub's keys."""

from __future__ import annotations

import jwt
import pytest

from tests.lti.lms import CLAIM, auto_post_form


def cli_register(runner, platform, *extra):
    values = platform.registration()
    return runner.invoke(args=[
        "lti", "register", "--issuer", values["issuer"], "--client-id", values["client_id"],
        "--name", "Moodle BKPSDM", "--auth-login-url", values["auth_login_url"],
        "--token-url", values["token_url"], "--jwks-url", values["jwks_url"],
        "--deployment-id", "dep-1", "--deployment-id", "dep-2", *extra])


def test_cli_registers_a_platform_with_several_deployments(app, runner, platform):
    result = cli_register(runner, platform)
    assert result.exit_code == 0, result.output
    assert "deployments: dep-1, dep-2" in result.output and "/lti/jwks" in result.output
    listing = runner.invoke(args=["lti", "platforms"]).output
    assert "Moodle BKPSDM" in listing and "deployments=dep-1,dep-2" in listing


def test_cli_refuses_a_second_registration_of_the_same_client(runner, platform):
    cli_register(runner, platform)
    result = cli_register(runner, platform)
    assert result.exit_code != 0 and "already registered" in result.output


def test_cli_refuses_plain_http_platform_urls(runner):
    result = runner.invoke(args=[
        "lti", "register", "--issuer", "http://lms.example", "--client-id", "c",
        "--auth-login-url", "https://lms.example/auth", "--token-url",
        "https://lms.example/token", "--jwks-url", "https://lms.example/jwks"])
    assert result.exit_code != 0 and "https" in result.output


def test_two_clients_of_one_issuer_launch_side_by_side(app, runner, browser):
    platform = browser.platform
    runner.invoke(args=["lti", "register", "--issuer", platform.issuer, "--client-id",
                        "second-client", "--auth-login-url", platform.url + "/auth?tenant=Bkpsdm",
                        "--token-url", platform.url + "/token", "--jwks-url",
                        platform.url + "/jwks", "--deployment-id", "dep-9"])
    assert browser.launch().status_code == 303
    platform.client_id, platform.deployment_id = "second-client", "dep-9"
    assert browser.launch().status_code == 303


def test_added_deployment_can_launch(runner, browser):
    browser.platform.deployment_id = "dep-new"
    assert runner.invoke(args=["lti", "deployment-add", "1", "dep-new"]).exit_code == 0
    assert browser.launch().status_code == 303


def test_admin_api_registers_and_lists_platforms(client, make_credential, platform):
    admin = {"Authorization": make_credential("admin")["Authorization"]}
    response = client.post("/api/admin/lti/platforms", json=platform.registration(),
                           headers=admin)
    assert response.status_code == 201, response.data
    body = response.get_json()
    assert body["deployment_ids"] == ["dep-1"] and body["client_id"] == "hub-client"
    again = client.post("/api/admin/lti/platforms", json=platform.registration(),
                        headers=admin)
    assert again.status_code == 409
    added = client.post(f"/api/admin/lti/platforms/{body['id']}/deployments",
                        json={"deployment_id": "dep-2"}, headers=admin)
    assert added.get_json()["deployment_ids"] == ["dep-1", "dep-2"]
    listed = client.get("/api/admin/lti/platforms", headers=admin).get_json()
    assert [p["issuer"] for p in listed["platforms"]] == [platform.issuer]


def test_admin_api_needs_the_admin_scope(client, make_credential, platform):
    partner = {"Authorization": make_credential("all")["Authorization"]}
    response = client.post("/api/admin/lti/platforms", json=platform.registration(),
                           headers=partner)
    assert response.status_code == 403
    assert client.get("/api/admin/lti/platforms").status_code == 401


def test_admin_api_points_at_the_bad_field(client, make_credential, platform):
    admin = {"Authorization": make_credential("admin")["Authorization"]}
    bad = client.post("/api/admin/lti/platforms", headers=admin,
                      json=platform.registration(jwks_url="ftp://lms.example/jwks"))
    assert bad.status_code == 400 and bad.get_json()["error"]["pointer"] == "/jwks_url"
    unknown = client.post("/api/admin/lti/platforms", headers=admin,
                          json={**platform.registration(), "secret": "x"})
    assert unknown.get_json()["error"]["pointer"] == "/secret"


def test_admin_api_adds_and_searches_catalogue_entries(client, make_credential):
    admin = {"Authorization": make_credential("admin")["Authorization"]}
    entry = {"id": "etika-asn", "title": "Etika ASN", "activity_id":
             "https://partner.example/etika", "launch_url": "https://partner.example/run",
             "graded": True, "score_maximum": 50, "keywords": "integritas"}
    assert client.post("/api/admin/lti/catalogue", json=entry, headers=admin).status_code == 201
    assert client.post("/api/admin/lti/catalogue", json=entry, headers=admin).status_code == 409
    found = client.get("/api/admin/lti/catalogue?q=INTEGRITAS", headers=admin).get_json()
    assert [e["id"] for e in found["entries"]] == ["etika-asn"]


def test_cli_adds_catalogue_entries(runner):
    result = runner.invoke(args=["lti", "catalogue", "add", "--id", "k3", "--title",
                                 "Keselamatan Kerja", "--activity-id",
                                 "https://partner.example/k3", "--launch-url",
                                 "https://partner.example/k3/run", "--graded"])
    assert result.exit_code == 0 and "(graded)" in result.output
    assert "k3" in runner.invoke(args=["lti", "catalogue", "list"]).output


def dynamic_registration(client, platform, url: str):
    path = url.split("localhost:5000", 1)[1] if "localhost:5000" in url else url
    return client.get(path, query_string={
        "openid_configuration": platform.url + "/.well-known/openid-configuration",
        "registration_token": platform.registration_token})


def test_dynamic_registration_registers_the_platform_from_one_url(
        app, client, make_credential, platform):
    admin = {"Authorization": make_credential("admin")["Authorization"]}
    url = client.post("/api/admin/lti/registration-invites", json={"note": "Moodle"},
                      headers=admin).get_json()["registration_url"]
    page = dynamic_registration(client, platform, url)
    assert page.status_code == 200, page.data
    assert "org.imsglobal.lti.close" in page.get_data(as_text=True)
    [sent] = platform.registrations
    assert sent["initiate_login_uri"].endswith("/lti/login")
    assert sent["jwks_uri"].endswith("/lti/jwks")
    assert sent["token_endpoint_auth_method"] == "private_key_jwt"
    assert "contextmembership" not in sent["scope"]  # not offered by this platform
    with app.app_context():
        [stored] = app.extensions["hub.storage"].lti_platforms.list_platforms()
    assert (stored.client_id, stored.deployment_ids) == ("dr-client", ("dr-deployment",))
    assert stored.name == "moodle" and stored.auth_login_url.endswith("?tenant=Bkpsdm")


def test_dynamically_registered_platform_can_launch(app, client, runner, platform):
    from tests.lti.conftest import Browser

    url = runner.invoke(args=["lti", "invite"]).output.splitlines()[0]
    assert dynamic_registration(client, platform, url).status_code == 200
    jwks = app.test_client()
    platform.tool_jwks = lambda: jwks.get("/lti/jwks").get_json()
    platform.client_id, platform.deployment_id = "dr-client", "dr-deployment"
    assert Browser(app.test_client(), platform).launch().status_code == 303


def test_registration_invite_works_once(client, runner, platform, log_lines):
    url = runner.invoke(args=["lti", "invite"]).output.splitlines()[0]
    assert dynamic_registration(client, platform, url).status_code == 200
    again = dynamic_registration(client, platform, url)
    assert again.status_code == 400 and "used or expired" in again.get_data(as_text=True)
    assert "dynamic registration failed" in log_lines.getvalue()


def test_dynamic_registration_without_an_invite_is_refused(client, platform):
    response = dynamic_registration(client, platform, "/lti/register/made-up-token")
    assert response.status_code == 400 and platform.registrations == []


def invite_path(runner) -> str:
    url = runner.invoke(args=["lti", "invite"]).output.splitlines()[0]
    return url[url.index("/lti/register/"):]


def test_a_registration_url_opened_without_openid_configuration_says_so(
        client, runner, platform):
    # LTI DR 1.0 §3.3: the platform opens the URL with openid_configuration; a browser
    # opening it by hand has none. The invite stays open for the LMS.
    path = invite_path(runner)
    page = client.get(path, headers={"Accept-Language": "en"})
    assert page.status_code == 400 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    assert 'data-reason="missing_parameter"' in text and "could not be registered" in text
    assert 'The parameter &#34;openid_configuration&#34; is missing.' in text
    assert dynamic_registration(client, platform, path).status_code == 200


@pytest.mark.parametrize("query", [
    {"openid_configuration": "ftp://lms.example/openid"},
    {"openid_configuration": ["https://a.example/o", "https://b.example/o"]},
])
def test_a_bad_openid_configuration_is_refused_before_the_platform_is_asked(
        client, runner, platform, query):
    page = client.get(invite_path(runner), query_string=query)
    assert page.status_code == 400
    text = page.get_data(as_text=True)
    assert 'data-reason="bad_parameter"' in text and "&#34;openid_configuration&#34;" in text
    assert platform.registrations == []


def test_registration_ignores_parameters_a_platform_adds_of_its_own(client, runner,
                                                                      platform):
    page = client.get(invite_path(runner), query_string={
        "openid_configuration": platform.url + "/.well-known/openid-configuration",
        "registration_token": platform.registration_token, "lms_version": "4.5"})
    assert page.status_code == 200, page.data
    assert len(platform.registrations) == 1


def test_key_rotation_publishes_the_next_key_before_signing_with_it(app, runner, browser):
    jwks = lambda: [k["kid"] for k in browser.client.get("/lti/jwks").get_json()["keys"]]  # noqa: E731
    [first] = jwks()
    assert "published next key" in runner.invoke(args=["lti", "keys", "rotate"]).output
    assert len(jwks()) == 2
    assert deep_link_kid(app, browser) == first  # published, not yet signing
    too_early = runner.invoke(args=["lti", "keys", "rotate"])
    assert too_early.exit_code != 0 and "--force" in too_early.output
    assert runner.invoke(args=["lti", "keys", "rotate", "--force"]).exit_code == 0
    second = deep_link_kid(app, browser)
    assert second != first and set(jwks()) == {first, second}  # the old key stays a while


def deep_link_kid(app, browser) -> str:
    from lti.tool.registration import NewEntry, add_catalogue_entry

    with app.app_context():
        store = app.extensions["hub.storage"].lti_catalogue
        if store.get_entry("k3") is None:
            add_catalogue_entry(store, NewEntry(id="k3", title="K3", activity_id="urn:k3",
                                                launch_url="https://partner.example/k3"))
    location = browser.launch(claims={CLAIM + "message_type": "LtiDeepLinkingRequest"}
                              ).headers["Location"]
    page = browser.client.post(location, data={"entry": "k3"}).get_data(as_text=True)
    return jwt.get_unverified_header(auto_post_form(page)["JWT"])["kid"]


def test_service_token_requests_are_signed_with_the_published_key(browser):
    # The LMS's token endpoint verifies the hub's client assertion against /lti/jwks.
    browser.platform.members["course-1"] = [{"user_id": "u1", "roles": []}]
    browser.launch(claims={CLAIM + "roles": ["Instructor"], "sub": "t"})
    assert len(browser.platform.token_requests) == 1
