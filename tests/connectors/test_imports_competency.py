"""Imported competency codes count in transcripts without a mapping rule (issue 15.4), on
both engines: the import runs as the worker runs it (admin API → the imports loop), the
transcripts follower takes the statements in, and the transcript shows the JP under the
competency the row names.  Also: unknown codes stay visible, partners' claims are
believed only from credentials with scope competency/claim, rules for the activity win,
and a rebuild gives the same transcripts."""

from __future__ import annotations

import io
import json

import pytest

from connectors.imports.jobs import run_pending_imports
from tests.connectors.imports_files import PREFIX, SIASN, SITI, csv_bytes, mapping
from transcripts.service import COMPETENCY_EXTENSION, JP_EXTENSION, follower_loop
from transcripts.storage import stores as transcript_stores

IMPORTS = "/api/connectors/admin/imports"
FRAMEWORKS = "/api/transcripts/admin/frameworks"
RULES = "/api/transcripts/admin/rules"
COURSE = "http://adlnet.gov/expapi/activities/course"
HEADER = ["NIP", "Kode Kelas", "Nama Kelas", "Tanggal", "JP", "Menit", "Kompetensi"]
ROWS = [
    [SITI, "ANKEB-01", "Analisis Kebijakan", "02/03/2026", "6", "", "T.ANKEB"],
    [SITI, "INT-02", "Integritas ASN", "10/04/2026", "2,5", "", "M.1"],
    [SITI, "WASBANG-03", "Wawasan Kebangsaan", "11/04/2026", "", "90", "SK.1"],  # 2 JP
    [SITI, "X-04", "Kelas tanpa kamus", "12/04/2026", "3", "", "X.404"],
    [SITI, "BEBAS-05", "Kelas tanpa kode", "13/04/2026", "1", "", ""],
]
KAMUS = "kode,nama,jenis,level\r\nT.ANKEB,Analisis Kebijakan,teknis,1-3\r\n" \
        "M.1,Integritas,manajerial,1-5\r\nSK.1,Perekat Bangsa,sosial kultural,\r\n"


@pytest.fixture
def app_config(app_config) -> dict:
    # Storing requests leave transcripts to the worker's follower loop.
    return {**app_config, "transcripts_sync": "follower"}


@pytest.fixture
def admin(make_credential) -> dict:
    return make_credential("admin", name="Admin BKN", owner="BKN")


@pytest.fixture
def auditor(make_credential) -> dict:
    return make_credential("auditor", name="Inspektorat", owner="Kementerian PANRB")


@pytest.fixture
def importer(make_credential) -> dict:
    return make_credential("statements/write", "competency/claim", name="Kelas luring BPSDM",
                           owner="BPSDM")


@pytest.fixture
def kamus(client, admin) -> dict[str, str]:
    """The framework the rows' codes come from: code → competency id."""
    response = post_framework(client, admin, KAMUS, "kamus-bpsdm")
    assert response.status_code == 201, response.json
    return {c["code"]: c["id"] for c in response.json["competencies"]}


def post_framework(client, admin: dict, text: str, framework_id: str):
    return client.post(f"{FRAMEWORKS}?id={framework_id}&title=Kamus+{framework_id}",
                       data=text.encode(), content_type="text/csv",
                       headers={"Authorization": admin["Authorization"]})


def competency_mapping() -> dict:
    return mapping(columns={"nip": "NIP", "activity_code": "Kode Kelas",
                            "name_id": "Nama Kelas", "date": "Tanggal", "jp": "JP",
                            "duration_minutes": "Menit", "competency": "Kompetensi"},
                   constants={"activity_prefix": PREFIX, "activity_type": COURSE})


def upload(client, admin: dict, credential: str, rows: list[list[str]] = ROWS):
    form = {"file": (io.BytesIO(csv_bytes(rows, header=HEADER)), "kelas.csv"),
            "mapping": json.dumps(competency_mapping()), "credential": credential}
    return client.post(IMPORTS, data=form, content_type="multipart/form-data",
                       headers={"Authorization": admin["Authorization"]})


def follow(app) -> int:
    """What the worker's transcripts loop does, until the feed is taken in."""
    loop, processed = follower_loop(), 0
    with app.app_context():
        while done := loop.step("", None):  # type: ignore[arg-type]  # it takes no lease
            processed += done
    return processed


def import_rows(app, client, admin: dict, importer: dict) -> None:
    response = upload(client, admin, importer["key"])
    assert response.status_code == 202, response.json
    with app.app_context():
        assert run_pending_imports() == len(ROWS)
    assert follow(app) == len(ROWS)


def transcript(client, auditor: dict, nip: str = SITI) -> dict:
    response = client.get(f"/api/transcripts/people/{nip}/transcripts/2026",
                          headers={"Authorization": auditor["Authorization"]})
    assert response.status_code == 200, response.json
    return response.json


def lines_of(siti: dict) -> dict[str, dict]:
    return {line["activity_id"].removeprefix(PREFIX): line for line in siti["activities"]}


def test_imported_rows_count_under_the_competency_they_name_without_a_rule(
        app, client, admin, auditor, importer, kamus):
    import_rows(app, client, admin, importer)
    siti = transcript(client, auditor)
    assert siti["total_jp"] == 14.5
    assert siti["jp_by_type"] == {"teknis": 6, "manajerial": 2.5, "sosial_kultural": 2,
                                  "unmapped": 4}  # X.404 (unknown) and the row without code
    assert [(c["code"], c["type"]) for c in siti["competencies"]] == [
        ("T.ANKEB", "teknis"), ("M.1", "manajerial"), ("SK.1", "sosial_kultural")]
    lines = lines_of(siti)
    assert {k: (v["competency_id"], v["jp"], v["jp_source"]) for k, v in lines.items()} == {
        "ANKEB-01": (kamus["T.ANKEB"], 6, "extension"),
        "INT-02": (kamus["M.1"], 2.5, "extension"),
        "WASBANG-03": (kamus["SK.1"], 2, "duration"),  # 90 minutes, 45 a JP
        "X-04": (None, 3, "extension"),
        "BEBAS-05": (None, 1, "extension"),
    }
    assert lines["ANKEB-01"]["competency_claim"] == {"code": "T.ANKEB", "outcome": "counted"}
    assert "competency_claim" not in lines["BEBAS-05"]  # no claim: the line is as before


def test_an_unknown_code_is_shown_and_counts_once_its_framework_arrives(
        app, client, admin, auditor, importer, kamus, runner):
    import_rows(app, client, admin, importer)
    assert lines_of(transcript(client, auditor))["X-04"]["competency_claim"] == {
        "code": "X.404", "outcome": "unknown"}
    status = client.get("/api/transcripts/admin/status",
                        headers={"Authorization": admin["Authorization"]}).json
    assert status["competency_claims_not_counted"] == [
        {"code": "X.404", "outcome": "unknown", "evidence": 1}]
    assert "competency claim 'X.404' not counted (unknown): 1 evidence" in runner.invoke(
        args=["transcripts", "status"]).output
    csv_text = client.get(f"/api/transcripts/people/{SITI}/transcripts/2026?format=csv",
                          headers={"Authorization": auditor["Authorization"]}).text
    assert '"X.404","unknown"' in csv_text

    # A framework defining the code maps the stored evidence again: no re-import
    response = post_framework(client, admin, "kode,nama,jenis\r\nX.404,Data,teknis\r\n", "x")
    assert (response.status_code, response.json["evidence_remapped"]) == (201, 1)
    siti = transcript(client, auditor)
    assert lines_of(siti)["X-04"]["competency_claim"]["outcome"] == "counted"
    assert siti["jp_by_type"]["teknis"] == 9
    # ... and a second framework with a code already taken makes that code ambiguous
    response = post_framework(client, admin, "kode,nama,jenis\r\nX.404,Lain,teknis\r\n", "y")
    assert response.status_code == 201
    line = lines_of(transcript(client, auditor))["X-04"]
    assert (line["competency_id"], line["competency_claim"]["outcome"]) == (None, "ambiguous")


def test_an_import_whose_credential_may_not_claim_competencies_is_refused(
        client, admin, make_credential, kamus):
    plain = make_credential("statements/write", name="Kelas luring tanpa klaim")
    response = upload(client, admin, plain["key"])
    assert response.status_code == 400
    error = response.json["error"]
    assert (error["parameter"], error["pointer"]) == ("credential", "/columns/competency")
    assert "competency/claim" in error["message"]


def claiming(activity: str, code: object) -> dict:
    return {"actor": {"objectType": "Agent", "account": {"homePage": SIASN, "name": SITI}},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
            "object": {"objectType": "Activity", "id": activity},
            "timestamp": "2026-05-02T09:00:00+07:00",
            "result": {"extensions": {JP_EXTENSION: 4}},
            "context": {"extensions": {COMPETENCY_EXTENSION: code}}}


def send(client, credential: dict, *statements: dict) -> None:
    response = client.post("/xapi/statements", json=list(statements),
                           headers={"Authorization": credential["Authorization"],
                                    "X-Experience-API-Version": "1.0.3"})
    assert response.status_code == 200, response.json


def test_a_partner_claim_counts_only_from_a_credential_with_the_claim_scope(
        app, client, auditor, make_credential, kamus):
    lms = make_credential("all", name="LMS mitra")  # `all` does not imply competency/claim
    trusted = make_credential("statements/write", "competency/claim", name="LMS terpercaya")
    send(client, lms, claiming("https://lms.example.id/a", "M.1"))
    send(client, trusted, claiming("https://lms.example.id/b", "M.1"),
         claiming("https://lms.example.id/c", {"kode": "M.1"}))
    follow(app)
    siti = transcript(client, auditor)
    lines = {line["activity_id"].rsplit("/", 1)[1]: line for line in siti["activities"]}
    assert (lines["a"]["competency_id"], lines["a"]["competency_claim"]) == (
        None, {"code": "M.1", "outcome": "untrusted"})
    assert (lines["b"]["competency_id"], lines["b"]["competency_claim"]["outcome"]) == (
        kamus["M.1"], "counted")
    # a claim that is not text is shown as its JSON, not dropped
    assert lines["c"]["competency_claim"] == {"code": '{"kode": "M.1"}', "outcome": "unknown"}
    assert siti["jp_by_type"]["manajerial"] == 4


def test_a_credential_sharing_the_authority_of_a_trusted_one_makes_it_untrusted(
        app, client, auditor, make_credential, kamus):
    authority = {"objectType": "Agent", "account": {"homePage": "https://lms.example.id",
                                                    "name": "lms"}}
    trusted = make_credential("statements/write", "competency/claim", authority=authority)
    send(client, trusted, claiming("https://lms.example.id/a", "M.1"))
    follow(app)
    assert lines_of(transcript(client, auditor))["https://lms.example.id/a"][
        "competency_claim"]["outcome"] == "counted"
    # A second key for the same LMS, without the scope: its statements cannot be told
    # apart from the first's, so neither key's claims are believed (after a rebuild).
    make_credential("statements/write", authority=authority)
    with app.app_context():
        from transcripts.service import rebuild_now
        rebuild_now()
    assert lines_of(transcript(client, auditor))["https://lms.example.id/a"][
        "competency_claim"]["outcome"] == "untrusted"


def test_a_rule_for_the_activity_wins_over_the_claim_and_a_type_rule_does_not(
        app, client, admin, auditor, importer, kamus):
    import_rows(app, client, admin, importer)
    headers = {"Authorization": admin["Authorization"]}
    by_type = client.post(RULES, headers=headers, json={
        "kind": "activity_type", "pattern": COURSE, "competency": kamus["SK.1"]})
    assert by_type.status_code == 201, by_type.json
    lines = lines_of(transcript(client, auditor))
    assert lines["ANKEB-01"]["competency_id"] == kamus["T.ANKEB"]  # the claim beats the type
    assert lines["BEBAS-05"]["competency_id"] == kamus["SK.1"]  # no claim: the type rule
    assert lines["X-04"]["competency_id"] == kamus["SK.1"]  # unknown claim: the type rule
    assert lines["X-04"]["competency_claim"]["outcome"] == "unknown"  # ... still shown

    by_prefix = client.post(RULES, headers=headers, json={
        "kind": "prefix", "pattern": PREFIX + "ANKEB", "competency": kamus["M.1"], "level": 2})
    assert by_prefix.status_code == 201, by_prefix.json
    ankeb = lines_of(transcript(client, auditor))["ANKEB-01"]
    assert (ankeb["competency_id"], ankeb["level"], ankeb["competency_claim"]["outcome"]) == (
        kamus["M.1"], 2, "rule")
    assert client.delete(f"{RULES}/{by_prefix.json['rules'][0]['id']}",
                         headers=headers).status_code == 204
    ankeb = lines_of(transcript(client, auditor))["ANKEB-01"]
    assert (ankeb["competency_id"], ankeb["competency_claim"]["outcome"]) == (
        kamus["T.ANKEB"], "counted")


def test_a_rebuild_gives_the_claims_the_same_outcome_as_the_follower(
        app, client, admin, auditor, importer, kamus):
    import_rows(app, client, admin, importer)
    client.post(RULES, headers={"Authorization": admin["Authorization"]}, json={
        "kind": "prefix", "pattern": PREFIX + "INT", "competency": kamus["T.ANKEB"]})
    before = transcript(client, auditor)
    with app.app_context():
        store = transcript_stores().transcripts
        evidence_before = sorted(store.evidence_of(SITI, 2026), key=lambda e: e.statement_id)
        from transcripts.service import rebuild_now
        rebuild_now()
        evidence_after = sorted(store.evidence_of(SITI, 2026), key=lambda e: e.statement_id)
    assert evidence_after == evidence_before
    assert {e.claim_outcome for e in evidence_after} == {"counted", "rule", "unknown", None}
    assert transcript(client, auditor)["digest"] == before["digest"]
