"""The 1EdTech LTI Advantage Conformance Certification Guide 1.3, §6 "Tool
Certification", as tests: one test per listed item, named after it, in the guide's
order.  The hub is the tool; the test LMS (tests/lti/lms.py) plays the certification
suite's platform and signs each payload after a real OIDC login.  docs/lti.md maps
each item to its test.
"""

from __future__ import annotations

import time

import jwt
import pytest
from jwcrypto.jwk import JWK

from lrs.service import statements_after
from lti.tool.grades import push_grades
from lti.tool.registration import NewEntry, add_catalogue_entry
from tests.lti.conftest import assert_rejected
from tests.lti.lms import CLAIM, INSTRUCTOR, LEARNER, auto_post_form, platform_key

DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
PII = ("name", "given_name", "family_name", "middle_name", "email", "picture")
UNKNOWN_ROLE = "http://purl.imsglobal.org/vocab/lis/v2/unknown/unknown#Unknown"
STUDENT = {"sub": "student-1", CLAIM + "roles": [LEARNER]}
TEACHER = {"sub": "teacher-1", CLAIM + "roles": [INSTRUCTOR], "name": "Bu Guru",
           "given_name": "Ratna", "family_name": "Guru", "email": "ratna@example.go.id"}


def now() -> int:
    return int(time.time())


# --- §6.1.1 Known "bad" payloads -----------------------------------------------------------
def _no_kid(browser):
    return {"sign": lambda claims, header: jwt.encode(claims, browser.platform.signing.pem,
                                                      algorithm="RS256")}


def _not_lti(browser):
    def plain_oidc(claims, header):
        return browser.platform.sign({k: v for k, v in claims.items()
                                      if not k.startswith("https://purl.imsglobal.org/")})
    return {"sign": plain_oidc}


BAD_PAYLOADS = [
    # (certification test name, what the LMS sends, the hub's reason code)
    ("No KID Sent in JWT header", _no_kid, "missing_kid"),
    ("Incorrect KID in JWT header", lambda b: {"key": platform_key("wrong-kid")},
     "unknown_kid"),
    ("Wrong LTI Version", lambda b: {"claims": {CLAIM + "version": "1.2.0"}},
     "wrong_version"),
    ("No LTI Version", lambda b: {"remove": (CLAIM + "version",)}, "missing_version"),
    ("Invalid LTI message", _not_lti, "not_lti_message"),
    ("Missing LTI Claims (target_link_uri)",
     lambda b: {"remove": (CLAIM + "target_link_uri",)}, "missing_claim"),
    ("Missing LTI Claims (nonce)", lambda b: {"remove": ("nonce",)}, "missing_claim"),
    ("Missing LTI Claims (iat)", lambda b: {"remove": ("iat",)}, "missing_claim"),
    ("Missing LTI Claims (exp)", lambda b: {"remove": ("exp",)}, "missing_claim"),
    ("Timestamps Incorrect (expired)",
     lambda b: {"claims": {"iat": now() - 900, "exp": now() - 600}}, "expired"),
    ("Timestamps Incorrect (iat in the future)",
     lambda b: {"claims": {"iat": now() + 600, "exp": now() + 900}}, "issued_in_future"),
    ("messsage_type Claim Missing", lambda b: {"remove": (CLAIM + "message_type",)},
     "missing_message_type"),
    ("role Claim Missing", lambda b: {"remove": (CLAIM + "roles",)}, "missing_roles"),
    ("deployment_id Claim Missing", lambda b: {"remove": (CLAIM + "deployment_id",)},
     "missing_deployment_id"),
    ("resource_link_id Claim Missing",
     lambda b: {"claims": {CLAIM + "resource_link": {"title": "Modul 1"}}},
     "missing_resource_link_id"),
    ("user Claim Missing", lambda b: {"remove": ("sub",)}, "missing_sub"),
]


@pytest.mark.parametrize(("item", "payload", "reason"), BAD_PAYLOADS,
                         ids=[item for item, _, _ in BAD_PAYLOADS])
def test_6_1_1_known_bad_payload_is_refused_with_its_reason(app, browser, log_lines, item,
                                                            payload, reason):
    assert_rejected(browser.launch(**payload(browser)), reason, log_lines)
    with app.app_context():
        assert statements_after(0) == []  # nothing recorded for a refused launch
        assert app.extensions["hub.storage"].lti_roster.find_user(
            browser.platform.issuer, "learner-1") is None


# --- §6.1.2 and §6.1.3 Valid teacher and student launches ---------------------------------
def accepted(app, browser, response, *, sub: str, lands_on: str):
    """The launch is accepted: a redirect to the landing page, the page renders, the user
    is remembered and one `launched` statement recorded for them."""
    assert response.status_code == 303, response.get_data(as_text=True)[:400]
    assert f"/lti/{lands_on}/" in response.headers["Location"]
    page = browser.follow(response)
    assert page.status_code == 200
    with app.app_context():
        user = app.extensions["hub.storage"].lti_roster.find_user(browser.platform.issuer, sub)
        [launched] = [s.document for s in statements_after(0)]
    assert launched["verb"]["id"] == "http://adlnet.gov/expapi/verbs/launched"
    assert launched["actor"]["account"] == {"homePage": browser.platform.issuer, "name": sub}
    return user, launched


def without_pii(person: dict) -> tuple[dict, tuple[str, ...]]:
    return {k: v for k, v in person.items() if k not in PII}, PII


def no_context() -> dict:
    return {"_context_id": None}  # the test LMS then also leaves out AGS and NRPS


def test_6_1_2_valid_instructor_launch(app, browser):
    user, launched = accepted(app, browser, browser.launch(claims=TEACHER), sub="teacher-1",
                              lands_on="course")
    assert (user.name, user.email) == ("Bu Guru", "ratna@example.go.id")
    assert launched["actor"]["name"] == "Bu Guru"


def test_6_1_2_valid_instructor_launch_with_roles(app, browser):
    roles = [INSTRUCTOR, "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Faculty",
             "http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor"]
    accepted(app, browser, browser.launch(claims={**TEACHER, CLAIM + "roles": roles}),
             sub="teacher-1", lands_on="course")


def test_6_1_2_valid_instructor_launch_short_role(app, browser):
    accepted(app, browser, browser.launch(claims={**TEACHER, CLAIM + "roles": ["Instructor"]}),
             sub="teacher-1", lands_on="course")


def test_6_1_2_valid_instructor_launch_unknown_role(app, browser):
    # An unknown role next to Instructor is ignored; the instructor still sees the class.
    roles = [INSTRUCTOR, UNKNOWN_ROLE]
    accepted(app, browser, browser.launch(claims={**TEACHER, CLAIM + "roles": roles}),
             sub="teacher-1", lands_on="course")


def test_6_1_2_valid_instructor_launch_no_role(app, browser):
    # No role claimed, no class shown: the person lands on their own progress page.
    accepted(app, browser, browser.launch(claims={**TEACHER, CLAIM + "roles": []}),
             sub="teacher-1", lands_on="progress")


def test_6_1_2_valid_instructor_launch_email_only(app, browser):
    claims, _ = without_pii(TEACHER)
    response = browser.launch(claims={**claims, "email": "ratna@example.go.id"},
                              remove=("name", "given_name", "family_name"))
    user, launched = accepted(app, browser, response, sub="teacher-1", lands_on="course")
    assert (user.email, user.name, user.given_name) == ("ratna@example.go.id", None, None)
    assert "name" not in launched["actor"]


def test_6_1_2_valid_instructor_launch_names_only(app, browser):
    claims, _ = without_pii(TEACHER)
    response = browser.launch(claims={**claims, "given_name": "Ratna", "family_name": "Guru"},
                              remove=("name", "email"))
    user, launched = accepted(app, browser, response, sub="teacher-1", lands_on="course")
    assert (user.given_name, user.family_name, user.email) == ("Ratna", "Guru", None)
    assert launched["actor"]["name"] == "Ratna Guru"


def test_6_1_2_valid_instructor_no_pii(app, browser):
    claims, pii = without_pii(TEACHER)
    user, launched = accepted(app, browser, browser.launch(claims=claims, remove=pii),
                              sub="teacher-1", lands_on="course")
    assert (user.name, user.email, user.given_name, user.family_name) == (None,) * 4
    assert "name" not in launched["actor"]


def test_6_1_2_valid_instructor_email_without_context(app, browser):
    claims, pii = without_pii(TEACHER)
    response = browser.launch(claims={**claims, **no_context(), "email": "ratna@example.go.id"},
                              remove=tuple(p for p in pii if p != "email"))
    user, launched = accepted(app, browser, response, sub="teacher-1", lands_on="course")
    assert user.email == "ratna@example.go.id"
    grouping = launched["context"]["contextActivities"].get("grouping", [])
    assert not [a for a in grouping if "/lti/contexts/" in a["id"]]  # no course


def test_6_1_3_valid_student_launch(app, browser):
    user, _ = accepted(app, browser, browser.launch(claims=STUDENT), sub="student-1",
                              lands_on="progress")
    assert (user.name, user.email) == ("Siti Rahma", "siti@example.go.id")


def test_6_1_3_valid_student_launch_with_roles(app, browser):
    roles = [LEARNER, "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Student",
             "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Staff"]
    accepted(app, browser, browser.launch(claims={**STUDENT, CLAIM + "roles": roles}),
             sub="student-1", lands_on="progress")


def test_6_1_3_valid_student_launch_short_role(app, browser):
    accepted(app, browser, browser.launch(claims={**STUDENT, CLAIM + "roles": ["Learner"]}),
             sub="student-1", lands_on="progress")


def test_6_1_3_valid_student_launch_unknown_role(app, browser):
    # Only an unknown role: treated as a learner, never as staff.
    accepted(app, browser, browser.launch(claims={**STUDENT, CLAIM + "roles": [UNKNOWN_ROLE]}),
             sub="student-1", lands_on="progress")


def test_6_1_3_valid_student_launch_no_role(app, browser):
    accepted(app, browser, browser.launch(claims={**STUDENT, CLAIM + "roles": []}),
             sub="student-1", lands_on="progress")


def test_6_1_3_valid_student_launch_email_only(app, browser):
    response = browser.launch(claims=STUDENT, remove=("name", "given_name", "family_name"))
    user, _ = accepted(app, browser, response, sub="student-1", lands_on="progress")
    assert (user.email, user.name) == ("siti@example.go.id", None)


def test_6_1_3_valid_student_launch_names_only(app, browser):
    response = browser.launch(claims={**STUDENT, "given_name": "Budi", "family_name": "Santoso"},
                              remove=("name", "email"))
    user, launched = accepted(app, browser, response, sub="student-1", lands_on="progress")
    assert (user.given_name, user.family_name, user.email) == ("Budi", "Santoso", None)
    assert launched["actor"]["name"] == "Budi Santoso"


def test_6_1_3_valid_student_no_pii(app, browser):
    user, launched = accepted(app, browser, browser.launch(claims=STUDENT, remove=PII),
                              sub="student-1", lands_on="progress")
    assert (user.name, user.email, user.given_name, user.family_name) == (None,) * 4
    assert "name" not in launched["actor"]


def test_6_1_3_valid_student_email_without_context(app, browser, registered):
    response = browser.launch(claims={**STUDENT, **no_context()},
                              remove=("name", "given_name", "family_name"))
    user, _ = accepted(app, browser, response, sub="student-1", lands_on="progress")
    assert user.email == "siti@example.go.id"
    with app.app_context():
        assert app.extensions["hub.storage"].lti_roster.get_context(registered.id,
                                                                    "course-1") is None


# --- §6.2 Deep Linking message ------------------------------------------------------------
DEEP_LINK = {CLAIM + "message_type": "LtiDeepLinkingRequest", CLAIM + "roles": [INSTRUCTOR]}


@pytest.fixture
def deep_link_response(app, browser):
    """The LMS sends a deep linking request, the instructor picks two entries, and the
    hub's page auto-posts its response; returns (request page, posted form, claims)."""
    with app.app_context():
        store = app.extensions["hub.storage"].lti_catalogue
        add_catalogue_entry(store, NewEntry(
            id="etika-asn", title="Etika ASN", activity_id="https://mitra.example/etika",
            launch_url="https://mitra.example/launch/etika", graded=True, score_maximum=50))
        add_catalogue_entry(store, NewEntry(
            id="k3", title="Keselamatan Kerja", activity_id="https://mitra.example/k3",
            launch_url="https://mitra.example/launch/k3"))
    sent = browser.launch(claims=DEEP_LINK)
    picker = browser.client.get(sent.headers["Location"])
    posted = browser.client.post(sent.headers["Location"], data={"entry": ["etika-asn", "k3"]})
    return picker, posted


def response_form(posted) -> tuple[str, dict[str, str]]:
    page = posted.get_data(as_text=True)
    return page.split('action="')[1].split('"')[0], auto_post_form(page)


def verified(client, token: str) -> dict:
    header = jwt.get_unverified_header(token)
    [key] = [k for k in client.get("/lti/jwks").get_json()["keys"] if k["kid"] == header["kid"]]
    return jwt.decode(token, JWK(**key).export_to_pem(), algorithms=["RS256"],
                      options={"verify_aud": False})


def test_6_2_send_the_request_payload(deep_link_response):
    picker, _ = deep_link_response
    assert picker.status_code == 200
    page = picker.get_data(as_text=True)
    assert "Etika ASN" in page and "Keselamatan Kerja" in page


def test_6_2_receive_the_response_payload(browser, deep_link_response):
    _, posted = deep_link_response
    action, fields = response_form(posted)
    assert posted.status_code == 200
    assert action == browser.platform.url + "/deep-link-return"  # the request's return URL
    assert set(fields) == {"JWT"} and fields["JWT"].count(".") == 2


def test_6_2_response_format_valid(browser, deep_link_response):
    token = response_form(deep_link_response[1])[1]["JWT"]
    claims = verified(browser.client, token)
    assert claims[CLAIM + "message_type"] == "LtiDeepLinkingResponse"
    assert claims[CLAIM + "version"] == "1.3.0"
    assert isinstance(claims[DL + "content_items"], list)


def test_6_2_response_timestamps_valid(browser, deep_link_response):
    claims = verified(browser.client, response_form(deep_link_response[1])[1]["JWT"])
    assert claims["iat"] <= now() + 5 < claims["exp"]
    assert claims["exp"] - claims["iat"] <= 3600


def test_6_2_signature_valid(browser, deep_link_response):
    token = response_form(deep_link_response[1])[1]["JWT"]
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "RS256" and header["kid"]
    assert verified(browser.client, token)  # by the kid's key from the hub's JWKS
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(jwt.InvalidSignatureError):
        verified(browser.client, forged)


def test_6_2_required_claims_verified(browser, deep_link_response):
    claims = verified(browser.client, response_form(deep_link_response[1])[1]["JWT"])
    # Deep Linking 2.0 §4.2: iss is the tool's client id, aud the platform, plus nonce.
    assert claims["iss"] == browser.platform.client_id
    assert claims["aud"] in (browser.platform.issuer, [browser.platform.issuer])
    assert claims["nonce"] and claims[CLAIM + "deployment_id"] == browser.platform.deployment_id


def test_6_2_affirm_response_values_sent(browser, deep_link_response):
    claims = verified(browser.client, response_form(deep_link_response[1])[1]["JWT"])
    assert claims[DL + "data"] == "opaque-123"  # the request's data, echoed
    etika, k3 = claims[DL + "content_items"]
    assert (etika["type"], etika["title"], etika["custom"]) == (
        "ltiResourceLink", "Etika ASN", {"catalogue_id": "etika-asn"})
    assert etika["url"].endswith("/lti/launch")
    assert etika["lineItem"]["scoreMaximum"] == 50
    assert (k3["title"], k3["custom"]) == ("Keselamatan Kerja", {"catalogue_id": "k3"})
    assert "lineItem" not in k3


# --- §6.3 Names and Role Provisioning Services --------------------------------------------
MEMBERS = [{"user_id": "teacher-1", "name": "Bu Guru", "roles": [INSTRUCTOR]},
           {"user_id": "student-1", "name": "Siti Rahma", "roles": [LEARNER]},
           {"user_id": "student-2", "name": "Agus Wibowo", "roles": [LEARNER]}]


@pytest.fixture
def nrps_read(browser):
    browser.platform.members["course-1"] = MEMBERS
    response = browser.launch(claims=TEACHER)
    return response, [r for r in browser.platform.service_requests
                      if r["path"].startswith("/nrps/")]


def test_6_3_valid_instructor_launch(browser, nrps_read):
    response, _ = nrps_read
    assert response.status_code == 303 and "/lti/course/" in response.headers["Location"]
    page = browser.follow(response).get_data(as_text=True)
    assert all(m["name"] in page for m in MEMBERS)  # the class as NRPS listed it


def test_6_3_received_request(browser, nrps_read):
    _, requests = nrps_read
    # Three members in pages of two: the first page and the Link rel="next" page.
    assert [(r["method"], r["path"]) for r in requests] == [("GET", "/nrps/course-1")] * 2


def test_6_3_verify_json_header(nrps_read):
    _, requests = nrps_read
    assert all(r["accept"] == "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
               for r in requests)


def test_6_3_verify_bearer_token(browser, nrps_read):
    _, requests = nrps_read
    # Each call carried a token the LMS's token endpoint issued for a client assertion
    # signed with the hub's key (the test LMS verifies it against the hub's JWKS).
    assert requests and all(r["scopes"] for r in requests)
    assert browser.platform.token_requests


def test_6_3_verify_bearer_scope(nrps_read):
    _, requests = nrps_read
    assert all(NRPS_SCOPE in r["scopes"] for r in requests)


def test_6_3_names_and_roles_after_a_student_launch(app, runner, browser, registered):
    """The guide's NRPS launch is an instructor's; after a learner's launch the course's
    service URL is known too, and `lti roster-sync` reads it with the same headers."""
    browser.platform.members["course-1"] = MEMBERS
    assert browser.launch(claims=STUDENT).status_code == 303
    assert not browser.platform.service_requests  # a learner's launch reads no roster
    result = runner.invoke(args=["lti", "roster-sync", str(registered.id), "course-1"])
    assert result.exit_code == 0 and "3 members of course-1" in result.output, result.output
    calls = browser.platform.service_requests
    assert calls and all(
        r["accept"] == "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
        and NRPS_SCOPE in r["scopes"] for r in calls)


# --- §6.4 Assignment and Grade Services -----------------------------------------------------
def test_6_4_valid_student_launch_then_the_tool_creates_its_line_item_and_posts_the_score(
        app, client, xapi, browser):
    """After a learner's launch with the AGS claim, the hub alone creates the line item
    and posts the score (the certification suite only watches its gradebook)."""
    with app.app_context():
        add_catalogue_entry(app.extensions["hub.storage"].lti_catalogue, NewEntry(
            id="etika-asn", title="Etika ASN", activity_id="https://mitra.example/etika",
            launch_url="https://mitra.example/launch/etika", graded=True, score_maximum=50))
    launch = browser.launch(claims={**STUDENT, CLAIM + "custom": {"catalogue_id": "etika-asn"}})
    assert launch.status_code == 303
    statement = {"actor": {"account": {"homePage": browser.platform.issuer,
                                       "name": "student-1"}},
                 "verb": {"id": "http://adlnet.gov/expapi/verbs/passed"},
                 "object": {"id": "https://mitra.example/etika"},
                 "result": {"score": {"scaled": 0.9}, "success": True}}
    assert client.post("/xapi/statements", json=statement, headers=xapi()).status_code == 200
    with app.app_context():
        assert push_grades().sent == 1
    platform = browser.platform
    [item] = platform.line_items.values()
    assert (item["label"], item["scoreMaximum"], item["resourceLinkId"]) == (
        "Etika ASN", 50, "link-1")
    [score] = platform.scores
    assert (score["userId"], score["scoreGiven"], score["scoreMaximum"]) == (
        "student-1", 45, 50)
    assert (score["activityProgress"], score["gradingProgress"]) == ("Completed",
                                                                     "FullyGraded")
    calls = [(r["method"], r["path"].rsplit("/", 1)[-1], r["content_type"].split(";")[0])
             for r in platform.service_requests if r["path"].startswith("/ags/")]
    assert ("POST", "lineitems", "application/vnd.ims.lis.v2.lineitem+json") in calls
    assert ("POST", "scores", "application/vnd.ims.lis.v1.score+json") in calls
    granted = [r["scopes"] for r in platform.service_requests if r["path"].endswith("/scores")]
    assert granted and all("https://purl.imsglobal.org/spec/lti-ags/scope/score" in s
                           for s in granted)
