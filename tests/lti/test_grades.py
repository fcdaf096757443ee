"""AGS 2.0 grade passback: partner results become LMS scores, once, despite outages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lti.tool.grades import push_grades
from lti.tool.registration import NewEntry, add_catalogue_entry
from tests.lti.lms import AGS_CLAIM, AGS_SCOPES, CLAIM

ETIKA = "https://partner.example/activities/etika-asn"
LINK = {CLAIM + "custom": {"catalogue_id": "etika-asn"}}


@pytest.fixture
def graded_launch(app, browser):
    with app.app_context():
        add_catalogue_entry(app.extensions["hub.storage"].lti_catalogue, NewEntry(
            id="etika-asn", title="Etika ASN", activity_id=ETIKA,
            launch_url="https://partner.example/launch/etika", graded=True,
            score_maximum=50))
    assert browser.launch(claims=LINK).status_code == 303
    return browser


def partner_result(client, xapi, platform, result: dict, sub: str = "learner-1",
                   statement_id: str = "3f0c2a4e-8a5b-4c1d-9e7f-0a1b2c3d4e5f",
                   timestamp: str = "2026-05-04T10:00:00.123Z"):
    statement = {
        "id": statement_id,
        "actor": {"objectType": "Agent", "account": {"homePage": platform.issuer,
                                                     "name": sub}},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/passed"},
        "object": {"objectType": "Activity", "id": ETIKA},
        "result": result,
        "timestamp": timestamp,
    }
    response = client.post("/xapi/statements", json=statement, headers=xapi())
    assert response.status_code == 200, response.data
    return statement


def push(app, now=None):
    with app.app_context():
        return push_grades(now)


def jobs(app, status=None):
    with app.app_context():
        return app.extensions["hub.storage"].lti_grades.list_jobs(status)


def test_scaled_score_is_posted_to_a_line_item_the_hub_creates(app, client, xapi,
                                                               graded_launch):
    platform = graded_launch.platform
    partner_result(client, xapi, platform, {"score": {"scaled": 0.8}, "success": True})
    report = push(app)
    assert report.sent == 1
    [item] = platform.line_items.values()
    assert item["resourceLinkId"] == "link-1" and item["scoreMaximum"] == 50
    [score] = platform.scores
    assert score["line_item"] == item["id"]
    assert score["userId"] == "learner-1"
    assert score["scoreGiven"] == 40 and score["scoreMaximum"] == 50
    assert score["activityProgress"] == "Completed"
    assert score["gradingProgress"] == "FullyGraded"
    assert score["timestamp"] == "2026-05-04T10:00:00.123Z"


def test_a_statement_dated_9999_sends_its_score_dated_when_stored_and_later_scores_pass(
        app, client, xapi, graded_launch, caplog):
    """Issue 14.6: the LMS ignores scores not newer than one it has (AGS 2.0 §3.4.8), so a
    score dated 9999 would block every later one; the hub dates it when it was stored."""
    platform = graded_launch.platform
    before = datetime.now(UTC)
    partner_result(client, xapi, platform, {"score": {"scaled": 0.5}},
                   timestamp="9999-12-31T23:59:59.999Z")
    assert push(app).sent == 1
    sent_at = datetime.fromisoformat(platform.scores[-1]["timestamp"])
    assert before - timedelta(seconds=5) <= sent_at <= datetime.now(UTC)
    assert "beyond HUB_TIMESTAMP_FUTURE_SKEW" in caplog.text
    later = datetime.now(UTC) + timedelta(seconds=1)
    partner_result(client, xapi, platform, {"score": {"scaled": 0.9}},
                   statement_id="3f0c2a4e-8a5b-4c1d-9e7f-0a1b2c3d4e60",
                   timestamp=later.isoformat())
    assert push(app).sent == 1
    assert datetime.fromisoformat(platform.scores[-1]["timestamp"]) > sent_at


def test_a_statement_dated_within_the_skew_keeps_its_timestamp(app, client, xapi,
                                                               graded_launch):
    platform = graded_launch.platform
    soon = (datetime.now(UTC) + timedelta(seconds=60)).isoformat()
    partner_result(client, xapi, platform, {"score": {"scaled": 0.5}}, timestamp=soon)
    assert push(app).sent == 1
    assert platform.scores[-1]["timestamp"] == soon


def test_learner_sees_the_result_on_the_progress_page(app, client, xapi, graded_launch):
    partner_result(client, xapi, graded_launch.platform, {"score": {"scaled": 0.8}})
    push(app)
    page = graded_launch.follow(graded_launch.launch(claims=LINK)).get_data(as_text=True)
    assert "40 / 50" in page


def test_lms_outage_is_retried_with_backoff_and_scored_once(app, client, xapi, graded_launch):
    platform = graded_launch.platform
    partner_result(client, xapi, platform, {"success": True})
    platform.ags_down = True
    first = push(app)
    assert (first.sent, first.retrying) == (0, 1)
    [job] = jobs(app)
    assert job.status == "pending" and job.attempts == 1 and "503" in job.last_error
    assert job.next_attempt_at > datetime.now(UTC) + timedelta(seconds=50)
    assert push(app).sent == 0  # not due yet: backoff
    platform.ags_down = False
    later = datetime.now(UTC) + timedelta(minutes=5)
    assert push(app, later).sent == 1
    assert push(app, later + timedelta(hours=1)).sent == 0
    assert len(platform.scores) == 1 and platform.scores[0]["scoreGiven"] == 50


def test_the_same_statement_twice_gives_one_score(app, client, xapi, graded_launch):
    platform = graded_launch.platform
    partner_result(client, xapi, platform, {"score": {"scaled": 1.0}})
    partner_result(client, xapi, platform, {"score": {"scaled": 1.0}})  # a partner retry
    push(app)
    push(app)
    assert len(jobs(app)) == 1 and len(platform.scores) == 1


def test_missed_listener_is_caught_up_from_the_lrs_feed(app, client, xapi, graded_launch):
    from lrs.listeners import _LISTENERS

    app.extensions[_LISTENERS] = []  # as if the process died before its listeners ran
    partner_result(client, xapi, graded_launch.platform, {"score": {"scaled": 0.5}})
    assert jobs(app) == []
    assert push(app).sent == 1
    assert graded_launch.platform.scores[0]["scoreGiven"] == 25


def test_completion_without_score_is_sent_as_not_ready(app, client, xapi, graded_launch):
    partner_result(client, xapi, graded_launch.platform, {"completion": True})
    push(app)
    [score] = graded_launch.platform.scores
    assert score["gradingProgress"] == "NotReady" and "scoreGiven" not in score


def test_result_of_someone_who_never_launched_the_link_is_not_sent(app, client, xapi,
                                                                    graded_launch):
    partner_result(client, xapi, graded_launch.platform, {"score": {"scaled": 1}},
                   sub="someone-else")
    assert push(app).sent == 0 and jobs(app) == []


def test_statement_without_result_queues_nothing(app, client, xapi, graded_launch):
    partner_result(client, xapi, graded_launch.platform, {})
    assert jobs(app) == []


def test_platform_line_item_from_the_launch_is_used(app, client, xapi, browser):
    line_item = browser.platform.url + "/ags/course-1/lineitems/77"
    claims = {AGS_CLAIM: {"scope": AGS_SCOPES, "lineitem": line_item}}
    browser.launch(claims=claims)
    partner_result(client, xapi, browser.platform, {"score": {"scaled": 0.5}})
    assert push(app).sent == 0  # the partner activity is not linked: nothing matched
    with app.app_context():
        from lrs.service import statements_after
        launched = statements_after(0)[0].document
    link_iri = launched["context"]["contextActivities"]["parent"][0]["id"]
    on_link = {"id": "6c7d8e9f-0a1b-4c2d-8e3f-4a5b6c7d8e9f",
               "actor": {"account": {"homePage": browser.platform.issuer, "name": "learner-1"}},
               "verb": {"id": "http://adlnet.gov/expapi/verbs/scored"},
               "object": {"id": "https://partner.example/quiz"},
               "context": {"contextActivities": {"parent": [{"id": link_iri}]}},
               "result": {"score": {"scaled": 0.5}}}
    assert client.post("/xapi/statements", json=on_link, headers=xapi()).status_code == 200
    assert push(app).sent == 1
    assert browser.platform.scores[0]["line_item"] == line_item
    assert browser.platform.scores[0]["scoreGiven"] == 50  # of the default maximum 100


def test_link_without_a_line_item_or_the_right_to_make_one_fails_for_good(app, client, xapi,
                                                                          browser):
    with app.app_context():
        add_catalogue_entry(app.extensions["hub.storage"].lti_catalogue, NewEntry(
            id="etika-asn", title="Etika ASN", activity_id=ETIKA,
            launch_url="https://partner.example/launch/etika", graded=True))
    score_only = {AGS_CLAIM: {"scope": [AGS_SCOPES[2]],
                              "lineitems": browser.platform.url + "/ags/course-1/lineitems"}}
    browser.launch(claims={**LINK, **score_only})
    partner_result(client, xapi, browser.platform, {"score": {"scaled": 1}})
    report = push(app)
    assert report.failed == 1
    [job] = jobs(app)
    assert job.status == "failed" and "line item" in job.last_error


def test_cli_grades_push_reports_what_it_sent(app, runner, client, xapi, graded_launch):
    partner_result(client, xapi, graded_launch.platform, {"score": {"scaled": 0.8}})
    result = runner.invoke(args=["lti", "grades", "push"])
    assert result.exit_code == 0, result.output
    assert "sent 1, retrying 0, failed 0" in result.output
