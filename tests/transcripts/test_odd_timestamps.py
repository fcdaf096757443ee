"""Issue 14.6: transcripts never fail on a timestamp the LRS stored.

xAPI lets a statement's timestamp lie anywhere a real instant is (2.0 §4.2.7: it
"SHOULD be the current or a past time" — not MUST), so the extremes are stored, and
every transcript, report and export that meets them must still answer."""

from __future__ import annotations

import pytest
from transcript_fixtures import JABAR, KEUANGAN, SITI, learning, siasn

ODD_TIMESTAMPS = [
    "9999-12-31T23:59:59.999Z",  # the last representable instant
    "0001-01-01T00:00:00Z",  # the first
    "2026-12-31T20:00:00-05:00",  # 2027 in Jakarta, 2026 where it was sent
    "2026-06-01T10:00:00.123456789Z",  # nanoseconds
    "2026-02-28T23:59:59+14:00",  # the widest offset
]


@pytest.mark.parametrize("timestamp", ODD_TIMESTAMPS)
def test_transcripts_reports_and_exports_answer_for_any_stored_timestamp(
        registry, partners, send, auditor_get, timestamp):
    send(partners["akademi"], learning(siasn(SITI), KEUANGAN, jp=3, timestamp=timestamp),
         learning(siasn(SITI), KEUANGAN, jp=2, timestamp="2026-05-01T08:00:00+07:00"))
    for year in (2026, 2027):
        response = auditor_get(f"/api/transcripts/people/{SITI}/transcripts/{year}")
        assert response.status_code == 200, (year, response.json)
    for year in (1, 9999):  # outside the years transcripts are asked for: a clear 400
        response = auditor_get(f"/api/transcripts/people/{SITI}/transcripts/{year}")
        assert response.status_code == 400 and response.json["error"]["parameter"] == "year"
    this_year = auditor_get(f"/api/transcripts/people/{SITI}/transcripts/2026").json
    assert this_year["total_jp"] >= 2  # the ordinary statement still counts
    assert auditor_get(f"/api/transcripts/people/{SITI}").status_code == 200
    assert auditor_get("/api/transcripts/reports/agency", agency=JABAR,
                       year=2026).status_code in (200, 403)
    for year in (2026, 2027):
        exported = auditor_get(f"/api/transcripts/people/{SITI}/transcripts/{year}",
                               format="csv")
        assert exported.status_code == 200 and exported.mimetype == "text/csv"
        assert SITI in exported.get_data(as_text=True)
        standings = auditor_get("/api/transcripts/people", year=year, format="csv")
        assert standings.status_code == 200 and standings.get_data(as_text=True)


def test_far_future_evidence_counts_in_its_own_year_not_this_one(
        registry, partners, send, auditor_get):
    send(partners["akademi"], learning(siasn(SITI), KEUANGAN, jp=5,
                                       timestamp="2199-06-01T08:00:00+07:00"))
    assert auditor_get(f"/api/transcripts/people/{SITI}/transcripts/2026").json[
        "total_jp"] == 0
    assert auditor_get(f"/api/transcripts/people/{SITI}/transcripts/2199").json[
        "total_jp"] == 5


def test_a_statements_query_since_past_the_year_9999_in_utc_is_400(client, make_credential):
    response = client.get("/xapi/statements", query_string={
        "since": "9999-12-31T23:00:00-05:00"},
        headers={"Authorization": make_credential("statements/read")["Authorization"],
                 "X-Experience-API-Version": "1.0.3"})
    assert response.status_code == 400
    assert response.json["error"]["parameter"] == "since"
