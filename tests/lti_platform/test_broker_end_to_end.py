"""The broker, end to end over real HTTP (issue 14.7): three loopback servers — the test
LMS, the hub, a pylti1p3 partner tool — and one browser per person.

An instructor deep-links an LMS link to a catalogue entry; the LMS absorbs the hub's
signed response as a resource link with a gradebook column; a learner opens that link
and is relayed to the partner tool; the partner posts a score through AGS; the hub
records it as xAPI statements and the grade worker posts it to the LMS gradebook
column.  docs/lti-platform.md draws this as a sequence diagram.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import requests
from pylti1p3.grade import Grade

from hub.auth import issue_credential
from tests.lti.lms import CLAIM, INSTRUCTOR, auto_post_form
from tests.lti_platform.conftest import ACTIVITY, ENTRY, Browser

JP = "https://berpijar.id/xapi/extensions/jp"
DEEP_LINKING = {CLAIM + "message_type": "LtiDeepLinkingRequest", CLAIM + "roles": [INSTRUCTOR],
                "sub": "teacher-1"}


def lrs_headers(hub) -> dict[str, str]:
    with hub.context():
        issued = issue_credential(hub.storage.credentials, name="Auditor", owner="BKPSDM",
                                  scopes=("all",), authority_home_page=hub.url + "/partners")
    return {"Authorization": requests.auth._basic_auth_str(issued.credential.key,
                                                           issued.secret),
            "X-Experience-API-Version": "1.0.3"}


def learner_statements(hub, issuer: str, sub: str) -> list[dict]:
    agent = json.dumps({"objectType": "Agent", "account": {"homePage": issuer, "name": sub}})
    response = requests.get(hub.url + "/xapi/statements", params={"agent": agent,
                                                                  "ascending": "true"},
                            headers=lrs_headers(hub))
    assert response.status_code == 200, response.text
    return response.json()["statements"]


def verb(statement: dict) -> str:
    return statement["verb"]["id"].rsplit("/", 1)[-1]


def test_a_deep_linked_lms_link_relays_the_learner_and_the_partner_score_reaches_lms_and_lrs(
        hub, lms, partner, registered_partner):
    # 1. The instructor deep-links an LMS link to the catalogue entry.
    teacher = Browser(hub, lms)
    picker = teacher.lms_launch(**DEEP_LINKING)
    assert picker.status_code == 200 and "/lti/deep-link/" in picker.url, picker.text[:300]
    assert "Etika ASN" in picker.text
    answer = teacher.http.post(picker.url, data={"entry": [ENTRY]})
    assert answer.status_code == 200
    return_url = answer.text.split('action="')[1].split('"')[0]
    assert return_url == lms.url + "/deep-link-return"
    absorbed = teacher.http.post(return_url, data=auto_post_form(answer.text))
    assert absorbed.status_code == 200, absorbed.text
    [link] = lms.links.values()  # the LMS verified the response and made the link
    assert link["custom"] == {"catalogue_id": ENTRY}
    column = lms.line_items[link["lineitem"]]
    assert (column["scoreMaximum"], column["resourceId"]) == (50, ENTRY)

    # 2. A learner opens the link: the hub relays them to the partner tool.
    learner = Browser(hub, lms)
    relay = learner.lms_launch(**lms.link_claims(link["id"]))
    assert relay.status_code == 200 and 'name="id_token"' in relay.text, relay.text[:300]
    assert relay.url.startswith(hub.url + "/lti/platform/auth")
    arrived = learner.post_form(relay)
    assert arrived.status_code == 200, arrived.text[:300]
    launch = partner.last
    claims = launch.get_launch_data()
    assert claims[CLAIM + "resource_link"]["title"] == "Etika ASN"
    assert claims[CLAIM + "context"]["title"] == "Orientasi ASN"

    # 3. The partner posts the learner's score through AGS.
    ags = launch.get_ags()
    item = ags.find_lineitem_by_resource_link_id(claims[CLAIM + "resource_link"]["id"])
    ags.put_grade(Grade().set_user_id(claims["sub"]).set_score_given(40).set_score_maximum(50)
                  .set_timestamp(datetime.now(UTC).isoformat())
                  .set_activity_progress("Completed").set_grading_progress("FullyGraded"),
                  item)

    # 4. The LRS holds the learner's statements: launched, scored, completed, passed.
    stored = learner_statements(hub, lms.issuer, "learner-1")
    assert [verb(s) for s in stored] == ["launched", "launched", "scored", "completed",
                                         "passed"]
    tool_role, platform_role, scored, completed, passed = stored
    assert tool_role["object"]["id"] == ACTIVITY  # what the LMS link launched
    assert tool_role["authority"]["account"]["name"] == "hub:lti"
    assert platform_role["authority"]["account"]["name"] == "hub:lti-platform"
    assert scored["object"]["id"] == ACTIVITY
    assert scored["result"]["score"] == {"scaled": 0.8, "raw": 40, "min": 0, "max": 50}
    assert scored["authority"]["account"]["name"] == f"lti-tool:{partner.client_id}"
    assert scored["context"]["extensions"][JP] == 2.0
    assert completed["context"]["extensions"][JP] == 2.0 and "result" not in completed
    assert "result" not in passed  # one result per score, so one LMS grade

    # 5. The grade worker posts the score to the LMS gradebook column of the link.
    pushed = hub.app.test_cli_runner().invoke(args=["lti", "grades", "push"])
    assert pushed.exit_code == 0 and "sent 1" in pushed.output, pushed.output
    assert [(s["line_item"], s["userId"], s["scoreGiven"], s["scoreMaximum"],
             s["gradingProgress"]) for s in lms.scores] == [
        (link["lineitem"], "learner-1", 40.0, 50.0, "FullyGraded")]
    again = hub.app.test_cli_runner().invoke(args=["lti", "grades", "push"])
    assert "sent 0" in again.output and len(lms.scores) == 1  # once only
