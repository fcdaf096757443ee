"""Registering partner tools and placing catalogue entries (CLI and admin API), the
platform keys with their rotation, and the OpenID configuration."""

from __future__ import annotations

import requests

from tests.lti_platform.conftest import ENTRY, place
from tests.lti_platform.test_deep_linking import admin_headers

TOOLS = "/api/admin/lti/platform/tools"


def test_admin_api_registers_a_tool_and_the_hub_issues_its_ids(hub, partner):
    response = requests.post(hub.url + TOOLS, json=partner.registration(),
                             headers=admin_headers(hub))
    assert response.status_code == 201, response.text
    body = response.json()
    assert len(body["client_id"]) == 32 and body["deployment_id"]
    assert body["services"] == ["lineitem", "nrps", "result.readonly", "score"]
    assert body["platform"]["token_endpoint"] == hub.url + "/lti/platform/token"
    assert "sub_salt" not in body
    listed = requests.get(hub.url + TOOLS, headers=admin_headers(hub)).json()["tools"]
    assert [t["client_id"] for t in listed] == [body["client_id"]]


def test_admin_api_needs_the_admin_scope(hub, partner):
    response = requests.post(hub.url + TOOLS, json=partner.registration(),
                             headers=admin_headers(hub, "all"))
    assert response.status_code == 403


def test_admin_api_points_at_the_bad_field(hub, partner):
    for change, pointer in (({"login_url": "http://partner.example/login"}, "/login_url"),
                            ({"services": ["everything"]}, "/services"),
                            ({"personal_data": ["nik"]}, "/personal_data"),
                            ({"colour": "red"}, "/colour")):
        response = requests.post(hub.url + TOOLS, json=partner.registration(**change),
                                 headers=admin_headers(hub))
        assert response.status_code == 400
        assert response.json()["error"]["pointer"] == pointer


def test_placements_need_a_catalogue_entry_and_a_tool(hub, partner):
    tool = requests.post(hub.url + TOOLS, json=partner.registration(),
                         headers=admin_headers(hub)).json()
    url = hub.url + "/api/admin/lti/platform/placements"
    missing = requests.post(url, json={"catalogue_id": "nope", "tool_id": tool["id"]},
                            headers=admin_headers(hub))
    assert missing.status_code == 404


def test_cli_registers_a_tool_places_an_entry_and_prints_a_picker_url(hub, partner):
    runner = hub.app.test_cli_runner()
    values = partner.registration()
    result = runner.invoke(args=[
        "lti-platform", "register", "--name", values["name"], "--organisation", "PT Mitra",
        "--login-url", values["login_url"], "--target-link-uri", values["target_link_uri"],
        "--jwks-url", values["jwks_url"], "--deep-linking-url", values["deep_linking_url"],
        "--service", "score", "--personal-data", "email", "--custom", "kelas=A"])
    assert result.exit_code == 0, result.output
    assert "client id:" in result.output
    with hub.context():
        tool = hub.storage.lti_platform_tools.list_tools()[0]
    assert tool.custom == {"kelas": "A"} and tool.services == {"score"}
    place(hub, tool)
    placed = runner.invoke(args=["lti-platform", "place", ENTRY, str(tool.id), "--jp", "3"])
    assert placed.exit_code == 0, placed.output
    with hub.context():
        assert hub.storage.lti_platform_tools.get_placement(ENTRY).lesson_hours == 3.0
    picker = runner.invoke(args=["lti-platform", "deep-link", str(tool.id)])
    assert picker.output.startswith(hub.url + "/lti/platform/deep-link/")
    listed = runner.invoke(args=["lti-platform", "tools"])
    assert tool.client_id in listed.output


def test_platform_keys_are_their_own_and_rotate_like_the_tool_keys(hub):
    tool_keys = {k["kid"] for k in requests.get(hub.url + "/lti/jwks").json()["keys"]}
    platform = requests.get(hub.url + "/lti/platform/jwks").json()["keys"]
    assert len(platform) == 1 and platform[0]["kid"] not in tool_keys
    runner = hub.app.test_cli_runner()
    assert "published next" in runner.invoke(args=["lti-platform", "keys", "rotate"]).output
    assert len(requests.get(hub.url + "/lti/platform/jwks").json()["keys"]) == 2
    early = runner.invoke(args=["lti-platform", "keys", "rotate"])
    assert early.exit_code != 0
    switched = runner.invoke(args=["lti-platform", "keys", "rotate", "--force"])
    assert "now signing" in switched.output
    with hub.context():
        from lti.keys import signing_key
        assert signing_key(hub.storage.lti_platform_keys).kid != platform[0]["kid"]


def test_openid_configuration_names_the_platform_endpoints(hub):
    body = requests.get(hub.url + "/.well-known/openid-configuration").json()
    assert body["issuer"] == hub.url
    assert body["jwks_uri"] == hub.url + "/lti/platform/jwks"
    assert body["token_endpoint_auth_methods_supported"] == ["private_key_jwt"]
    assert "LtiDeepLinkingRequest" in str(body)
