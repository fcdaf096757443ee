"""Managing partner tools (issue 14.5): edit, disable and enable them over the admin API
and the CLI; a disabled tool is refused at once, on every worker."""

from __future__ import annotations

import pytest
import requests

from tests.lti_platform.conftest import ENTRY, relay_claims
from tests.lti_platform.test_deep_linking import admin_headers
from tests.lti_platform.test_security import (  # noqa: F401
    SCOPE,
    access_token,
    auth_params,
    launched,
    token_request,
)

TOOLS = "/api/admin/lti/platform/tools"


def new_tool(**overrides) -> dict:
    return {"name": "Akademi Mitra", "organisation": "PT Mitra Belajar",
            "login_url": "https://mitra.example/login",
            "target_link_uri": "https://mitra.example/launch",
            "jwks_url": "https://mitra.example/jwks", "services": ["score"],
            "personal_data": ["name"], "custom": {"kelas": "A"}, **overrides}


@pytest.fixture
def admin(make_credential) -> dict[str, str]:
    return {"Authorization": make_credential("admin")["Authorization"]}


@pytest.fixture
def tool(client, admin) -> dict:
    response = client.post(TOOLS, json=new_tool(), headers=admin)
    assert response.status_code == 201, response.data
    return response.get_json()


def stored(app, tool_id: int):
    with app.app_context():
        return app.extensions["hub.storage"].lti_platform_tools.get_tool(tool_id)


# --- the admin API ---------------------------------------------------------------------
def test_admin_api_edits_the_fields_given_and_keeps_the_ids(app, client, admin, tool):
    before = stored(app, tool["id"])
    response = client.patch(f"{TOOLS}/{tool['id']}", headers=admin, json={
        "name": "Akademi Mitra 2", "target_link_uri": "https://mitra.example/v2/launch",
        "login_url": "https://mitra.example/v2/login",
        "redirect_uris": ["https://mitra.example/v2/launch", "https://mitra.example/v2/dl"],
        "jwks_url": "https://mitra.example/v2/jwks", "services": ["score", "nrps"],
        "custom": {"kelas": "B", "tahun": "2026"}, "personal_data": []})
    assert response.status_code == 200, response.data
    body = response.get_json()
    assert body["name"] == "Akademi Mitra 2" and body["services"] == ["nrps", "score"]
    assert body["platform"]["token_endpoint"].endswith("/lti/platform/token")
    after = stored(app, tool["id"])
    assert (after.client_id, after.deployment_id, after.sub_salt) == (
        before.client_id, before.deployment_id, before.sub_salt)
    assert after.target_link_uri == "https://mitra.example/v2/launch"
    assert after.redirect_uris == ("https://mitra.example/v2/launch",
                                   "https://mitra.example/v2/dl")
    assert (after.custom, after.personal_data, after.organisation) == (
        {"kelas": "B", "tahun": "2026"}, frozenset(), "PT Mitra Belajar")
    assert client.patch(f"{TOOLS}/{tool['id']}", headers=admin,
                        json={"deep_linking_url": None}).status_code == 200


@pytest.mark.parametrize(("change", "pointer"), [
    ({"login_url": "http://mitra.example/login"}, "/login_url"),
    ({"target_link_uri": "ftp://mitra.example"}, "/target_link_uri"),
    ({"redirect_uris": ["https://ok.example", "javascript:x"]}, "/redirect_uris/1"),
    ({"redirect_uris": "https://ok.example"}, "/redirect_uris"),
    ({"services": ["everything"]}, "/services"),
    ({"personal_data": ["nik"]}, "/personal_data"),
    ({"custom": {"a": 1}}, "/custom/a"),
    ({"custom": ["a"]}, "/custom"),
    ({"name": ""}, "/name"),
    ({"name": 3}, "/name"),
    ({"client_id": "mine"}, "/client_id"),
    ({"deployment_id": "mine"}, "/deployment_id"),
    ({"colour": "red"}, "/colour"),
])
def test_admin_api_edit_is_validated_as_registration_and_changes_nothing_when_bad(
        app, client, admin, tool, change, pointer):
    before = stored(app, tool["id"])
    response = client.patch(f"{TOOLS}/{tool['id']}", headers=admin,
                            json={"organisation": "PT Lain", **change})
    assert response.status_code == 400, response.data
    assert response.get_json()["error"]["pointer"] == pointer
    assert stored(app, tool["id"]) == before


@pytest.mark.parametrize(("path", "body", "pointer"), [
    (TOOLS, new_tool(colour="red"), "/colour"),
    (TOOLS, {"nmae": "Akademi"}, "/nmae"),
    (TOOLS, new_tool(name=3), "/name"),
    (TOOLS, new_tool(services="score"), "/services"),
    (TOOLS, new_tool(deep_linking_url=5), "/deep_linking_url"),
    ("/api/admin/lti/platform/placements",
     {"catalogue_id": "etika", "tool_id": 1, "colour": "red"}, "/colour"),
    ("/api/admin/lti/platform/placements", {"catalogue_id": "etika", "tool_id": True},
     "/tool_id"),
    ("/api/admin/lti/platform/placements",
     {"catalogue_id": "etika", "tool_id": 1, "lesson_hours": "2"}, "/lesson_hours"),
])
def test_admin_api_bad_body_is_a_400_pointing_at_the_field(client, admin, path, body,
                                                           pointer):
    response = client.post(path, headers=admin, json=body)
    assert response.status_code == 400, response.data
    error = response.get_json()["error"]
    assert error["pointer"] == pointer and pointer in error["message"]


def test_admin_api_unknown_tool_is_404_json(client, admin):
    for method, path in (("patch", f"{TOOLS}/99"), ("post", f"{TOOLS}/99/disable"),
                         ("post", f"{TOOLS}/99/enable")):
        response = getattr(client, method)(path, headers=admin,
                                           json={"name": "x"} if method == "patch" else None)
        assert response.status_code == 404, (method, path)
        assert response.get_json()["error"]["code"] == "not_found"


def test_admin_api_management_needs_the_admin_scope(client, make_credential, tool):
    partner = {"Authorization": make_credential("all")["Authorization"]}
    assert client.patch(f"{TOOLS}/{tool['id']}", headers=partner,
                        json={"name": "x"}).status_code == 403
    assert client.post(f"{TOOLS}/{tool['id']}/disable", headers=partner).status_code == 403
    assert client.post(f"{TOOLS}/{tool['id']}/enable").status_code == 401


def test_admin_api_disables_and_enables_and_lists_the_state(app, client, admin, tool):
    assert tool["enabled"] is True and tool["disabled_at"] is None
    disabled = client.post(f"{TOOLS}/{tool['id']}/disable", headers=admin).get_json()
    assert disabled["enabled"] is False and disabled["disabled_at"]
    [listed] = client.get(TOOLS, headers=admin).get_json()["tools"]
    assert listed["enabled"] is False
    assert not stored(app, tool["id"]).enabled
    enabled = client.post(f"{TOOLS}/{tool['id']}/enable", headers=admin).get_json()
    assert enabled["enabled"] is True and stored(app, tool["id"]).enabled


# --- the CLI -----------------------------------------------------------------------------
def test_cli_listing_says_when_no_tool_is_registered(runner):
    result = runner.invoke(args=["lti-platform", "tools"])
    assert result.exit_code == 0
    assert result.output.startswith("No partner tools registered. Register one with: ")
    assert "lti-platform register --name" in result.output


def test_cli_edits_a_tool(app, runner, tool):
    result = runner.invoke(args=[
        "lti-platform", "tool-edit", str(tool["id"]), "--name", "Mitra Baru",
        "--target-link-uri", "https://mitra.example/v2", "--service", "score",
        "--service", "lineitem", "--custom", "kelas=C", "--clear", "personal_data"])
    assert result.exit_code == 0, result.output
    assert "Mitra Baru" in result.output and "lineitem,score" in result.output
    after = stored(app, tool["id"])
    assert (after.name, after.target_link_uri, after.services, after.custom,
            after.personal_data) == ("Mitra Baru", "https://mitra.example/v2",
                                     {"score", "lineitem"}, {"kelas": "C"}, frozenset())


def test_cli_edit_is_validated(app, runner, tool):
    before = stored(app, tool["id"])
    bad = runner.invoke(args=["lti-platform", "tool-edit", str(tool["id"]), "--jwks-url",
                              "http://mitra.example/jwks"])
    assert bad.exit_code != 0 and "jwks_url" in bad.output and "https" in bad.output
    assert stored(app, tool["id"]) == before
    assert runner.invoke(args=["lti-platform", "tool-edit", str(tool["id"])]).exit_code != 0
    unknown = runner.invoke(args=["lti-platform", "tool-edit", "99", "--name", "x"])
    assert unknown.exit_code != 0 and "no partner tool 99" in unknown.output


def test_cli_disables_and_enables_and_the_listing_shows_it(app, runner, tool):
    result = runner.invoke(args=["lti-platform", "tool-disable", str(tool["id"])])
    assert result.exit_code == 0 and "DISABLED since" in result.output
    assert "DISABLED since" in runner.invoke(args=["lti-platform", "tools"]).output
    assert not stored(app, tool["id"]).enabled
    result = runner.invoke(args=["lti-platform", "tool-enable", str(tool["id"])])
    assert result.exit_code == 0 and "is enabled" in result.output
    assert runner.invoke(args=["lti-platform", "tools"]).output.rstrip().endswith("enabled")
    assert runner.invoke(args=["lti-platform", "tool-enable", "99"]).exit_code != 0


# --- enforcement: refused at once, on every worker ---------------------------------------
def disable(hub, tool_id: int, *, enabled: bool = False, app=None) -> None:
    command = "tool-enable" if enabled else "tool-disable"
    result = (app or hub.app).test_cli_runner().invoke(args=["lti-platform", command,
                                                             str(tool_id)])
    assert result.exit_code == 0, result.output


def assert_refused_page(response, code: str = "tool_disabled") -> None:
    assert response.status_code == 403, response.text[:300]
    assert f'data-reason="{code}"' in response.text
    assert "Permintaan ditolak" in response.text
    assert "dinonaktifkan oleh admin Berpijar" in response.text


def catalogue_csrf(browser) -> str:
    browser.open_catalogue(browser.sign_in())
    page = browser.http.get(browser.hub.url + "/lti/platform/catalogue").text
    return page.split('name="csrf" value="')[1].split('"')[0]


def test_a_disabled_tool_is_not_offered_and_not_launched_from_the_catalogue(
        hub, browser, partner, registered_partner):
    csrf = catalogue_csrf(browser)
    disable(hub, registered_partner.id)
    page = browser.http.get(hub.url + "/lti/platform/catalogue")
    assert "Etika ASN" not in page.text and "Belum ada aktivitas mitra." in page.text
    response = browser.launch_entry(csrf=csrf)
    assert_refused_page(response)
    english = browser.http.post(hub.url + f"/lti/platform/launch/{ENTRY}?lang=en",
                                data={"csrf": csrf})
    assert english.status_code == 403
    assert "disabled by the Berpijar administrator" in english.text
    assert partner.launches == []


def test_a_launch_begun_before_the_disable_is_refused_at_the_authorization_endpoint(
        hub, browser, partner, registered_partner):
    params = auth_params(browser)
    disable(hub, registered_partner.id)
    response = requests.get(hub.url + "/lti/platform/auth", params=params,
                            cookies=browser.http.cookies)
    assert_refused_page(response)
    assert 'name="id_token"' not in response.text


def test_a_relayed_lms_launch_to_a_disabled_tool_is_refused(
        hub, browser, partner, registered_partner):
    disable(hub, registered_partner.id)
    assert_refused_page(browser.lms_launch(**relay_claims()))
    assert partner.launches == []


def test_a_disabled_tools_content_picker_is_refused(hub, partner, registered_partner):
    url = requests.post(f"{hub.url}{TOOLS}/{registered_partner.id}/deep-link",
                        headers=admin_headers(hub)).json()["url"]
    disable(hub, registered_partner.id)
    assert_refused_page(requests.get(url))


def test_a_disabled_tool_gets_no_token_and_its_tokens_stop_working(
        hub, browser, partner, launched):  # noqa: F811
    headers = access_token(hub, partner, SCOPE + "lineitem")
    items = launched["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"]["lineitems"]
    assert requests.get(items, headers=headers).status_code == 200
    disable(hub, partner.record.id)
    token = token_request(hub, partner)
    assert token.status_code == 401 and token.json()["error"] == "invalid_client"
    assert "disabled" in token.json()["error_description"]
    for response in (requests.get(items, headers=headers),
                     requests.post(items, json={"label": "x", "scoreMaximum": 1},
                                   headers=headers)):
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_token"
        assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    disable(hub, partner.record.id, enabled=True)
    assert requests.get(items, headers=headers).status_code == 200
    assert token_request(hub, partner).status_code == 200


def test_a_disable_on_one_worker_holds_at_once_on_another(
        hub, app_config, browser, partner, registered_partner):
    from hub.app import create_app

    other = create_app({**app_config, "public_url": hub.url})  # same database
    try:
        csrf = catalogue_csrf(browser)
        assert token_request(hub, partner).status_code == 200  # served before
        disable(hub, registered_partner.id, app=other)
        assert token_request(hub, partner).status_code == 401
        disable(hub, registered_partner.id, app=other, enabled=True)
        assert browser.launch_entry(csrf=csrf).status_code == 200
        disable(hub, registered_partner.id, app=other)
        assert_refused_page(browser.launch_entry(csrf=csrf))
    finally:
        other.extensions["hub.storage"].dispose()


def test_an_enabled_again_tool_launches_again(hub, browser, partner, registered_partner):
    csrf = catalogue_csrf(browser)
    disable(hub, registered_partner.id)
    assert browser.launch_entry(csrf=csrf).status_code == 403
    disable(hub, registered_partner.id, enabled=True)
    assert browser.post_form(browser.launch_entry(csrf=csrf)).status_code == 200
    assert len(partner.launches) == 1
