"""Imports on both engines: the CLI, re-imports, conflicts, transcripts counting the JP,
the admin API with its progress, and `lrs.service.store_as` underneath."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from connectors.imports.jobs import run_pending_imports
from hub.loops import LeaseLost
from lrs import service as lrs_service
from tests.connectors.imports_files import (
    BAD_ROWS,
    BUDI,
    GOOD_ROWS,
    PREFIX,
    SIASN,
    SITI,
    csv_bytes,
    mapping,
    xlsx_bytes,
)

IMPORTS = "/api/connectors/admin/imports"


@pytest.fixture
def importer(make_credential) -> dict:
    """The importing credential: BPSDM's offline classes, kept in a spreadsheet (its
    competency codes count: docs/connectors-imports.md)."""
    return make_credential("statements/write", "define", "competency/claim",
                           name="Kelas luring BPSDM", owner="BPSDM")


@pytest.fixture
def admin(make_credential) -> dict:
    return make_credential("admin", name="Admin BKN", owner="BKN")


@pytest.fixture
def auditor(make_credential) -> dict:
    return make_credential("auditor", name="Inspektorat", owner="Kementerian PANRB")


def write(tmp_path: Path, name: str, data: bytes | dict) -> str:
    path = tmp_path / name
    if isinstance(data, dict):
        path.write_text(json.dumps(data), encoding="utf-8")
    else:
        path.write_bytes(data)
    return str(path)


def run_cli(runner, tmp_path: Path, data: bytes, credential: str, *extra: str,
            the_mapping: dict | None = None, name: str = "kelas.csv"):
    return runner.invoke(args=["connectors", "import", write(tmp_path, name, data),
                               "--mapping", write(tmp_path, "mapping.json",
                                                  the_mapping or mapping()),
                               "--credential", credential, *extra])


def transcript(client, auditor: dict, nip: str, year: int = 2026) -> dict:
    response = client.get(f"/api/transcripts/people/{nip}/transcripts/{year}",
                          headers={"Authorization": auditor["Authorization"]})
    assert response.status_code == 200, response.json
    return response.json


def test_cli_imports_good_rows_refuses_bad_ones_and_exits_1(runner, tmp_path, importer):
    result = run_cli(runner, tmp_path, csv_bytes(GOOD_ROWS + BAD_ROWS), importer["key"])
    assert result.exit_code == 1, result.output
    assert "5 rows: 3 stored, 0 already present, 0 conflicting, 2 refused" in result.output
    assert "line 5, column A (NIP): not a valid NIP" in result.output
    assert "line 6, column F (JP): expected JP (a number)" in result.output


def test_reimporting_the_same_file_stores_nothing_new(runner, tmp_path, importer, app):
    data = xlsx_bytes(GOOD_ROWS)
    first = run_cli(runner, tmp_path, data, importer["key"], name="kelas.xlsx")
    assert first.exit_code == 0, first.output
    assert "3 rows: 3 stored, 0 already present" in first.output
    with app.app_context():
        newest = lrs_service.newest_seq()
    again = run_cli(runner, tmp_path, data, importer["key"], name="kelas.xlsx")
    assert again.exit_code == 0, again.output
    assert "3 rows: 0 stored, 3 already present, 0 conflicting, 0 refused" in again.output
    with app.app_context():
        assert lrs_service.newest_seq() == newest


def test_a_changed_row_is_a_conflict_and_the_stored_statement_stays(runner, tmp_path,
                                                                    importer, app):
    assert run_cli(runner, tmp_path, csv_bytes(GOOD_ROWS), importer["key"]).exit_code == 0
    changed = [list(row) for row in GOOD_ROWS]
    changed[0][5] = "8"  # Siti's JP, after the fact
    result = run_cli(runner, tmp_path, csv_bytes(changed), importer["key"])
    assert result.exit_code == 1
    assert "3 rows: 0 stored, 2 already present, 1 conflicting, 0 refused" in result.output
    assert "line 2: imported before with other content" in result.output
    with app.app_context():
        stored = next(s for s in lrs_service.statements_after(0)
                      if s.document["actor"]["account"]["name"] == SITI)
    assert stored.document["result"]["extensions"]["https://berpijar.id/xapi/extensions/jp"] == 6


def test_dry_run_checks_everything_and_stores_nothing(runner, tmp_path, importer, app):
    result = run_cli(runner, tmp_path, csv_bytes(GOOD_ROWS + BAD_ROWS), importer["key"],
                     "--dry-run")
    assert result.exit_code == 1
    assert "5 rows: 3 would be stored" in result.output
    with app.app_context():
        assert lrs_service.newest_seq() == 0


def test_cli_names_what_is_wrong_with_the_whole_import(runner, tmp_path, importer,
                                                       make_credential):
    reader = make_credential("statements/read")
    refused = run_cli(runner, tmp_path, csv_bytes(GOOD_ROWS), reader["key"])
    assert refused.exit_code == 1 and "cannot store statements" in refused.output
    unknown = run_cli(runner, tmp_path, csv_bytes(GOOD_ROWS), "no-such-key")
    assert unknown.exit_code == 1 and "no credential 'no-such-key'" in unknown.output
    bad_mapping = mapping(columns={"nip": "NIP", "activity_code": "Kode Kelas",
                                   "date": "Tanggal Selesai"})
    missing = run_cli(runner, tmp_path, csv_bytes(GOOD_ROWS), importer["key"],
                      the_mapping=bad_mapping)
    assert missing.exit_code == 1
    assert "'Tanggal Selesai' is not in the header" in missing.output
    assert "/columns/date" in missing.output


def test_transcripts_count_the_imported_jp(runner, tmp_path, importer, client, auditor):
    assert run_cli(runner, tmp_path, csv_bytes(GOOD_ROWS), importer["key"]).exit_code == 0
    siti = transcript(client, auditor, SITI)
    assert siti["total_jp"] == 8.5  # 6 + 2.5, from the JP extension
    lines = {line["activity_id"]: line for line in siti["activities"]}
    assert set(lines) == {PREFIX + "ANKEB-01", PREFIX + "INT-02"}
    ankeb = lines[PREFIX + "ANKEB-01"]
    assert (ankeb["name"], ankeb["jp"], ankeb["jp_source"], ankeb["score"]) == (
        "Analisis Kebijakan", 6, "extension", 90)
    assert (ankeb["provider"], ankeb["platform"]) == ("Kelas luring BPSDM",
                                                      "Kelas luring BPSDM")
    assert ankeb["date"].startswith("2026-03-01T17:00:00")  # 2 March 00:00 WIB
    assert transcript(client, auditor, BUDI)["total_jp"] == 6


def test_store_as_stores_each_statement_on_its_merits(app, importer):
    statement = {"id": "6f0f4a52-6a34-4df5-a1d5-0a4a1f0e2b11",
                 "actor": {"objectType": "Agent", "account": {"homePage": SIASN, "name": SITI}},
                 "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
                 "object": {"id": PREFIX + "x"}, "timestamp": "2026-03-02T00:00:00+07:00"}
    invalid = {**statement, "id": "7f0f4a52-6a34-4df5-a1d5-0a4a1f0e2b11", "verb": {"id": "x"}}
    with app.app_context():
        first = lrs_service.store_as(importer["key"], [statement, invalid])
        assert first.stored == [statement["id"]] and first.present == []
        [(position, error)] = first.refused
        assert position == 1 and error.pointer == "/verb/id"
        again = lrs_service.store_as(importer["key"], [statement])
        assert (again.stored, again.present, again.conflicts) == ([], [statement["id"]], [])
        other = lrs_service.store_as(importer["key"], [{**statement, "object": {"id": "urn:y"}}])
        assert (other.stored, other.conflicts) == ([], [statement["id"]])
        [stored] = lrs_service.statements_after(0)
        assert stored.document["object"]["id"] == PREFIX + "x"
        assert stored.document["authority"] == importer["authority"]


def post_import(client, admin: dict, data: bytes, the_mapping: object, credential: str,
                name: str = "kelas.csv"):
    form = {"file": (io.BytesIO(data), name),
            "mapping": the_mapping if isinstance(the_mapping, str) else json.dumps(the_mapping),
            "credential": credential}
    return client.post(IMPORTS, data=form, content_type="multipart/form-data",
                       headers={"Authorization": admin["Authorization"]})


def get_import(client, admin: dict, import_id: str) -> dict:
    response = client.get(f"{IMPORTS}/{import_id}",
                          headers={"Authorization": admin["Authorization"]})
    assert response.status_code == 200, response.json
    return response.json


def test_api_upload_is_imported_by_the_worker_with_progress(client, app, admin, importer,
                                                            auditor):
    rows = GOOD_ROWS * 1 + BAD_ROWS + [
        [SITI, f"SESI-{n:03d}", f"Mentoring sesi {n}", "", "15/07/2026", "1", "", "", ""]
        for n in range(1, 11)]  # 15 rows
    response = post_import(client, admin, xlsx_bytes(rows), mapping(), importer["key"],
                           name="mentoring.xlsx")
    assert response.status_code == 202, response.json
    job = response.json
    assert response.headers["Location"].endswith(f"{IMPORTS}/{job['id']}")
    assert (job["status"], job["rows_done"], job["rows_total"]) == ("pending", 0, None)
    with app.app_context():
        assert run_pending_imports(limit=6, batch_size=4) == 6
    partway = get_import(client, admin, job["id"])
    assert (partway["status"], partway["rows_total"], partway["rows_done"]) == (
        "running", 15, 6)
    assert (partway["stored"], partway["refused"]) == (4, 2)  # lines 2-7
    with app.app_context():
        assert run_pending_imports(limit=100, batch_size=4) == 9
        assert run_pending_imports() == 0  # nothing left
    done = get_import(client, admin, job["id"])
    assert (done["status"], done["rows_done"], done["stored"], done["already_present"],
            done["conflicts"], done["refused"]) == ("done", 15, 13, 0, 0, 2)
    assert done["finished_at"] is not None
    assert {(e["line"], e["column"]) for e in done["errors"]} >= {(5, "A (NIP)"),
                                                                  (6, "F (JP)")}
    assert done["errors_total"] == len(done["errors"]) == 6
    assert transcript(client, auditor, SITI)["total_jp"] == 18.5  # 6 + 2.5 + 10 sessions


def test_api_reupload_finds_everything_present(client, app, admin, importer):
    data = csv_bytes(GOOD_ROWS)
    for _ in range(2):
        assert post_import(client, admin, data, mapping(), importer["key"]).status_code == 202
    with app.app_context():
        assert run_pending_imports() == 6
    with app.app_context():
        assert lrs_service.newest_seq() == 3


@pytest.mark.parametrize("the_mapping,pointer", [
    ({"columns": {"nip": "NIP", "activity_code": "Kode Kelas"}}, "/columns/date"),
    ({**mapping(), "extra": 1}, "/extra"),
    (mapping(columns={"nip": "NIP", "activity_code": "Kode", "date": "Tanggal"}),
     "/columns/activity_code"),
    (mapping(constants={"activity_prefix": PREFIX,
                        "verb": "http://adlnet.gov/expapi/verbs/attempted"}),
     "/constants/verb"),
])
def test_api_malformed_mapping_is_a_400_naming_the_field(client, admin, importer,
                                                         the_mapping, pointer):
    response = post_import(client, admin, csv_bytes(GOOD_ROWS), the_mapping, importer["key"])
    assert response.status_code == 400
    error = response.json["error"]
    assert (error["parameter"], error.get("pointer")) == ("mapping", pointer), error


def test_api_names_the_missing_or_wrong_part(client, admin, importer):
    not_json = post_import(client, admin, csv_bytes(GOOD_ROWS), "{columns", importer["key"])
    assert not_json.status_code == 400 and not_json.json["error"]["parameter"] == "mapping"
    no_credential = post_import(client, admin, csv_bytes(GOOD_ROWS), mapping(), "nobody")
    assert no_credential.status_code == 400
    assert no_credential.json["error"]["parameter"] == "credential"
    no_file = client.post(IMPORTS, data={"mapping": json.dumps(mapping()),
                                         "credential": importer["key"]},
                          content_type="multipart/form-data",
                          headers={"Authorization": admin["Authorization"]})
    assert no_file.status_code == 400 and no_file.json["error"]["parameter"] == "file"
    not_a_table = post_import(client, admin, b"\xd0\xcf\x11\xe0old", mapping(), importer["key"],
                              name="kelas.xls")
    assert not_a_table.status_code == 400 and not_a_table.json["error"]["parameter"] == "file"


def test_api_needs_the_admin_scope(client, importer):
    response = post_import(client, importer, csv_bytes(GOOD_ROWS), mapping(), importer["key"])
    assert response.status_code == 403
    assert client.get(f"{IMPORTS}/x").status_code == 401


class LostLease:
    """A lease another worker took over: confirming it fails."""

    name = "imports"

    def confirm(self) -> None:
        raise LeaseLost("another worker holds imports")


def test_a_worker_that_lost_its_lease_saves_no_progress(client, app, admin, importer):
    job = post_import(client, admin, csv_bytes(GOOD_ROWS), mapping(), importer["key"]).json
    with app.app_context(), pytest.raises(LeaseLost):
        run_pending_imports(lease=LostLease())
    assert (get_import(client, admin, job["id"])["status"],
            get_import(client, admin, job["id"])["rows_done"]) == ("pending", 0)
    with app.app_context():
        assert run_pending_imports() == 3  # the rightful worker goes on from the start
    assert get_import(client, admin, job["id"])["stored"] == 3


def test_an_import_whose_credential_was_revoked_fails_with_the_reason(client, app, admin,
                                                                      importer):
    job = post_import(client, admin, csv_bytes(GOOD_ROWS), mapping(), importer["key"]).json
    with app.app_context():
        app.extensions["hub.storage"].credentials.revoke_credential(
            importer["key"], datetime.now(UTC))
        run_pending_imports()
    failed = get_import(client, admin, job["id"])
    assert failed["status"] == "failed" and "revoked" in failed["message"]
    assert failed["finished_at"] is not None and failed["stored"] == 0
