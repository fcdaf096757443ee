"""Deep Linking 2.0: a searchable catalogue answered with signed ltiResourceLink items."""

from __future__ import annotations

import jwt
from jwcrypto.jwk import JWK

from lti.tool.registration import NewEntry, add_catalogue_entry
from tests.lti.lms import CLAIM, INSTRUCTOR, auto_post_form

DEEP_LINK = {CLAIM + "message_type": "LtiDeepLinkingRequest", CLAIM + "roles": [INSTRUCTOR]}
ETIKA = "https://partner.example/activities/etika-asn"


def add_entries(app) -> None:
    with app.app_context():
        store = app.extensions["hub.storage"].lti_catalogue
        add_catalogue_entry(store, NewEntry(
            id="etika-asn", title="Etika ASN", activity_id=ETIKA,
            launch_url="https://partner.example/launch/etika", description="Kode etik",
            keywords="integritas", graded=True, score_maximum=50))
        add_catalogue_entry(store, NewEntry(
            id="k3", title="Keselamatan Kerja", activity_id="https://partner.example/k3",
            launch_url="https://partner.example/launch/k3"))


def verify_with_hub_jwks(client, token: str) -> dict:
    kid = jwt.get_unverified_header(token)["kid"]
    [key] = [k for k in client.get("/lti/jwks").get_json()["keys"] if k["kid"] == kid]
    return jwt.decode(token, JWK(**key).export_to_pem(), algorithms=["RS256"],
                      audience=None, options={"verify_aud": False})


def test_deep_linking_request_opens_the_searchable_catalogue(app, browser):
    add_entries(app)
    response = browser.launch(claims=DEEP_LINK)
    assert "/lti/deep-link/" in response.headers["Location"]
    page = browser.client.get(response.headers["Location"] + "?q=integritas")
    text = page.get_data(as_text=True)
    assert "Etika ASN" in text and "Keselamatan Kerja" not in text
    assert "Dinilai (maks. 50)" in text


def test_chosen_activity_returns_a_signed_resource_link_with_a_line_item(app, browser):
    add_entries(app)
    location = browser.launch(claims=DEEP_LINK).headers["Location"]
    page = browser.client.post(location, data={"entry": ["etika-asn", "k3"]})
    assert f'action="{browser.platform.url}/deep-link-return"' in page.get_data(as_text=True)
    claims = verify_with_hub_jwks(browser.client, auto_post_form(page.get_data(as_text=True))
                                  ["JWT"])
    assert claims["iss"] == browser.platform.client_id
    assert claims["aud"] == [browser.platform.issuer]
    assert claims[CLAIM + "message_type"] == "LtiDeepLinkingResponse"
    assert claims[CLAIM + "deployment_id"] == browser.platform.deployment_id
    assert claims["https://purl.imsglobal.org/spec/lti-dl/claim/data"] == "opaque-123"
    etika, k3 = claims["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]
    assert etika["type"] == "ltiResourceLink" and etika["url"].endswith("/lti/launch")
    assert etika["custom"] == {"catalogue_id": "etika-asn"}
    assert etika["lineItem"]["scoreMaximum"] == 50 and etika["lineItem"]["resourceId"] == \
        "etika-asn"
    assert "lineItem" not in k3


def test_single_choice_platform_gets_one_item(app, browser):
    add_entries(app)
    settings = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
    claims = {**DEEP_LINK, settings: {
        "deep_link_return_url": browser.platform.url + "/deep-link-return",
        "accept_types": ["ltiResourceLink"], "accept_presentation_document_targets": ["iframe"],
        "accept_multiple": False}}
    location = browser.launch(claims=claims).headers["Location"]
    page = browser.client.post(location, data={"entry": ["etika-asn", "k3"]})
    token = auto_post_form(page.get_data(as_text=True))["JWT"]
    items = verify_with_hub_jwks(browser.client, token)[
        "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]
    assert [i["title"] for i in items] == ["Etika ASN"]


def test_deep_linking_without_resource_link_support_is_refused(browser, log_lines):
    from tests.lti.conftest import assert_rejected

    settings = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
    claims = {**DEEP_LINK, settings: {"deep_link_return_url": "https://lms.example/return",
                                      "accept_types": ["link"]}}
    assert_rejected(browser.launch(claims=claims), "bad_deep_linking_settings", log_lines)


def test_deep_linked_launch_shows_the_partner_activity_that_would_be_launched(app, browser):
    add_entries(app)
    response = browser.launch(claims={CLAIM + "custom": {"catalogue_id": "etika-asn"}})
    text = browser.follow(response).get_data(as_text=True)
    assert 'data-catalogue-id="etika-asn"' in text
    assert "https://partner.example/launch/etika" in text
    from lrs.service import statements_after
    with app.app_context():
        [statement] = [s.document for s in statements_after(0)]
    assert statement["object"]["id"] == ETIKA  # what was launched: the partner activity


def test_platform_role_can_take_over_the_deep_linked_launch(app, browser):
    from lti.tool.launch import set_target_launcher

    add_entries(app)
    set_target_launcher(app, lambda entry, launch: (f"launching {entry.id} for {launch.sub}",
                                                    200))
    response = browser.launch(claims={CLAIM + "custom": {"catalogue_id": "etika-asn"}})
    assert response.get_data(as_text=True) == "launching etika-asn for learner-1"


def test_staff_open_the_deep_linked_partner_activity_from_the_course_page(app, browser):
    from lti.tool.launch import set_target_launcher

    add_entries(app)
    set_target_launcher(app, lambda entry, launch: (f"{entry.id} as {launch.roles}", 200))
    staff = {CLAIM + "custom": {"catalogue_id": "etika-asn"}, CLAIM + "roles": [INSTRUCTOR]}
    page = browser.follow(browser.launch(claims=staff))
    assert 'id="open-partner"' in page.get_data(as_text=True)  # staff are not relayed at once
    opened = browser.client.post(page.request.path + "/partner")
    assert opened.get_data(as_text=True) == f"etika-asn as {[INSTRUCTOR]}"


def test_learners_and_links_without_a_partner_cannot_use_the_staff_button(app, browser):
    add_entries(app)
    learner = browser.follow(browser.launch(claims={CLAIM + "custom": {
        "catalogue_id": "etika-asn"}}))
    launch_id = learner.request.path.rsplit("/", 1)[1]
    assert browser.client.post(f"/lti/course/{launch_id}/partner").status_code == 403
    staff = browser.follow(browser.launch(claims={CLAIM + "roles": [INSTRUCTOR],
                                                  CLAIM + "resource_link": {"id": "plain"}}))
    assert 'id="open-partner"' not in staff.get_data(as_text=True)
    assert browser.client.post(staff.request.path + "/partner").status_code == 404
