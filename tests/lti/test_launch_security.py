"""Every launch the hub must refuse, one test each, and the odd launches it must accept."""

from __future__ import annotations

import time

import jwt

from tests.lti.conftest import assert_rejected
from tests.lti.lms import CLAIM, INSTRUCTOR, LEARNER, platform_key


def now() -> int:
    return int(time.time())


# --- refused ---------------------------------------------------------------------------
def test_token_without_kid_is_refused(browser, log_lines):
    def no_kid(claims, header):
        return jwt.encode(claims, browser.platform.signing.pem, algorithm="RS256")

    assert_rejected(browser.launch(sign=no_kid), "missing_kid", log_lines)


def test_token_signed_with_a_key_the_platform_does_not_publish_is_refused(browser, log_lines):
    response = browser.launch(key=platform_key("rogue-key"))
    assert_rejected(response, "unknown_kid", log_lines)


def test_token_with_a_known_kid_but_another_key_is_refused(browser, log_lines):
    def forged(claims, header):
        return jwt.encode(claims, platform_key("rogue-key").pem, algorithm="RS256",
                          headers={"kid": browser.platform.signing.kid})

    assert_rejected(browser.launch(sign=forged), "bad_signature", log_lines)


def test_wrong_lti_version_is_refused(browser, log_lines):
    response = browser.launch(claims={CLAIM + "version": "1.1.0"})
    assert_rejected(response, "wrong_version", log_lines)


def test_jwt_that_is_not_an_lti_message_is_refused(browser, log_lines):
    def plain_oidc(claims, header):
        bare = {k: v for k, v in claims.items() if not k.startswith("https://purl.imsglobal")}
        return browser.platform.sign(bare)

    assert_rejected(browser.launch(sign=plain_oidc), "not_lti_message", log_lines)


def test_missing_required_claim_is_refused(browser, log_lines):
    response = browser.launch(remove=(CLAIM + "target_link_uri",))
    assert_rejected(response, "missing_claim", log_lines)


def test_missing_exp_is_refused(browser, log_lines):
    assert_rejected(browser.launch(remove=("exp",)), "missing_claim", log_lines)


def test_expired_token_is_refused(browser, log_lines):
    response = browser.launch(claims={"iat": now() - 900, "exp": now() - 600})
    assert_rejected(response, "expired", log_lines)


def test_token_issued_in_the_future_is_refused(browser, log_lines):
    response = browser.launch(claims={"iat": now() + 600, "exp": now() + 900})
    assert_rejected(response, "issued_in_future", log_lines)


def test_token_that_claims_to_live_until_the_year_9999_is_refused_as_unauthenticated(
        browser, log_lines):
    response = browser.launch(claims={"iat": now(), "exp": 253402300799})
    assert response.status_code == 401
    page = response.get_data(as_text=True)
    assert 'data-reason="lifetime_too_long"' in page and "Peluncuran ditolak" in page
    assert "LTI request rejected: lifetime_too_long" in log_lines.getvalue()


def test_token_living_exactly_an_hour_is_accepted_and_a_second_more_is_not(browser, log_lines):
    assert browser.launch(claims={"iat": now(), "exp": now() + 3600}).status_code == 303
    assert browser.launch(claims={"iat": now(), "exp": now() + 3601}).status_code == 401


def test_clock_skew_within_a_minute_is_tolerated(browser):
    response = browser.launch(claims={"iat": now() + 20, "exp": now() - 20})
    assert response.status_code == 303


def test_missing_message_type_is_refused(browser, log_lines):
    response = browser.launch(remove=(CLAIM + "message_type",))
    assert_rejected(response, "missing_message_type", log_lines)


def test_missing_roles_claim_is_refused(browser, log_lines):
    assert_rejected(browser.launch(remove=(CLAIM + "roles",)), "missing_roles", log_lines)


def test_missing_deployment_id_is_refused(browser, log_lines):
    response = browser.launch(remove=(CLAIM + "deployment_id",))
    assert_rejected(response, "missing_deployment_id", log_lines)


def test_unregistered_deployment_is_refused(browser, log_lines):
    response = browser.launch(claims={CLAIM + "deployment_id": "someone-elses"})
    assert_rejected(response, "unknown_deployment", log_lines)


def test_missing_resource_link_id_is_refused(browser, log_lines):
    response = browser.launch(claims={CLAIM + "resource_link": {"title": "Modul 1"}})
    assert_rejected(response, "missing_resource_link_id", log_lines)


def test_missing_sub_is_refused(browser, log_lines):
    assert_rejected(browser.launch(remove=("sub",)), "missing_sub", log_lines)


def test_replayed_id_token_is_refused(browser, log_lines):
    assert browser.launch().status_code == 303
    assert_rejected(browser.replay(), "nonce_replayed", log_lines)


def test_wrong_audience_is_refused(browser, log_lines):
    response = browser.launch(claims={"aud": "another-tool"})
    assert_rejected(response, "wrong_audience", log_lines)


def test_several_audiences_with_a_foreign_azp_are_refused(browser, log_lines):
    response = browser.launch(claims={"aud": [browser.platform.client_id, "other"],
                                      "azp": "other"})
    assert_rejected(response, "wrong_audience", log_lines)


def test_unsigned_alg_none_token_is_refused(browser, log_lines):
    def unsigned(claims, header):
        return jwt.encode(claims, None, algorithm="none",
                          headers={"kid": browser.platform.signing.kid})

    assert_rejected(browser.launch(sign=unsigned), "unsigned_or_symmetric", log_lines)


def test_hs256_token_is_refused(browser, log_lines):
    def symmetric(claims, header):
        # The classic confusion attack: HMAC keyed with the platform's public key.
        return jwt.encode(claims, "x" * 64, algorithm="HS256",
                          headers={"kid": browser.platform.signing.kid})

    assert_rejected(browser.launch(sign=symmetric), "unsigned_or_symmetric", log_lines)


def test_launch_without_the_login_state_cookie_is_refused(app, browser, log_lines):
    form = browser.authorize()
    stranger = app.test_client()  # another browser posts a captured id_token and state
    assert_rejected(stranger.post("/lti/launch", data=form), "state_mismatch", log_lines)


def test_captured_launch_cannot_be_replayed_from_another_browser(app, browser, log_lines):
    assert browser.launch().status_code == 303
    stranger = app.test_client()
    assert_rejected(stranger.post("/lti/launch", data=browser.last_form), "state_mismatch",
                    log_lines)


def test_unknown_issuer_login_is_refused(browser, log_lines):
    response = browser.client.get("/lti/login", query_string={
        **browser.login_params(iss="https://unknown.example"), "lti1p3_new_window": "1"})
    assert_rejected(response, "unknown_platform", log_lines)


# --- accepted --------------------------------------------------------------------------
def test_several_roles_are_accepted(browser):
    roles = [LEARNER, "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Staff",
             "http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor"]
    response = browser.launch(claims={CLAIM + "roles": roles})
    assert "/lti/course/" in response.headers["Location"]  # a mentor sees the class


def test_short_role_name_is_accepted(browser):
    response = browser.launch(claims={CLAIM + "roles": ["Instructor"]})
    assert "/lti/course/" in response.headers["Location"]


def test_unknown_role_is_accepted_as_a_learner(browser):
    response = browser.launch(claims={CLAIM + "roles": ["urn:example:role#Wizard"]})
    assert "/lti/progress/" in response.headers["Location"]


def test_empty_roles_are_accepted_as_a_learner(browser):
    response = browser.launch(claims={CLAIM + "roles": []})
    assert "/lti/progress/" in response.headers["Location"]


def test_institution_instructor_alone_does_not_see_the_class(browser):
    role = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Instructor"
    response = browser.launch(claims={CLAIM + "roles": [role]})
    assert "/lti/progress/" in response.headers["Location"]


def test_email_only_launch_is_accepted(app, browser):
    response = browser.launch(remove=("name", "given_name", "family_name"))
    assert response.status_code == 303
    with app.app_context():
        user = app.extensions["hub.storage"].lti_roster.find_user(browser.platform.issuer,
                                                                  "learner-1")
    assert user.email == "siti@example.go.id" and user.name is None


def test_names_only_launch_is_accepted(browser):
    response = browser.launch(claims={"given_name": "Budi", "family_name": "Santoso"},
                              remove=("email", "name"))
    assert "Budi Santoso" in browser.follow(response).get_data(as_text=True)


def test_launch_without_personal_data_is_accepted(browser):
    response = browser.launch(remove=("name", "email", "given_name", "family_name"))
    assert "Selamat datang." in browser.follow(response).get_data(as_text=True)


def test_launch_without_context_is_accepted(browser):
    response = browser.launch(claims={"_context_id": None})
    page = browser.follow(response).get_data(as_text=True)
    assert "Peluncuran ini tidak membawa kelas." in page


def test_instructor_without_context_sees_a_clear_course_page(browser):
    response = browser.launch(claims={"_context_id": None, CLAIM + "roles": [INSTRUCTOR]})
    page = browser.follow(response).get_data(as_text=True)
    assert "tidak ada daftar peserta" in page
