"""A partner tool built with pylti1p3, launched by the hub over HTTP, end to end:
login initiation, authorization, the tool's own launch validation, token, line items,
scores, results, NRPS, and what the LRS and the originating LMS get from it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pylti1p3.grade import Grade
from pylti1p3.lineitem import LineItem

from lti.tool.grades import push_grades
from tests.lti_platform.conftest import ACTIVITY, relay_claims

JP = "https://berpijar.id/xapi/extensions/jp"


def statements(hub, verb: str | None = None) -> list[dict]:
    with hub.context():
        found = [s.document for s in hub.storage.statements.statements_after(0, 500)]
    return [s for s in found if verb is None or s["verb"]["id"].endswith("/" + verb)]


def relayed_launch(browser, partner):
    page = browser.lms_launch(**relay_claims())
    assert page.status_code == 200, page.text[:500]
    response = browser.post_form(page)
    assert response.status_code == 200, response.text[:500]
    return partner.last


def test_relayed_lms_launch_reaches_the_partner_and_its_score_reaches_the_lms(
        hub, browser, partner, registered_partner, lms):
    launch = relayed_launch(browser, partner)
    claims = launch.get_launch_data()
    assert claims["https://purl.imsglobal.org/spec/lti/claim/resource_link"]["title"] == \
        "Etika ASN"
    assert claims["https://purl.imsglobal.org/spec/lti/claim/custom"] == {"modul": "1"}
    assert claims["name"] == "Siti Rahma" and "email" not in claims  # only "name" allowed

    ags = launch.get_ags()
    line_item = ags.find_lineitem_by_resource_link_id(
        claims["https://purl.imsglobal.org/spec/lti/claim/resource_link"]["id"])
    assert line_item is not None and line_item.get_score_maximum() == 50.0
    when = datetime.now(UTC).isoformat()
    ags.put_grade(Grade().set_user_id(claims["sub"]).set_score_given(40).set_score_maximum(50)
                  .set_timestamp(when).set_activity_progress("Completed")
                  .set_grading_progress("FullyGraded"), line_item)
    assert ags.get_grades(line_item)[0]["resultScore"] == 40

    scored = statements(hub, "scored")
    assert len(scored) == 1
    assert scored[0]["actor"]["account"] == {"homePage": lms.issuer, "name": "learner-1"}
    assert scored[0]["object"]["id"] == ACTIVITY
    assert scored[0]["result"]["score"]["scaled"] == 0.8
    assert scored[0]["context"]["extensions"][JP] == 2.0
    assert scored[0]["authority"]["account"]["name"] == f"lti-tool:{partner.client_id}"
    assert [s["context"]["extensions"][JP] for s in statements(hub, "completed")] == [2.0]
    assert len(statements(hub, "passed")) == 1

    with hub.context():
        report = push_grades()
    assert report.sent == 1
    assert [(s["userId"], s["scoreGiven"], s["scoreMaximum"]) for s in lms.scores] == [
        ("learner-1", 40.0, 50.0)]


def test_catalogue_launch_is_validated_by_the_tool_and_recorded_as_launched(
        hub, browser, partner, registered_partner):
    launch_id = browser.sign_in()
    page = browser.open_catalogue(launch_id)
    assert "Etika ASN" in page.text
    response = browser.post_form(browser.launch_entry())
    assert response.status_code == 200, response.text[:300]
    claims = partner.last.get_launch_data()
    assert claims["https://purl.imsglobal.org/spec/lti/claim/context"]["id"] == "catalogue"
    assert claims["https://purl.imsglobal.org/spec/lti/claim/roles"] == [
        "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"]
    launched = [s for s in statements(hub, "launched") if s["object"]["id"] == ACTIVITY]
    assert len(launched) == 1
    assert launched[0]["authority"]["account"]["name"] == "hub:lti-platform"


def test_line_items_scores_results_and_members_through_pylti1p3(
        hub, browser, partner, registered_partner):
    browser.open_catalogue(browser.sign_in())
    browser.post_form(browser.launch_entry())
    launch = partner.last
    ags = launch.get_ags()
    made = ags.find_or_create_lineitem(LineItem().set_label("Kuis 2").set_score_maximum(10)
                                       .set_tag("kuis").set_resource_id("kuis-2"))
    assert made.get_id().startswith(hub.url + "/lti/platform/ags/catalogue/lineitems/")
    sub = launch.get_launch_data()["sub"]
    first = datetime.now(UTC)
    for offset, given in ((0, 3), (1, 7)):
        ags.put_grade(Grade().set_user_id(sub).set_score_given(given).set_score_maximum(10)
                      .set_timestamp((first + timedelta(seconds=offset)).isoformat())
                      .set_activity_progress("Submitted")
                      .set_grading_progress("FullyGraded"), made)
    assert [g["resultScore"] for g in ags.get_grades(made)] == [7]
    members = launch.get_nrps().get_members()
    assert [(m["user_id"], m["name"]) for m in members] == [(sub, "Siti Rahma")]
    item_number = made.get_id().rsplit("/", 1)[1]
    scored = [s for s in statements(hub, "scored")
              if s["object"]["id"].endswith(f"/lti/platform/line-items/{item_number}")]
    assert [s["result"]["score"]["raw"] for s in scored] == [3, 7]
    assert not statements(hub, "completed")  # Submitted is not Completed


def test_nrps_of_a_relayed_course_lists_the_lms_roster_under_the_tools_subs(
        hub, browser, partner, registered_partner, lms):
    from lti.tool.storage.contract import LtiMember, LtiUser
    launch = relayed_launch(browser, partner)
    with hub.context():
        platform = hub.storage.lti_platforms.list_platforms()[0]
        now = datetime.now(UTC)
        hub.storage.lti_roster.upsert_users([LtiUser(issuer=lms.issuer, sub="learner-2",
                                                     updated=now, name="Budi",
                                                     email="budi@example.go.id")])
        hub.storage.lti_roster.upsert_members([LtiMember(
            platform_id=platform.id, context_id="course-1", sub="learner-2",
            roles=("Learner",), status="Active", launched=False, updated=now)])
    members = launch.get_nrps().get_members()
    names = sorted(m.get("name") for m in members)
    assert names == ["Budi", "Siti Rahma"]
    assert all("email" not in m for m in members)  # the tool may have names only
    budi = next(m for m in members if m["name"] == "Budi")
    ags = launch.get_ags()
    item = ags.find_lineitem_by_resource_id("etika-asn")
    ags.put_grade(Grade().set_user_id(budi["user_id"]).set_score_given(50)
                  .set_score_maximum(50).set_timestamp(datetime.now(UTC).isoformat())
                  .set_activity_progress("Completed").set_grading_progress("FullyGraded"),
                  item)
    assert [s["actor"]["account"]["name"] for s in statements(hub, "scored")] == ["learner-2"]


def test_the_catalogue_needs_a_signed_in_learner(hub, browser, registered_partner):
    assert browser.http.get(hub.url + "/lti/platform/catalogue").status_code == 401
    assert browser.open_catalogue("lti1p3-launch-unknown").status_code == 401
    browser.open_catalogue(browser.sign_in())
    assert browser.launch_entry(csrf="forged").status_code == 403


def test_a_catalogue_address_with_an_unknown_parameter_is_refused_naming_it(
        hub, browser, registered_partner):
    response = browser.http.get(hub.url + "/lti/platform/catalogue", params={"lunch": "x"})
    assert response.status_code == 400
    assert 'data-reason="bad_request"' in response.text and "lunch" in response.text
    assert "application/json" not in response.headers["Content-Type"]  # a page, for people
