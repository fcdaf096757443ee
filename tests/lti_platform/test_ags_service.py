"""AGS 2.0 as the hub serves it: line item CRUD, paging and filters, score validation
and ordering, results — called over HTTP with tokens from the token endpoint."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests
from sqlalchemy import delete

from lrs.storage.sql.tables import statement_index
from lrs.storage.sql.tables import statements as statement_rows
from tests.lti_platform.test_security import NRPS, SCOPE, access_token, launched  # noqa: F401

LINEITEM = "application/vnd.ims.lis.v2.lineitem+json"
ENDPOINT = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
MEMBERSHIPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"


@pytest.fixture
def headers(hub, partner, launched):  # noqa: F811
    return access_token(hub, partner, SCOPE + "lineitem", SCOPE + "score",
                        SCOPE + "result.readonly")


def container(launched) -> str:  # noqa: F811
    return launched["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"]["lineitems"]


def score(sub: str, when: datetime, **fields) -> dict:
    return {"userId": sub, "timestamp": when.isoformat(), "activityProgress": "Completed",
            "gradingProgress": "FullyGraded", "scoreGiven": 5, "scoreMaximum": 10, **fields}


def test_line_items_are_paged_and_filtered_by_tag_and_resource_link(
        hub, launched, headers):  # noqa: F811
    url = container(launched)
    for number in range(3):
        made = requests.post(url, json={"label": f"Kuis {number}", "scoreMaximum": 10,
                                        "tag": "kuis" if number else "tugas"},
                             headers={**headers, "Content-Type": LINEITEM})
        assert made.status_code == 201 and made.headers["Location"] == made.json()["id"]
    first = requests.get(url, params={"limit": 2}, headers=headers)
    assert first.headers["Content-Type"].startswith(
        "application/vnd.ims.lis.v2.lineitemcontainer+json")
    assert len(first.json()) == 2 and 'rel="next"' in first.headers["Link"]
    following = first.headers["Link"].split("<")[1].split(">")[0]
    rest = requests.get(following, headers=headers).json()
    assert len(first.json()) + len(rest) == 4  # the hub's own graded line item too
    assert [i["label"] for i in requests.get(url, params={"tag": "kuis"},
                                             headers=headers).json()] == ["Kuis 1", "Kuis 2"]
    link_id = launched["https://purl.imsglobal.org/spec/lti/claim/resource_link"]["id"]
    by_link = requests.get(url, params={"resource_link_id": link_id}, headers=headers).json()
    assert [i["resourceLinkId"] for i in by_link] == [link_id]


def test_line_item_can_be_read_changed_and_deleted(hub, launched, headers):  # noqa: F811
    made = requests.post(container(launched), json={"label": "Tugas", "scoreMaximum": 20},
                         headers=headers).json()
    changed = requests.put(made["id"], json={**made, "label": "Tugas akhir",
                                             "scoreMaximum": 30}, headers=headers)
    assert changed.status_code == 200 and changed.json()["label"] == "Tugas akhir"
    assert requests.get(made["id"], headers=headers).json()["scoreMaximum"] == 30
    assert requests.delete(made["id"], headers=headers).status_code == 204
    assert requests.get(made["id"], headers=headers).status_code == 404


@pytest.mark.parametrize(("body", "pointer"), [
    ({"scoreMaximum": 10}, "/label"),
    ({"label": "x"}, "/scoreMaximum"),
    ({"label": "x", "scoreMaximum": 0}, "/scoreMaximum"),
    ({"label": "x", "scoreMaximum": 1, "resourceLinkId": "not-mine"}, "/resourceLinkId"),
    ({"label": "x", "scoreMaximum": 1, "startDateTime": "tomorrow"}, "/startDateTime"),
    ({"label": 5, "scoreMaximum": 1}, "/label"),
    ({"label": "x", "scoreMaximum": True}, "/scoreMaximum"),
    ({"label": "x", "scoreMaximum": 1, "tag": ["kuis"]}, "/tag"),
    ({"label": "x", "scoreMaximum": 1, "startDateTime": "2026-02-01T00:00:00+07:00",
      "endDateTime": "2026-01-01T00:00:00+07:00"}, "/endDateTime"),
    (["label", "scoreMaximum"], ""),
])
def test_malformed_line_items_are_refused(hub, launched, headers, body, pointer):  # noqa: F811
    response = requests.post(container(launched), json=body, headers=headers)
    assert response.status_code == 400
    assert response.json()["error"]["pointer"] == pointer


def test_scores_must_be_newer_than_the_one_recorded(hub, launched, headers):  # noqa: F811
    item = launched["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"]["lineitem"]
    when = datetime.now(UTC)
    assert requests.post(item + "/scores", json=score(launched["sub"], when),
                         headers=headers).status_code == 204
    for earlier in (when, when - timedelta(seconds=1)):
        late = requests.post(item + "/scores", json=score(launched["sub"], earlier,
                                                          scoreGiven=9), headers=headers)
        assert late.status_code == 409
    results = requests.get(item + "/results", headers=headers).json()
    assert [(r["userId"], r["resultScore"], r["resultMaximum"]) for r in results] == [
        (launched["sub"], 5, 10)]


def test_a_score_saved_before_a_crash_is_recorded_when_the_tool_sends_it_again(
        hub, launched, headers):  # noqa: F811
    item = launched["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"]["lineitem"]
    sent = score(launched["sub"], datetime.now(UTC))
    assert requests.post(item + "/scores", json=sent, headers=headers).status_code == 204
    storage = hub.app.extensions["hub.storage"]
    recorded = storage.statements.max_statement_seq()
    # What a crash between saving the score and recording it leaves behind: the score
    # saved, its statements missing.
    lost = [s.seq for s in storage.statements.statements_after(0, 1000)
            if s.document["verb"]["id"].endswith("/scored")]
    assert lost
    if storage.engine_name == "mongodb":
        storage.database["statements"].delete_many({"seq": {"$in": lost}})
    else:
        with storage.engine.begin() as conn:
            conn.execute(delete(statement_index).where(
                statement_index.c.statement_seq.in_(lost)))
            conn.execute(delete(statement_rows).where(statement_rows.c.seq.in_(lost)))
    again = requests.post(item + "/scores", json=sent, headers=headers)
    assert again.status_code == 204
    twice = requests.post(item + "/scores", json=sent, headers=headers)
    assert twice.status_code == 204
    feed = storage.statements.statements_after(0, 1000)
    scored = [s for s in feed if s.document["verb"]["id"].endswith("/scored")]
    assert len(scored) == 1 and scored[0].seq > recorded


@pytest.mark.parametrize(("change", "pointer"), [
    ({"userId": None}, "/userId"),
    ({"userId": "someone-never-launched"}, "/userId"),
    ({"scoreMaximum": None}, "/scoreMaximum"),
    ({"scoreGiven": -1}, "/scoreGiven"),
    ({"scoreGiven": "9"}, "/scoreGiven"),
    ({"activityProgress": "Done"}, "/activityProgress"),
    ({"gradingProgress": None}, "/gradingProgress"),
    ({"timestamp": "2026-01-01T10:00:00"}, "/timestamp"),
])
def test_malformed_scores_are_refused(hub, launched, headers, change, pointer):  # noqa: F811
    item = launched["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"]["lineitem"]
    body = {k: v for k, v in {**score(launched["sub"], datetime.now(UTC)), **change}.items()
            if v is not None}
    response = requests.post(item + "/scores", json=body, headers=headers)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["pointer"] == pointer


def test_a_score_of_the_wrong_json_type_is_refused_naming_the_field(
        hub, launched, headers):  # noqa: F811
    item = launched[ENDPOINT]["lineitem"]
    for change, pointer in (({"timestamp": 1767261600}, "/timestamp"),
                            ({"scoreMaximum": "10"}, "/scoreMaximum"),
                            ({"userId": 7}, "/userId"), ({"comment": ["bagus"]}, "/comment"),
                            ({"gradingProgress": True}, "/gradingProgress")):
        body = {**score(launched["sub"], datetime.now(UTC)), **change}
        response = requests.post(item + "/scores", json=body, headers=headers)
        assert response.status_code == 400, response.text
        error = response.json()["error"]
        assert error["pointer"] == pointer and error["message"].startswith(pointer + ":")


def test_line_items_and_scores_may_carry_properties_of_other_specs(
        hub, launched, headers):  # noqa: F811
    """pylti1p3 sends a line item's submissionReview and a score's extra claims; LMSs
    define extensions: the hub keeps what AGS defines and ignores the rest."""
    made = requests.post(container(launched), headers=headers, json={
        "label": "Tugas", "scoreMaximum": 20,
        "submissionReview": {"reviewableStatus": ["Submitted"]},
        "https://canvas.instructure.com/lti/submission_type": {"type": "none"}})
    assert made.status_code == 201, made.text
    assert set(made.json()) == {"id", "label", "scoreMaximum"}
    sent = score(launched["sub"], datetime.now(UTC), scoringUserId="instructor-1", **{
        "https://canvas.instructure.com/lti/submission": {"new_submission": True}})
    scored = requests.post(launched[ENDPOINT]["lineitem"] + "/scores", json=sent,
                           headers=headers)
    assert scored.status_code == 204, scored.text


def test_a_malformed_paging_parameter_is_a_400_naming_it(
        hub, partner, launched, headers):  # noqa: F811
    members = launched[MEMBERSHIPS]["context_memberships_url"]
    nrps = access_token(hub, partner, NRPS)
    services = [(container(launched), headers), (launched[ENDPOINT]["lineitem"] + "/results",
                                                 headers), (members, nrps)]
    bad = [{"limit": "abc"}, {"limit": "0"}, {"limit": "1001"}, {"limit": "\u00b2"},
           {"limit": ["10", "20"]}]
    for url, auth in services:
        for params in bad:
            response = requests.get(url, params=params, headers=auth)
            assert response.status_code == 400, (url, params, response.text)
            error = response.json()["error"]
            assert error["parameter"] == "limit" and "'limit'" in error["message"]
    for after in ("\u00b2", str(2**63), "-1"):
        response = requests.get(container(launched), params={"after": after}, headers=headers)
        assert response.status_code == 400, (after, response.text)
        assert response.json()["error"]["parameter"] == "after"


def test_parameters_the_services_do_not_define_are_ignored(
        hub, partner, launched, headers):  # noqa: F811
    """AGS 2.0 and NRPS 2.0 name their filters and no error for others; tools send their
    own (Canvas' include, pylti1p3's and ltijs' rlid)."""
    link_id = launched["https://purl.imsglobal.org/spec/lti/claim/resource_link"]["id"]
    items = requests.get(container(launched), params={"include": "launch_url", "limit": 1},
                         headers=headers)
    assert items.status_code == 200 and len(items.json()) == 1
    results = requests.get(launched[ENDPOINT]["lineitem"] + "/results",
                           params={"include": "x"}, headers=headers)
    assert results.status_code == 200
    members = requests.get(launched[MEMBERSHIPS]["context_memberships_url"],
                           params={"rlid": link_id},
                           headers=access_token(hub, partner, NRPS))
    assert members.status_code == 200
    assert [m["user_id"] for m in members.json()["members"]] == [launched["sub"]]


def test_progress_without_a_final_score_records_completion_only(
        hub, launched, headers):  # noqa: F811
    item = launched["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"]["lineitem"]
    body = score(launched["sub"], datetime.now(UTC), gradingProgress="PendingManual")
    assert requests.post(item + "/scores", json=body, headers=headers).status_code == 204
    with hub.context():
        verbs = [s.document["verb"]["id"].rsplit("/", 1)[1]
                 for s in hub.storage.statements.statements_after(0, 100)]
    assert "completed" in verbs and "scored" not in verbs and "passed" not in verbs


def test_a_failing_score_records_failed(hub, launched, headers):  # noqa: F811
    item = launched["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"]["lineitem"]
    body = score(launched["sub"], datetime.now(UTC), scoreGiven=10, scoreMaximum=50)
    assert requests.post(item + "/scores", json=body, headers=headers).status_code == 204
    with hub.context():
        documents = [s.document for s in hub.storage.statements.statements_after(0, 100)]
    verbs = {d["verb"]["id"].rsplit("/", 1)[1]: d for d in documents}
    assert "failed" in verbs and "passed" not in verbs
    assert verbs["scored"]["result"]["success"] is False
    assert "result" not in verbs["failed"]  # one result per score (one LMS grade)


def test_a_score_dated_beyond_the_future_skew_is_400_and_stores_nothing(
        hub, launched, headers):  # noqa: F811
    item = launched["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"]["lineitem"]
    for when in (datetime(9999, 1, 1, tzinfo=UTC), datetime.now(UTC) + timedelta(hours=1)):
        response = requests.post(item + "/scores", json=score(launched["sub"], when),
                                 headers=headers)
        assert response.status_code == 400
        assert response.json()["error"]["pointer"] == "/timestamp"
    assert requests.get(item + "/results", headers=headers).json() == []
    slightly_ahead = datetime.now(UTC) + timedelta(seconds=30)  # within HUB_TIMESTAMP_FUTURE_SKEW
    assert requests.post(item + "/scores", json=score(launched["sub"], slightly_ahead),
                         headers=headers).status_code == 204


def test_a_far_future_score_stored_before_the_check_does_not_block_later_ones(
        hub, launched, headers):  # noqa: F811
    from dataclasses import replace

    item = launched["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"]["lineitem"]
    assert requests.post(item + "/scores", json=score(launched["sub"], datetime.now(UTC)),
                         headers=headers).status_code == 204
    item_id = int(item.rstrip("/").rsplit("/", 1)[1])
    with hub.context():
        gradebook = hub.storage.lti_platform_gradebook
        [stored] = gradebook.list_results(item_id, user_id=launched["sub"])
        far = replace(stored, timestamp=datetime(9999, 12, 31, tzinfo=UTC), score_given=1.0)
        assert gradebook.save_result(far)  # as an older hub would have kept it
    later = requests.post(item + "/scores", json=score(launched["sub"], datetime.now(UTC),
                                                       scoreGiven=8), headers=headers)
    assert later.status_code == 204
    results = requests.get(item + "/results", headers=headers).json()
    assert [(r["userId"], r["resultScore"]) for r in results] == [(launched["sub"], 8)]
