"""The auditor API: search, agency report, CSV, agency limits, one error shape, and the
access log of every read."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import event
from transcript_fixtures import (
    ANI,
    BUDI,
    DEDI,
    JABAR,
    KEMENPAN,
    KEUANGAN,
    SITI,
    learning,
    mbox,
    siasn,
)


@pytest.fixture
def learning_year(registry, partners, send):
    send(partners["jabar"],
         learning(siasn(SITI), KEUANGAN, jp=24),
         learning(mbox("budi.santoso@menpan.go.id"), KEUANGAN, jp=8),
         learning(siasn(ANI), KEUANGAN, jp=20),
         learning(siasn(ANI), KEUANGAN, jp=6, timestamp="2025-06-01T10:00:00+07:00"))


def access_log(client, admin, **params) -> list[dict]:
    response = client.get("/api/transcripts/admin/access-log", query_string=params,
                          headers={"Authorization": admin["Authorization"]})
    assert response.status_code == 200, response.json
    return response.json["entries"]


def test_search_by_agency_lists_people_with_their_year(learning_year, auditor_get):
    response = auditor_get("/api/transcripts/people", agency=KEMENPAN, year=2026)
    assert response.status_code == 200
    people = response.json["people"]
    assert [(p["nip"], p["total_jp"], p["compliant"]) for p in people] == [
        (BUDI, 8, False), (SITI, 24, True)]
    assert response.json["next_after"] is None


def test_search_by_compliance_unit_and_name(learning_year, auditor_get):
    def nips(year=2026, **params):
        return [p["nip"] for p in auditor_get("/api/transcripts/people", year=year,
                                              **params).json["people"]]

    assert nips(compliance="non_compliant") == [DEDI, BUDI]
    assert nips(compliance="compliant") == [ANI, SITI]
    assert nips(unit="Dinas Kesehatan") == [DEDI]
    assert nips(name="lestari") == [ANI]
    assert nips(agency=JABAR, year=2025) == [DEDI, ANI]


def test_search_pages_with_after(learning_year, auditor_get):
    first = auditor_get("/api/transcripts/people", year=2026, limit=3).json
    assert len(first["people"]) == 3 and first["next_after"] == first["people"][-1]["nip"]
    second = auditor_get("/api/transcripts/people", year=2026, limit=3,
                         after=first["next_after"]).json
    assert [p["nip"] for p in second["people"]] == [SITI]
    assert second["next_after"] is None


def test_the_agency_report_has_totals_distribution_and_people_under_20_jp(learning_year,
                                                                          auditor_get):
    response = auditor_get("/api/transcripts/reports/agency", agency=KEMENPAN, year=2026)
    assert response.status_code == 200
    report = response.json
    assert (report["people"], report["compliant"], report["non_compliant"]) == (2, 1, 1)
    assert (report["total_jp"], report["average_jp"]) == (32, 16)
    assert report["required_jp"] == {"PNS": 20, "PPPK": 20}
    buckets = {b["bucket"]: b["people"] for b in report["distribution"]}
    assert (buckets["5-10"], buckets["20-25"], sum(buckets.values())) == (1, 1, 2)
    assert [(p["nip"], p["total_jp"]) for p in report["under_required"]] == [(BUDI, 8)]
    assert [u["unit"] for u in report["units"]] == ["Biro SDM", "Deputi SDM Aparatur"]


def test_the_agency_report_exports_everyone_under_20_jp_as_csv(learning_year, auditor_get):
    response = auditor_get("/api/transcripts/reports/agency", agency=JABAR, year=2026,
                           format="csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["nip", "nama", "jenis_pegawai"]
    # A NIP is written as text (a leading ', hub.exports), so Excel keeps its 18 digits.
    assert [(r[0], r[6], r[-1]) for r in rows[1:]] == [("'" + DEDI, "0", "tidak")]


def test_a_transcript_exports_as_csv_with_its_statements(learning_year, auditor_get):
    response = auditor_get(f"/api/transcripts/people/{SITI}/transcripts/2026", format="csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:2] == ["nip", "'" + SITI]
    assert rows[1][:3] == ["tanggal", "kegiatan", "id_kegiatan"]
    assert rows[2][2] == KEUANGAN and rows[2][6] == "24"


def test_search_results_export_as_csv(learning_year, auditor_get):
    response = auditor_get("/api/transcripts/people", year=2026, format="csv")
    lines = response.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert len(lines) == 1 + 4


def test_an_auditor_limited_to_an_agency_sees_only_its_people(learning_year, client, admin,
                                                              auditor, auditor_get):
    response = client.put(f"/api/transcripts/admin/auditors/{auditor['key']}/agencies",
                          json={"agencies": [JABAR]},
                          headers={"Authorization": admin["Authorization"]})
    assert response.status_code == 200
    assert [p["nip"] for p in auditor_get("/api/transcripts/people", year=2026).json[
        "people"]] == [DEDI, ANI]
    assert auditor_get(f"/api/transcripts/people/{SITI}/transcripts/2026").status_code == 404
    assert auditor_get("/api/transcripts/reports/agency", agency=KEMENPAN).status_code == 404
    assert auditor_get("/api/transcripts/people", agency=KEMENPAN).json["people"] == []
    assert auditor_get(f"/api/transcripts/people/{ANI}/transcripts/2026").status_code == 200


def test_every_read_of_a_persons_data_is_in_the_access_log(learning_year, client, admin,
                                                           auditor, auditor_get):
    client.get(f"/api/transcripts/people/{SITI}/transcripts/2026",
               headers={"Authorization": auditor["Authorization"], "X-Request-ID": "audit-1"})
    auditor_get("/api/transcripts/people", agency=KEMENPAN, year=2026)
    auditor_get("/api/transcripts/reports/agency", agency=JABAR, year=2026)
    siti = access_log(client, admin, subject=SITI)
    assert [(e["action"], e["credential_key"], e["credential_name"], e["year"])
            for e in siti] == [("transcript.read", auditor["key"], "Inspektorat Jenderal", 2026),
                               ("people.search", auditor["key"], "Inspektorat Jenderal", 2026)]
    assert siti[0]["request_id"] == "audit-1"
    assert siti[1]["detail"] == {"agency": KEMENPAN}
    [report] = access_log(client, admin, subject=f"agency:{JABAR}")
    assert report["action"] == "agency.report"
    assert [e["action"] for e in access_log(client, admin, subject=DEDI)] == ["people.search"]
    # The admin's own reads of the log are logged too (a read is logged after it is served).
    assert len(access_log(client, admin, action="access_log.read")) == 3


def test_unknown_parameters_are_a_400_naming_the_parameter(registry, auditor_get):
    for url, params in [("/api/transcripts/people", {"agensi": "x"}),
                        (f"/api/transcripts/people/{SITI}/transcripts/2026", {"fmt": "csv"}),
                        ("/api/transcripts/reports/agency", {"agency": "x", "tahun": "1"})]:
        response = auditor_get(url, **params)
        assert response.status_code == 400
        error = response.json["error"]
        assert (error["code"], error["parameter"]) == ("bad_request", next(iter(
            k for k in params if k not in ("agency",))))


@pytest.mark.parametrize(("params", "parameter"), [
    ({"year": "2O26"}, "year"), ({"limit": "0"}, "limit"), ({"limit": "1001"}, "limit"),
    ({"compliance": "yes"}, "compliance"), ({"after": "123"}, "after"),
    ({"format": "pdf"}, "format"),
])
def test_malformed_search_parameters_are_a_400_naming_them(registry, auditor_get, params,
                                                           parameter):
    response = auditor_get("/api/transcripts/people", **params)
    assert response.status_code == 400
    assert response.json["error"]["parameter"] == parameter


@pytest.mark.parametrize("url", [
    f"/api/transcripts/people/{SITI}", "/api/transcripts/frameworks",
    "/api/transcripts/issuer", "/api/transcripts/issuer/jwks"])
def test_an_unknown_parameter_anywhere_in_the_api_is_a_400_naming_it(registry, auditor_get,
                                                                     url):
    response = auditor_get(url, tahun="2026")
    assert (response.status_code, response.json["error"]["parameter"]) == (400, "tahun")
    assert "'tahun'" in response.json["error"]["message"]


def test_a_repeated_or_malformed_parameter_is_a_400_naming_it(registry, client, auditor):
    headers = {"Authorization": auditor["Authorization"]}
    twice = client.get("/api/transcripts/people?year=2026&year=2025", headers=headers)
    assert (twice.status_code, twice.json["error"]["parameter"]) == (400, "year")
    flag = client.get("/api/transcripts/frameworks?competencies=yes", headers=headers)
    assert (flag.status_code, flag.json["error"]["parameter"]) == (400, "competencies")
    assert "true or false" in flag.json["error"]["message"]
    signed = client.get("/api/transcripts/people?limit=%2B5", headers=headers)
    assert (signed.status_code, signed.json["error"]["parameter"]) == (400, "limit")


def test_the_agency_report_needs_an_agency(registry, auditor_get):
    response = auditor_get("/api/transcripts/reports/agency", year=2026)
    assert (response.status_code, response.json["error"]["parameter"]) == (400, "agency")


def test_an_invalid_nip_in_the_path_is_a_400(registry, auditor_get):
    response = auditor_get("/api/transcripts/people/199001012015032000/transcripts/2026")
    assert response.status_code == 400
    assert "sequence" in response.json["error"]["message"]


def test_reading_transcripts_needs_the_auditor_role(registry, client, make_credential):
    partner = make_credential("all")
    response = client.get(f"/api/transcripts/people/{SITI}/transcripts/2026",
                          headers={"Authorization": partner["Authorization"]})
    assert response.status_code == 403
    assert response.json["error"]["code"] == "forbidden"
    assert client.get("/api/transcripts/people").status_code == 401


def test_a_person_lists_the_years_on_record(learning_year, auditor_get):
    body = auditor_get(f"/api/transcripts/people/{ANI}").json
    assert (body["name"], body["years"]) == ("Ani Lestari", [2025, 2026])


@pytest.fixture
def executed(storage):
    """Every SQL statement (text and parameters) run while the fixture is used."""
    seen: list[tuple[str, str]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, repr(parameters)))

    event.listen(storage.engine, "before_cursor_execute", record)
    yield seen
    event.remove(storage.engine, "before_cursor_execute", record)


@pytest.mark.parametrize("url", [
    f"/api/transcripts/people/{ANI}",
    f"/api/transcripts/people/{ANI}/transcripts/2026",
    f"/api/transcripts/people/{ANI}/transcripts/2026?format=csv",
])
def test_an_auditor_read_reads_nothing_twice(learning_year, auditor_get, executed, url):
    path, _, query = url.partition("?")
    executed.clear()
    response = auditor_get(path, **dict([query.split("=")] if query else []))
    assert response.status_code == 200
    reads = [entry for entry in executed if entry[0].lstrip().upper().startswith("SELECT")]
    assert reads, "no statement was counted"
    repeated = {entry for entry in reads if reads.count(entry) > 1}
    assert not repeated
