"""Administration over HTTP (scope admin) and the flask CLI: roster and framework imports
with their error reports, mapping rules, auditors' agency limits, status."""

from __future__ import annotations

import json

import pytest
from transcript_fixtures import (
    CASE_FILE,
    JABAR,
    KEUANGAN,
    ROSTER_FILE,
    RULES_FILE,
    SITI,
    learning,
    siasn,
)

from transcripts.frameworks import FrameworkError, parse_case, parse_csv
from transcripts.roster import parse_roster

BAD_ROSTER = """nip;nama;jenis_pegawai;instansi;unit_kerja;email
199001012015032001;Siti Rahmawati;PNS;Kementerian PANRB;Biro SDM;siti@menpan.go.id
199001012015132001;Nama Salah;PNS;Kementerian PANRB;;
198805172022061002;;Honorer;Kementerian PANRB;;budi@
199001012015032001;Siti Lagi;PNS;Kementerian PANRB;;
198512032010122003;Ani Lestari;PNS;Pemerintah Provinsi Jawa Barat;BKD;ani@jabarprov.go.id
"""


def admin_headers(admin) -> dict:
    return {"Authorization": admin["Authorization"]}


# --- roster ---------------------------------------------------------------------------
def test_a_roster_reports_every_bad_row_with_its_line_and_column():
    parsed = parse_roster(BAD_ROSTER)
    assert [str(e) for e in parsed.errors] == [
        "line 3, column nip: digits 9-14 (201513) are not an appointment month (YYYYMM)",
        "line 4, column name: must not be empty",
        "line 4, column employee_type: must be PNS or PPPK, not 'Honorer'",
        "line 4, column email: 'budi@' is not an e-mail address",
        f"line 5, column nip: NIP {SITI} is also on line 2",
    ]
    assert [row.nip for row in parsed.rows] == [SITI, "198512032010122003"]


def test_a_roster_with_unknown_or_missing_columns_is_refused_whole():
    parsed = parse_roster("nip,nama,golongan\n199001012015032001,Siti,III/a\n")
    assert [str(e) for e in parsed.errors] == [
        "line 1, column golongan: unknown column",
        "line 1: missing column(s): employee_type, agency"]


def test_the_roster_command_imports_nothing_when_a_row_is_bad(runner, tmp_path, app):
    roster = tmp_path / "roster.csv"
    roster.write_text(BAD_ROSTER)
    result = runner.invoke(args=["transcripts", "roster", "import", str(roster)])
    assert result.exit_code == 1
    assert "error: line 4, column employee_type" in result.output
    assert "nothing imported" in result.output
    assert app.extensions["hub.storage"].people.get_person(SITI) is None


def test_skip_invalid_imports_the_valid_rows_and_exits_nonzero(runner, tmp_path, app):
    roster = tmp_path / "roster.csv"
    roster.write_text(BAD_ROSTER)
    result = runner.invoke(args=["transcripts", "roster", "import", str(roster),
                                 "--skip-invalid"])
    assert result.exit_code == 1
    assert "imported 2 people" in result.output
    assert app.extensions["hub.storage"].people.get_person(SITI).name == "Siti Rahmawati"


def test_the_roster_api_reports_errors_as_json(client, admin):
    response = client.post("/api/transcripts/admin/roster", data=BAD_ROSTER,
                           content_type="text/csv", headers=admin_headers(admin))
    assert response.status_code == 400
    assert response.json["imported"] is False
    assert {"line": 3, "column": "nip",
            "message": "digits 9-14 (201513) are not an appointment month (YYYYMM)"} in \
        response.json["errors"]
    ok = client.post("/api/transcripts/admin/roster", data=ROSTER_FILE.read_text(),
                     content_type="text/csv", headers=admin_headers(admin))
    assert (ok.status_code, ok.json["people"]) == (200, 4)


# --- frameworks -------------------------------------------------------------------------
def test_the_case_framework_has_its_competencies_types_and_levels():
    parsed = parse_case(json.loads(CASE_FILE.read_text()))
    by_code = {c.code: c for c in parsed.competencies}
    assert sorted(by_code) == ["M.1", "M.2", "M.3", "M.4", "SK.1", "T.ANKEB", "T.KEU", "T.SDM"]
    assert {c.type for c in parsed.competencies if c.code.startswith("M.")} == {"manajerial"}
    assert by_code["SK.1"].type == "sosial_kultural"
    assert by_code["SK.1"].name == "Perekat Bangsa"
    assert [lv.level for lv in by_code["M.1"].levels] == [1, 2, 3, 4, 5]
    assert by_code["M.1"].levels[4].description.startswith("Mampu menjadi role model")
    assert [lv.level for lv in by_code["SK.1"].levels] == [1, 2, 3, 4, 5]  # via isChildOf
    assert [lv.level for lv in by_code["T.KEU"].levels] == [1, 2, 3]
    assert parsed.framework.title.startswith("Kamus Kompetensi ASN")


@pytest.mark.parametrize(("package", "message"), [
    ([], "a CASE 1.1 package is a JSON object with a CFDocument"),
    ({"CFDocument": {"identifier": "x"}}, "CFDocument.title is required"),
    ({"CFDocument": {"identifier": "x", "title": "t"}, "CFItems": [{"identifier": "i"}]},
     "every CFItem needs an identifier and a fullStatement"),
    ({"CFDocument": {"identifier": "x", "title": "t"},
      "CFItems": [{"identifier": "i", "fullStatement": "Kompetensi tanpa jenis"}]},
     "no competency found"),
])
def test_a_case_package_without_what_transcripts_need_is_refused(package, message):
    with pytest.raises(FrameworkError, match=message):
        parse_case(package)


def test_a_case_package_keeps_what_the_hub_does_not_read_out_of_the_way():
    package = {"CFDocument": {"identifier": "x", "title": "t", "lastChangeDateTime": "2026"},
               "CFItems": [{"identifier": "i", "fullStatement": "Integritas",
                            "CFItemType": "Kompetensi Manajerial", "language": "id"}],
               "CFAssociations": [], "CFDefinitions": {"CFConcepts": []}}
    parsed = parse_case(package)
    assert [c.name for c in parsed.competencies] == ["Integritas"]


@pytest.mark.parametrize(("change", "pointer"), [
    ({"CFAssociations": [{"associationType": "isChildOf", "sequenceNumber": "2"}]},
     "/CFAssociations/0/sequenceNumber"),
    ({"CFAssociations": ["isChildOf"]}, "/CFAssociations/0"),
    ({"CFItems": "i"}, ""),
])
def test_a_case_package_of_the_wrong_shape_names_where(change, pointer):
    package = {"CFDocument": {"identifier": "x", "title": "t"},
               "CFItems": [{"identifier": "i", "fullStatement": "Integritas",
                            "CFItemType": "Kompetensi Manajerial"}], **change}
    with pytest.raises(FrameworkError) as caught:
        parse_case(package)
    assert caught.value.pointer == pointer, str(caught.value)


def test_a_csv_framework_reads_codes_types_and_level_ranges():
    parsed = parse_csv("kode,nama,jenis,level\nM.1,Integritas,Manajerial,1-5\n"
                       "T.1,Analisis Data,teknis,\"1,2,3\"\n", "kamus-daerah", "Kamus Daerah")
    assert [(c.id, c.type, [lv.level for lv in c.levels]) for c in parsed.competencies] == [
        ("kamus-daerah/M.1", "manajerial", [1, 2, 3, 4, 5]),
        ("kamus-daerah/T.1", "teknis", [1, 2, 3])]
    with pytest.raises(FrameworkError, match="line 2: type must be teknis"):
        parse_csv("kode,nama,jenis\nX,Y,fungsional\n", "k", "K")


def test_the_frameworks_command_imports_case_and_csv(runner, tmp_path, app):
    result = runner.invoke(args=["frameworks", "import", str(CASE_FILE)])
    assert result.exit_code == 0, result.output
    assert "8 competencies (manajerial 4, sosial_kultural 1, teknis 3)" in result.output
    csv_file = tmp_path / "kamus.csv"
    csv_file.write_text("kode,nama,jenis,level\nK.1,Kesehatan Masyarakat,teknis,1-4\n")
    result = runner.invoke(args=["frameworks", "import", str(csv_file), "--id", "dinkes",
                                 "--title", "Kamus Teknis Dinkes"])
    assert result.exit_code == 0, result.output
    listing = runner.invoke(args=["frameworks", "list"]).output
    assert "dinkes  csv      1 competencies  Kamus Teknis Dinkes" in listing


def test_the_frameworks_api_takes_case_json_and_csv(client, admin):
    response = client.post("/api/transcripts/admin/frameworks",
                           json=json.loads(CASE_FILE.read_text()), headers=admin_headers(admin))
    assert response.status_code == 201
    assert response.json["competency_count"] == 8
    bad = client.post("/api/transcripts/admin/frameworks", data="kode,nama\n",
                      content_type="text/csv", query_string={"id": "x", "title": "X"},
                      headers=admin_headers(admin))
    assert bad.status_code == 400
    assert "missing column(s): type" in bad.json["error"]["message"]


def test_a_reimport_that_drops_a_competency_in_use_is_refused(registry, runner, tmp_path):
    package = json.loads(CASE_FILE.read_text())
    package["CFItems"] = [i for i in package["CFItems"]
                          if i.get("humanCodingScheme") != "T.ANKEB"]
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(package))
    result = runner.invoke(args=["frameworks", "import", str(changed)])
    assert result.exit_code == 1
    assert "drops competencies that mapping rules use" in result.output


# --- rules ----------------------------------------------------------------------------
def test_the_rules_command_reports_bad_lines_and_imports_nothing(app, runner, tmp_path):
    runner.invoke(args=["frameworks", "import", str(CASE_FILE)])
    rules = tmp_path / "rules.csv"
    rules.write_text("kind,pattern,competency,level,jp\n"
                     "activity,https://a/1,M.1,9,\n"
                     "wildcard,https://a/,M.1,,\n"
                     "prefix,https://a/,,,lots\n")
    result = runner.invoke(args=["frameworks", "rules", "import", str(rules)])
    assert result.exit_code == 1
    assert "line 2, level: competency M.1 has levels 1, 2, 3, 4, 5, not 9" in result.output
    assert "line 3, kind: kind must be one of" in result.output
    assert "line 4:" in result.output
    assert app.extensions["hub.storage"].frameworks.list_rules() == []
    ok = runner.invoke(args=["frameworks", "rules", "import", str(RULES_FILE)])
    assert "3 rules stored" in ok.output


def test_a_partner_rule_is_given_as_a_credential_key(registry, client, admin, partners, send,
                                                     auditor_get):
    response = client.post("/api/transcripts/admin/rules", headers=admin_headers(admin),
                           json={"kind": "partner", "pattern": partners["jabar"]["key"],
                                 "jp": 3})
    assert response.status_code == 201, response.json
    assert response.json["rules"][0]["pattern"].startswith("agent:account:")
    send(partners["jabar"], learning(siasn(SITI), "https://lms.bpsdm.jabarprov.go.id/x"))
    [line] = auditor_get(f"/api/transcripts/people/{SITI}/transcripts/2026").json["activities"]
    assert (line["jp"], line["jp_source"]) == (3, "partner")


@pytest.mark.parametrize(("rule", "pointer"), [
    ({"kind": "prefix"}, "/pattern"),
    ({"kind": "everything", "pattern": "x", "jp": 1}, "/kind"),
    ({"kind": "prefix", "pattern": "x", "jp": -1}, "/jp"),
    ({"kind": "prefix", "pattern": "x", "jp": 1, "colour": "red"}, "/colour"),
    ({"kind": "partner", "pattern": "no-such-key", "jp": 1}, "/partner"),
    ({"kind": "prefix", "pattern": "x", "competency": "nope"}, "/competency"),
])
def test_a_bad_rule_is_a_400_pointing_at_the_field(registry, client, admin, rule, pointer):
    response = client.post("/api/transcripts/admin/rules", json=rule,
                           headers=admin_headers(admin))
    assert response.status_code == 400
    assert response.json["error"]["pointer"] == pointer


GOOD_RULE = {"kind": "prefix", "pattern": "x", "jp": 1}


@pytest.mark.parametrize(("rules", "pointer", "words"), [
    ({"kind": "prefix", "pattern": "x", "jp": 1001}, "/jp", "from 0 to 1000"),
    ({"kind": "prefix", "pattern": "x", "jp": True}, "/jp", "number"),
    ({"kind": "prefix", "pattern": "x", "level": 1.5}, "/level", "integer"),
    ([GOOD_RULE, {"kind": "prefix", "pattern": 3}], "/1/pattern", "string"),
    ([GOOD_RULE, {"kind": "prefix", "pattern": "y", "colour": 1}],
     "/1/colour", "unknown field /1/colour; expected kind, pattern, competency, level, jp"),
    ([GOOD_RULE, "prefix"], "/1", "JSON object"),
    ([], "", "holds no rule"),
])
def test_a_bad_rule_says_what_is_wrong_where(registry, client, admin, rules, pointer, words):
    response = client.post("/api/transcripts/admin/rules", json=rules,
                           headers=admin_headers(admin))
    assert (response.status_code, response.json["error"]["pointer"]) == (400, pointer)
    assert words in response.json["error"]["message"]


def test_deleting_a_rule_remaps_the_evidence(registry, client, admin, partners, send,
                                             auditor_get):
    send(partners["akademi"], learning(siasn(SITI),
                                       "https://akademi.example.id/kelas/analisis-kebijakan-publik"))
    rules = client.get("/api/transcripts/admin/rules", headers=admin_headers(admin)).json["rules"]
    [activity_rule] = [r for r in rules if r["kind"] == "activity"]
    assert client.delete(f"/api/transcripts/admin/rules/{activity_rule['id']}",
                         headers=admin_headers(admin)).status_code == 204
    [line] = auditor_get(f"/api/transcripts/people/{SITI}/transcripts/2026").json["activities"]
    assert (line["jp"], line["competency_id"]) == (0, None)
    assert client.delete(f"/api/transcripts/admin/rules/{activity_rule['id']}",
                         headers=admin_headers(admin)).status_code == 404


# --- people, identities, auditors, status ------------------------------------------------
def test_an_admin_registers_a_person_and_links_an_identifier(client, admin, partners, send,
                                                             auditor_get):
    nip = "199203142019031007"
    response = client.put(f"/api/transcripts/admin/people/{nip}", headers=admin_headers(admin),
                          json={"name": "Rahmat Hidayat", "employee_type": "PNS",
                                "agency": JABAR, "unit": "Bappeda"})
    assert response.status_code == 201
    linked = client.post("/api/transcripts/admin/identities", headers=admin_headers(admin),
                         json={"nip": nip, "agent": {"openid": "https://sso.jabar.go.id/rh"}})
    assert linked.status_code == 201
    send(partners["jabar"], learning({"openid": "https://sso.jabar.go.id/rh"}, KEUANGAN, jp=4))
    assert auditor_get(f"/api/transcripts/people/{nip}/transcripts/2026").json["total_jp"] == 4
    identities = client.get(f"/api/transcripts/admin/people/{nip}/identities",
                            headers=admin_headers(admin)).json["identities"]
    assert sorted(i["kind"] for i in identities) == ["account", "openid"]


@pytest.mark.parametrize(("body", "pointer"), [
    ({"name": "X", "employee_type": "Honorer", "agency": "A"}, "/employee_type"),
    ({"name": "", "employee_type": "PNS", "agency": "A"}, "/name"),
    ({"name": "X", "employee_type": "PNS"}, "/agency"),
    ({"name": "X", "employee_type": "PNS", "agency": "A", "golongan": "III/a"}, "/golongan"),
])
def test_a_bad_person_is_a_400_pointing_at_the_field(client, admin, body, pointer):
    response = client.put(f"/api/transcripts/admin/people/{SITI}", json=body,
                          headers=admin_headers(admin))
    assert (response.status_code, response.json["error"]["pointer"]) == (400, pointer)


@pytest.mark.parametrize(("body", "pointer", "words"), [
    ({"name": "X", "employee_type": "PNS", "agency": "A", "golongan": "III/a"}, "/golongan",
     "unknown field /golongan; expected name, employee_type, agency, unit"),
    ({"name": "X", "employee_type": "PNS", "agency": "A", "unit": " "}, "/unit",
     "1 to 200 characters"),
    ({"name": "X\x07", "employee_type": "PNS", "agency": "A"}, "/name", "control characters"),
    ({"name": 5, "employee_type": "PNS", "agency": "A"}, "/name", "string"),
    ({"name": None, "employee_type": "PNS", "agency": "A"}, "/name", "string"),
    ({"name": "X", "employee_type": "Honorer", "agency": "A"}, "/employee_type", "PPPK"),
])
def test_a_bad_person_says_what_is_wrong(client, admin, body, pointer, words):
    response = client.put(f"/api/transcripts/admin/people/{SITI}", json=body,
                          headers=admin_headers(admin))
    assert (response.status_code, response.json["error"]["pointer"]) == (400, pointer)
    assert words in response.json["error"]["message"]


@pytest.mark.parametrize(("body", "pointer", "words"), [
    ({"agencies": []}, "/agencies", "DELETE removes the limit"),
    ({"agencies": "A"}, "/agencies", "list"),
    ({"agencies": ["A", " "]}, "/agencies/1", "1 to 200 characters"),
    ({"agencies": ["A"], "note": "x"}, "/note", "unknown field /note"),
])
def test_bad_agency_limits_are_a_400_pointing_at_the_field(client, admin, auditor, body,
                                                          pointer, words):
    response = client.put(f"/api/transcripts/admin/auditors/{auditor['key']}/agencies",
                          json=body, headers=admin_headers(admin))
    assert (response.status_code, response.json["error"]["pointer"]) == (400, pointer)
    assert words in response.json["error"]["message"]


def test_linking_to_an_unregistered_nip_is_a_404(client, admin):
    response = client.post("/api/transcripts/admin/identities", headers=admin_headers(admin),
                           json={"nip": SITI, "agent": {"mbox": "mailto:a@b.go.id"}})
    assert response.status_code == 404


def test_an_identity_is_an_agent_with_one_identifier_or_an_lti_user(registry, client, admin):
    for body in ({"nip": SITI, "agent": {"mbox": "mailto:a@b.id", "openid": "https://x"}},
                 {"nip": SITI},
                 {"nip": SITI, "lti": {"issuer": "https://lms"}}):
        response = client.post("/api/transcripts/admin/identities", json=body,
                               headers=admin_headers(admin))
        assert response.status_code == 400


@pytest.mark.parametrize(("body", "pointer", "words"), [
    ({"nip": SITI, "agent": {"mbox": "mailto:a@b.id"}, "force": True}, "/force",
     "unknown field /force"),
    ({"nip": SITI, "agent": {"mbox": "mailto:a@b.id", "openid": "https://x"}}, "/agent",
     "exactly one identifier"),
    ({"nip": SITI}, "/agent", "exactly one of agent or lti"),
    ({"nip": SITI, "agent": {"mbox": "mailto:a@b.id"}, "relink": "yes"}, "/relink", "bool"),
    ({"agent": {"mbox": "mailto:a@b.id"}}, "/nip", "required"),
    ({"nip": "123", "agent": {"mbox": "mailto:a@b.id"}}, "/nip", "not a valid NIP"),
])
def test_a_bad_identity_link_says_what_is_wrong_where(registry, client, admin, body, pointer,
                                                      words):
    response = client.post("/api/transcripts/admin/identities", json=body,
                           headers=admin_headers(admin))
    assert (response.status_code, response.json["error"]["pointer"]) == (400, pointer)
    assert words in response.json["error"]["message"]


@pytest.mark.parametrize(("method", "url", "params", "parameter"), [
    ("get", "/api/transcripts/admin/conflicts", {"open": "true", "sort": "id"}, "sort"),
    ("get", "/api/transcripts/admin/conflicts", {"open": "1"}, "open"),
    ("get", "/api/transcripts/admin/access-log", {"since": "yesterday"}, "since"),
    ("get", "/api/transcripts/admin/access-log", {"who": "x"}, "who"),
    ("get", "/api/transcripts/admin/status", {"verbose": "true"}, "verbose"),
    ("delete", "/api/transcripts/admin/identities", {"nip": SITI}, "nip"),
    ("delete", "/api/transcripts/admin/identities", {"lti_issuer": "https://lms"}, "agent"),
    ("delete", "/api/transcripts/admin/identities", {"agent": "{"}, "agent"),
    ("post", "/api/transcripts/admin/roster", {"skip_invalid": "ya"}, "skip_invalid"),
])
def test_a_bad_admin_query_is_a_400_naming_the_parameter(registry, client, admin, method,
                                                         url, params, parameter):
    response = getattr(client, method)(url, query_string=params, headers=admin_headers(admin))
    assert (response.status_code, response.json["error"]["parameter"]) == (400, parameter)


def test_a_csv_framework_needs_its_id_and_title(client, admin):
    response = client.post("/api/transcripts/admin/frameworks", data="kode,nama,jenis\n",
                           content_type="text/csv", query_string={"id": "x"},
                           headers=admin_headers(admin))
    assert (response.status_code, response.json["error"]["parameter"]) == (400, "title")
    assert "required" in response.json["error"]["message"]


def test_agency_limits_through_the_cli(registry, runner, auditor):
    result = runner.invoke(args=["transcripts", "auditors", "limit", auditor["key"],
                                 "--agency", JABAR])
    assert result.exit_code == 0, result.output
    assert f"{auditor['key']}: {JABAR}" in runner.invoke(
        args=["transcripts", "auditors", "show"]).output
    runner.invoke(args=["transcripts", "auditors", "unlimit", auditor["key"]])
    assert "every agency" in runner.invoke(
        args=["transcripts", "auditors", "show", auditor["key"]]).output
    unknown = runner.invoke(args=["transcripts", "auditors", "limit", "nope", "--agency", "A"])
    assert unknown.exit_code == 1


def test_agency_limits_need_an_existing_credential(client, admin):
    response = client.put("/api/transcripts/admin/auditors/nope/agencies",
                          json={"agencies": [JABAR]}, headers=admin_headers(admin))
    assert response.status_code == 404


def test_the_admin_api_needs_the_admin_role(client, auditor):
    response = client.get("/api/transcripts/admin/rules",
                          headers={"Authorization": auditor["Authorization"]})
    assert response.status_code == 403


def test_status_shows_the_cursor_and_what_waits_for_an_identity(registry, client, admin,
                                                                partners, send, runner):
    send(partners["jabar"], learning({"mbox": "mailto:unknown@example.go.id"}, KEUANGAN))
    status = client.get("/api/transcripts/admin/status", headers=admin_headers(admin)).json
    assert status["waiting_for_identity"] == 1 and status["cursor"] >= 1
    assert "statements waiting for an identity link: 1" in runner.invoke(
        args=["transcripts", "status"]).output


def test_the_access_log_command_prints_entries_as_json_lines(registry, runner, auditor_get):
    auditor_get(f"/api/transcripts/people/{SITI}/transcripts/2026")
    output = runner.invoke(args=["transcripts", "access-log", "--subject", SITI]).output
    [entry] = [json.loads(line) for line in output.splitlines()]
    assert (entry["action"], entry["subject"]) == ("transcript.read", SITI)


# --- NUL and control characters never reach the database (PostgreSQL refuses NUL) ------
def test_control_characters_in_query_parameters_are_a_400(registry, auditor_get):
    response = auditor_get("/api/transcripts/people", name="Siti\x00")
    assert (response.status_code, response.json["error"]["parameter"]) == (400, "name")
    response = auditor_get("/api/transcripts/reports/agency", agency="A\x07")
    assert (response.status_code, response.json["error"]["parameter"]) == (400, "agency")


def test_control_characters_in_admin_bodies_are_a_400(registry, client, admin):
    person = client.put(f"/api/transcripts/admin/people/{SITI}", headers=admin_headers(admin),
                        json={"name": "Siti\x00", "employee_type": "PNS", "agency": "A"})
    assert (person.status_code, person.json["error"]["pointer"]) == (400, "/name")
    link = client.post("/api/transcripts/admin/identities", headers=admin_headers(admin),
                       json={"nip": SITI, "agent": {"mbox": "mailto:a\x00@b.go.id"}})
    assert link.status_code == 400
    rule = client.post("/api/transcripts/admin/rules", headers=admin_headers(admin),
                       json={"kind": "prefix", "pattern": "https://a/\x00", "jp": 1})
    assert (rule.status_code, rule.json["error"]["pointer"]) == (400, "/pattern")


def test_a_roster_row_with_control_characters_is_reported():
    parsed = parse_roster("nip,nama,jenis_pegawai,instansi\n"
                          f"{SITI},Siti\x00,PNS,Kementerian PANRB\n")
    assert [str(e) for e in parsed.errors] == ["line 2, column name: contains control characters"]


def test_a_framework_with_a_nul_is_refused():
    with pytest.raises(FrameworkError, match="NUL"):
        parse_csv("kode,nama,jenis\nM.1,Integri\x00tas,manajerial\n", "k", "K")


def test_an_lti_launch_with_a_nul_is_unknown(registry, app):
    from transcripts.identity import link_lti_user
    with app.test_request_context():
        assert link_lti_user("https://lms", "a\x00b", nip=SITI) is None
