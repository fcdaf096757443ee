"""What an LMS administrator needs to register the hub alone (issue 14.4): the NIP asked
for in every registration, a Canvas JSON configuration, pages that speak of registration."""

from __future__ import annotations

import pytest

from lti.service import set_identity_linker
from tests.lti.lms import CLAIM
from tests.lti.test_registration import dynamic_registration

AGS = "https://purl.imsglobal.org/spec/lti-ags/scope/"


def test_dynamic_registration_asks_for_the_nip_with_the_lis_substitution(
        client, runner, platform):
    url = runner.invoke(args=["lti", "invite"]).output.splitlines()[0]
    assert dynamic_registration(client, platform, url).status_code == 200
    [sent] = platform.registrations
    tool = sent["https://purl.imsglobal.org/spec/lti-tool-configuration"]
    assert tool["custom_parameters"] == {"nip": "$Person.sourcedId"}


def test_the_canvas_configuration_is_a_developer_key_json(client):
    response = client.get("/lti/config/canvas")
    assert response.status_code == 200 and response.mimetype == "application/json"
    config = response.get_json()
    assert config["oidc_initiation_url"] == "http://localhost:5000/lti/login"
    assert config["target_link_uri"] == "http://localhost:5000/lti/launch"
    assert config["public_jwk_url"] == "http://localhost:5000/lti/jwks"
    assert config["custom_fields"] == {"nip": "$Person.sourcedId"}
    assert {AGS + "score", AGS + "lineitem", AGS + "result.readonly"} <= set(config["scopes"])
    [canvas] = config["extensions"]
    assert canvas["platform"] == "canvas.instructure.com"
    assert canvas["domain"] == "localhost:5000" and canvas["privacy_level"] == "public"
    messages = {p["placement"]: p["message_type"] for p in canvas["settings"]["placements"]}
    assert messages["course_navigation"] == "LtiResourceLinkRequest"
    assert messages["link_selection"] == messages["assignment_selection"] == \
        "LtiDeepLinkingRequest"


def test_the_manual_configuration_names_the_nip_custom_parameter(client):
    assert client.get("/lti/config").get_json()["custom_parameters"] == \
        "nip=$Person.sourcedId"


@pytest.mark.parametrize(("custom", "lis", "expected"), [
    ({"nip": "199001012015011001"}, {}, "199001012015011001"),
    # Moodle's "ID number" / Canvas's SIS ID, when the admin keeps the NIP there.
    ({}, {"person_sourcedid": "199001012015011001"}, "199001012015011001"),
    # An LMS that does not expand the substitution sends it as text: not a NIP.
    ({"nip": "$Person.sourcedId"}, {"person_sourcedid": "SIS-42"}, None),
    ({"nip": "$Person.sourcedId"}, {"person_sourcedid": "199001012015011001"},
     "199001012015011001"),
])
def test_the_nip_comes_from_the_custom_parameter_or_the_lis_sourcedid(
        app, browser, custom, lis, expected):
    seen = []
    set_identity_linker(app, lambda issuer, sub, **kw: seen.append(kw["nip"]))
    browser.launch(claims={CLAIM + "custom": custom, CLAIM + "lis": lis})
    assert seen == [expected]


@pytest.mark.parametrize(("language", "intro", "launch_words"), [
    ("id", "tidak dapat didaftarkan", "peluncuran"),
    ("en", "could not be registered", "launch"),
])
def test_a_failed_registration_page_speaks_of_registration_not_launch(
        client, platform, language, intro, launch_words):
    response = client.get("/lti/register/made-up-token",
                          headers={"Accept-Language": language},
                          query_string={"openid_configuration": platform.url + "/x"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert intro in page and "data-reason=\"registration_failed\"" in page
    assert launch_words not in page.lower()


def test_lti_platforms_says_when_none_is_registered(runner):
    result = runner.invoke(args=["lti", "platforms"])
    assert result.exit_code == 0
    assert "no platforms" in result.output.lower()
