"""Deep Linking 2.0 to a partner: an admin opens the partner's content picker, the
partner (pylti1p3) answers with a signed response, and its items become catalogue
entries placed on the partner tool."""

from __future__ import annotations

import jwt
import requests
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.lineitem import LineItem

from hub.auth import issue_credential
from tests.lti.lms import auto_post_form, platform_key
from tests.lti_platform.conftest import register_partner


def admin_headers(hub, *scopes: str) -> dict[str, str]:
    with hub.context():
        issued = issue_credential(hub.storage.credentials, name="Admin", owner="Berpijar",
                                  scopes=scopes or ("admin",),
                                  authority_home_page=hub.url + "/partners")
    return {"Authorization": requests.auth._basic_auth_str(issued.credential.key,
                                                           issued.secret)}


def open_picker(hub, partner, http: requests.Session) -> requests.Response:
    """The admin asks for the picker URL, opens it, and the tool answers at once."""
    url = requests.post(f"{hub.url}/api/admin/lti/platform/tools/{partner.record.id}/deep-link",
                        headers=admin_headers(hub)).json()["url"]
    auth_form = http.get(url)
    action = auth_form.text.split('action="')[1].split('"')[0]
    tool_form = http.post(action, data=auto_post_form(auth_form.text))
    assert tool_form.status_code == 200, tool_form.text[:300]
    return tool_form


def post_back(http: requests.Session, tool_form: requests.Response) -> requests.Response:
    action = tool_form.text.split('action="')[1].split('"')[0]
    return http.post(action, data=auto_post_form(tool_form.text))


def test_picked_items_become_catalogue_entries_placed_on_the_tool(hub, partner):
    register_partner(hub, partner)
    partner.deep_link_items = [
        DeepLinkResource().set_title("Kuis Integritas").set_url(partner.url + "/launch")
        .set_custom_params({"activity_id": "https://mitra.example/kuis", "jp": "1.5"})
        .set_lineitem(LineItem().set_score_maximum(20).set_label("Kuis Integritas"))]
    http = requests.Session()
    tool_form = open_picker(hub, partner, http)
    claims = partner.last.get_launch_data()
    assert claims["https://purl.imsglobal.org/spec/lti/claim/message_type"] == \
        "LtiDeepLinkingRequest"
    done = post_back(http, tool_form)
    assert done.status_code == 200, done.text[:300]
    with hub.context():
        placements = hub.storage.lti_platform_tools.list_placements(partner.record.id)
        assert len(placements) == 1 and placements[0].lesson_hours == 1.5
        entry = hub.storage.lti_catalogue.get_entry(placements[0].catalogue_id)
    assert (entry.title, entry.activity_id, entry.graded, entry.score_maximum) == (
        "Kuis Integritas", "https://mitra.example/kuis", True, 20.0)
    assert f'data-entry="{entry.id}"' in done.text
    again = post_back(http, tool_form)
    assert again.status_code == 400 and 'data-reason="unknown_data"' in again.text


def test_a_response_not_signed_by_the_tool_is_refused(hub, partner):
    register_partner(hub, partner)
    http = requests.Session()
    tool_form = open_picker(hub, partner, http)
    genuine = partner.last.get_deep_link().get_response_jwt([])
    header = jwt.get_unverified_header(genuine)
    forged = jwt.encode(jwt.decode(genuine, options={"verify_signature": False}),
                        platform_key("intruder").pem, algorithm="RS256", headers=header)
    action = tool_form.text.split('action="')[1].split('"')[0]
    response = http.post(action, data={"JWT": forged})
    assert response.status_code == 400
    assert 'data-reason="bad_jwt"' in response.text
    with hub.context():
        assert hub.storage.lti_platform_tools.list_placements() == []
    assert post_back(http, tool_form).status_code == 200  # the genuine one still works


def test_a_response_claiming_to_live_until_the_year_9999_is_refused(hub, partner):
    register_partner(hub, partner)
    http = requests.Session()
    tool_form = open_picker(hub, partner, http)
    genuine = partner.last.get_deep_link().get_response_jwt([])
    claims = {**jwt.decode(genuine, options={"verify_signature": False}), "exp": 253402300799}
    resigned = jwt.encode(claims, partner.key.pem, algorithm="RS256",
                          headers=jwt.get_unverified_header(genuine))
    action = tool_form.text.split('action="')[1].split('"')[0]
    response = http.post(action, data={"JWT": resigned})
    assert response.status_code == 400
    assert 'data-reason="bad_jwt"' in response.text and "3600 s" in response.text
    with hub.context():
        assert hub.storage.lti_platform_tools.list_placements() == []


def test_a_picker_url_works_once(hub, partner):
    register_partner(hub, partner)
    url = requests.post(f"{hub.url}/api/admin/lti/platform/tools/{partner.record.id}/deep-link",
                        headers=admin_headers(hub)).json()["url"]
    assert requests.get(url, allow_redirects=False).status_code == 302
    assert requests.get(url, allow_redirects=False).status_code == 404


def test_fields_a_tool_adds_to_its_deep_linking_response_form_are_ignored(hub, partner):
    register_partner(hub, partner)
    http = requests.Session()
    tool_form = open_picker(hub, partner, http)
    action = tool_form.text.split('action="')[1].split('"')[0]
    done = http.post(action, data={**auto_post_form(tool_form.text), "tool_session": "42"})
    assert done.status_code == 200, done.text[:300]
