"""Transcripts end to end: partners send statements (account and mbox identities of the
same people, duplicates, failures, voiding), the hub keeps transcripts current, auditors
read them.  Roster, CASE framework and rules come from tests/transcripts/fixtures."""

from __future__ import annotations

import pytest
from transcript_fixtures import (
    ANI,
    BUDI,
    FAILED,
    INTEGRITAS,
    KEBIJAKAN,
    KEUANGAN,
    PASSED,
    SITI,
    WEBINAR,
    competency_id,
    learning,
    mbox,
    siasn,
    voiding,
)

from hub.app import create_app

PELAYANAN = "https://lms.bpsdm.jabarprov.go.id/course/pelayanan-publik-prima"
WEBINAR_ID = "https://lms.bpsdm.jabarprov.go.id/webinar/moderasi-beragama"
SITI_MAIL = mbox("siti.rahmawati@menpan.go.id")


@pytest.fixture
def siti_year(registry, partners, send):
    """Siti's 2026 from two partners, under her SIASN account and her e-mail."""
    akademi, jabar = partners["akademi"], partners["jabar"]
    ids = {}
    [ids["kebijakan"]] = send(akademi, learning(siasn(SITI, "Siti Rahmawati"), KEBIJAKAN,
                                                score=0.9, platform="Akademi Digital",
                                                timestamp="2026-02-10T10:00:00+07:00"))
    ids["integritas"], ids["failed"] = send(
        akademi,
        learning(SITI_MAIL, INTEGRITAS, name="Integritas ASN", jp=8,
                 timestamp="2026-03-02T09:00:00+07:00"),
        learning(SITI_MAIL, f"{INTEGRITAS}/kuis", FAILED, name="Kuis Integritas", jp=1))
    ids["webinar"], ids["kebijakan_again"], ids["pelayanan"] = send(
        jabar,
        learning(SITI_MAIL, WEBINAR_ID, name="Webinar Moderasi Beragama",
                 activity_type=WEBINAR, duration="PT3H", timestamp="2026-04-21T13:00:00+07:00"),
        learning(SITI_MAIL, KEBIJAKAN, score=0.7, timestamp="2026-05-05T08:00:00+07:00"),
        learning(SITI_MAIL, PELAYANAN, PASSED, name="Pelayanan Publik Prima",
                 activity_type=None, duration="PT4H30M", timestamp="2026-06-01T08:00:00+07:00"))
    return ids


def test_a_transcript_combines_identities_and_partners_under_one_nip(siti_year, app,
                                                                     auditor_get):
    response = auditor_get(f"/api/transcripts/people/{SITI}/transcripts/2026")
    assert response.status_code == 200
    body = response.json
    assert (body["nip"], body["name"], body["employee_type"], body["agency"]) == (
        SITI, "Siti Rahmawati", "PNS", "Kementerian PANRB")
    # Kebijakan 6 (activity rule) + Integritas 8 (its JP extension; prefix rule gives no
    # JP) + Webinar 2 (type rule beats duration) + Pelayanan 6 (270 min / 45).
    assert body["total_jp"] == 22
    assert body["jp_by_type"] == {"teknis": 6, "manajerial": 8, "sosial_kultural": 2,
                                  "unmapped": 6}
    assert (body["required_jp"], body["compliant"]) == (20, True)
    assert [(c["code"], c["highest_level"]) for c in body["competencies"]] == [
        ("T.ANKEB", 2), ("M.1", 3), ("SK.1", 1)]
    lines = {line["activity_id"]: line for line in body["activities"]}
    assert list(lines) == [KEBIJAKAN, INTEGRITAS, WEBINAR_ID, PELAYANAN]  # by date
    assert (lines[WEBINAR_ID]["jp_source"], lines[PELAYANAN]["jp_source"]) == (
        "activity_type", "duration")
    assert (lines[KEBIJAKAN]["provider"], lines[WEBINAR_ID]["provider"]) == (
        "Akademi Digital LAN", "LMS BPSDM Jawa Barat")
    assert lines[KEBIJAKAN]["competency_id"] == competency_id(app, "T.ANKEB")


def test_the_same_activity_twice_counts_once_and_links_both_statements(siti_year, auditor_get):
    body = auditor_get(f"/api/transcripts/people/{SITI}/transcripts/2026").json
    [line] = [a for a in body["activities"] if a["activity_id"] == KEBIJAKAN]
    assert line["statement_ids"] == [siti_year["kebijakan"], siti_year["kebijakan_again"]]
    assert (line["jp"], line["score"], line["date"]) == (6, 90, "2026-02-10T03:00:00.000Z")


def test_a_failed_statement_is_not_on_the_transcript(siti_year, auditor_get):
    body = auditor_get(f"/api/transcripts/people/{SITI}/transcripts/2026").json
    every_id = {i for a in body["activities"] for i in a["statement_ids"]}
    assert siti_year["failed"] not in every_id


def test_a_voiding_statement_arriving_later_changes_the_transcript(siti_year, partners, send,
                                                                   auditor_get):
    send(partners["jabar"], voiding(siti_year["pelayanan"]))
    body = auditor_get(f"/api/transcripts/people/{SITI}/transcripts/2026").json
    assert body["total_jp"] == 16
    assert body["compliant"] is False
    assert PELAYANAN not in [a["activity_id"] for a in body["activities"]]


def test_voiding_one_of_two_proofs_keeps_the_activity(siti_year, partners, send, auditor_get):
    send(partners["akademi"], voiding(siti_year["kebijakan"]))
    body = auditor_get(f"/api/transcripts/people/{SITI}/transcripts/2026").json
    [line] = [a for a in body["activities"] if a["activity_id"] == KEBIJAKAN]
    assert line["statement_ids"] == [siti_year["kebijakan_again"]]
    assert (line["score"], body["total_jp"]) == (70, 22)


def test_a_resent_duplicate_statement_changes_nothing(siti_year, partners, send, auditor_get):
    before = auditor_get(f"/api/transcripts/people/{SITI}/transcripts/2026").json
    send(partners["akademi"], learning(siasn(SITI, "Siti Rahmawati"), KEBIJAKAN, score=0.9,
                                       platform="Akademi Digital",
                                       timestamp="2026-02-10T10:00:00+07:00",
                                       statement_id=siti_year["kebijakan"]))
    assert auditor_get(f"/api/transcripts/people/{SITI}/transcripts/2026").json == before


def test_the_year_is_counted_in_jakarta_time(registry, partners, send, auditor_get):
    send(partners["akademi"],
         learning(siasn(SITI), "https://akademi.example.id/kelas/a", jp=3,
                  timestamp="2025-12-31T23:30:00+07:00"),  # 2025 in Jakarta (16:30 UTC)
         learning(siasn(SITI), "https://akademi.example.id/kelas/b", jp=5,
                  timestamp="2025-12-31T18:30:00Z"))  # 1 January 2026, 01:30 WIB
    assert auditor_get(f"/api/transcripts/people/{SITI}/transcripts/2025").json["total_jp"] == 3
    assert auditor_get(f"/api/transcripts/people/{SITI}/transcripts/2026").json["total_jp"] == 5


def test_pppk_compliance_follows_its_own_setting(registry, partners, send, app_config,
                                                 auditor_get):
    send(partners["jabar"], learning(mbox("budi.santoso@menpan.go.id"), KEUANGAN, jp=12))
    body = auditor_get(f"/api/transcripts/people/{BUDI}/transcripts/2026").json
    assert (body["employee_type"], body["total_jp"], body["required_jp"], body["compliant"]) \
        == ("PPPK", 12, 20, False)
    lenient = create_app({**app_config, "transcript_pppk_min_jp": 10})
    try:
        with lenient.app_context():
            from transcripts import queries
            from transcripts.access import operator_reader
            from transcripts.policy import current_policy
            transcript = queries.transcript_for(lenient.extensions["hub.storage"],
                                                current_policy(), operator_reader("test"),
                                                BUDI, 2026)
        assert (transcript.required_jp_centi, transcript.compliant) == (1000, True)
    finally:
        lenient.extensions["hub.storage"].dispose()


def test_an_lms_account_from_the_roster_counts_for_its_person(registry, partners, send,
                                                            auditor_get):
    ani = {"objectType": "Agent",
           "account": {"homePage": "https://lms.bpsdm.jabarprov.go.id", "name": "ani.lestari"}}
    send(partners["jabar"], learning(ani, KEUANGAN, jp=4))
    assert auditor_get(f"/api/transcripts/people/{ANI}/transcripts/2026").json["total_jp"] == 4


def test_a_nip_account_unknown_to_the_roster_creates_a_person_with_unknown_compliance(
        registry, partners, send, auditor_get):
    stranger = "199512122020121005"
    send(partners["akademi"], learning(siasn(stranger, "Rudi Hartono"), KEUANGAN, jp=4))
    body = auditor_get(f"/api/transcripts/people/{stranger}/transcripts/2026").json
    assert (body["name"], body["employee_type"], body["total_jp"], body["compliant"]) == (
        "Rudi Hartono", None, 4, None)


def test_a_malformed_nip_account_is_not_linked(registry, partners, send, auditor_get, app):
    send(partners["akademi"], learning(siasn("199512122020133005"), KEUANGAN, jp=4))
    assert auditor_get("/api/transcripts/people/199512122020133005/transcripts/2026"
                       ).status_code == 400
    with app.app_context():
        assert app.extensions["hub.storage"].transcripts.count_unlinked() == 1


def test_statements_sent_before_the_roster_count_once_it_arrives(app, partners, send,
                                                                 auditor_get):
    send(partners["jabar"], learning(SITI_MAIL, KEUANGAN, jp=7))
    assert auditor_get(f"/api/transcripts/people/{SITI}/transcripts/2026").status_code == 404
    from transcript_fixtures import load_roster
    load_roster(app)
    body = auditor_get(f"/api/transcripts/people/{SITI}/transcripts/2026").json
    assert body["total_jp"] == 7
    with app.app_context():
        assert app.extensions["hub.storage"].transcripts.count_unlinked() == 0


def test_a_new_mapping_rule_applies_to_evidence_already_stored(registry, partners, send,
                                                               client, admin, auditor_get):
    send(partners["jabar"], learning(SITI_MAIL, PELAYANAN, duration="PT1H30M"))
    before = auditor_get(f"/api/transcripts/people/{SITI}/transcripts/2026").json
    assert before["jp_by_type"]["unmapped"] == 2
    response = client.post("/api/transcripts/admin/rules", headers={
        "Authorization": admin["Authorization"]}, json={
        "kind": "prefix", "pattern": "https://lms.bpsdm.jabarprov.go.id/course/pelayanan",
        "competency": competency_id_of(client, admin, "M.2"), "level": 2, "jp": 5})
    assert response.status_code == 201, response.json
    assert response.json["evidence_remapped"] == 1
    after = auditor_get(f"/api/transcripts/people/{SITI}/transcripts/2026").json
    assert (after["jp_by_type"]["manajerial"], after["jp_by_type"]["unmapped"]) == (5, 0)


def competency_id_of(client, admin, code: str) -> str:
    frameworks = client.get("/api/transcripts/frameworks?competencies=true",
                            headers={"Authorization": admin["Authorization"]}).json
    return next(c["id"] for f in frameworks["frameworks"] for c in f["competencies"]
                if c["code"] == code)
