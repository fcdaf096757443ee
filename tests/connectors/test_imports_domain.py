"""The import domain without storage: files, mapping, rows, statements."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from connectors.imports.mapping import parse_mapping
from connectors.imports.rows import Completion, MappingError, RowError, RowReader, plan_columns
from connectors.imports.statements import build_statement, statement_id
from connectors.imports.table import Table, TableError, column_letter
from hub.errors import BadRequest
from tests.connectors.imports_files import (
    BAD_ROWS,
    BUDI,
    GOOD_ROWS,
    HEADER,
    PREFIX,
    SITI,
    csv_bytes,
    mapping,
    xlsx_bytes,
)

JP = "https://berpijar.id/xapi/extensions/jp"


def read_all(data: bytes, **overrides) -> list[Completion | list[RowError]]:
    the_mapping = parse_mapping(mapping(**overrides))
    table = Table(data, sheet=the_mapping.sheet)
    reader = RowReader(table.header, the_mapping, today=lambda: date(2026, 12, 4))
    return [reader.read(row) for row in table.rows()]


def test_column_letters_are_the_spreadsheet_names():
    assert [column_letter(i) for i in (0, 2, 25, 26, 27, 701, 702)] == [
        "A", "C", "Z", "AA", "AB", "ZZ", "AAA"]


@pytest.mark.parametrize("delimiter,bom", [(";", True), (",", False), (",", True)])
def test_csv_with_either_delimiter_and_with_or_without_bom(delimiter, bom):
    rows = [[cell.replace(",", ".") if delimiter == "," else cell for cell in row]
            for row in GOOD_ROWS]
    read = read_all(csv_bytes(rows, delimiter=delimiter, bom=bom))
    assert all(isinstance(r, Completion) for r in read), read
    siti, integritas, _ = read
    assert isinstance(siti, Completion) and isinstance(integritas, Completion)
    assert (siti.line, siti.nip, siti.activity_id, siti.day) == (
        2, SITI, PREFIX + "ANKEB-01", date(2026, 3, 2))
    assert (siti.jp, siti.score, siti.success, siti.competency) == (6, 90, True, "T.ANKEB")
    # A NIP written in groups is the same NIP; "2,5" is the Indonesian 2.5.
    assert (integritas.nip, integritas.jp, integritas.name_en) == (SITI, 2.5, None)


def test_every_error_names_line_and_column_with_letter_and_header():
    read = read_all(csv_bytes([*GOOD_ROWS, [""] * 9, *BAD_ROWS]))
    # The empty line 5 is skipped but keeps its number: the bad rows are lines 6 and 7.
    errors = [e for r in read if isinstance(r, list) for e in r]
    where = {(e.line, e.column) for e in errors}
    assert where == {(6, "A (NIP)"), (6, "E (Tanggal)"), (7, "B (Kode Kelas)"),
                     (7, "F (JP)"), (7, "H (Nilai)"), (7, "I (Lulus)")}
    messages = {(e.line, e.column): e.message for e in errors}
    assert "18 digits" in messages[(6, "A (NIP)")]
    assert "31/02/2026" in messages[(6, "E (Tanggal)")] and "02/03/2026" in messages[
        (6, "E (Tanggal)")]
    assert "every row needs its activity" in messages[(7, "B (Kode Kelas)")]
    assert "outside 0 to 100" in messages[(7, "H (Nilai)")]
    assert str(next(e for e in errors if e.column == "F (JP)")).startswith(
        "line 7, column F (JP): expected JP")


def test_nip_rules_are_the_hubs():
    bad = [[nip, "K", "N", "", "02/03/2026", "1", "", "", ""] for nip in (
        "199013012015032001",  # month 13
        "199001012015033001",  # gender digit 3
        "199001012015032000",  # sequence 000
        "199001011989032001",  # appointed before birth
    )]
    read = read_all(csv_bytes(bad))
    assert all(isinstance(r, list) and r[0].column == "A (NIP)" for r in read)
    assert "digit 15" in read[1][0].message  # type: ignore[index]


def test_xlsx_rows_read_like_csv_ones_with_date_and_number_cells():
    rows = [[SITI, "ANKEB-01", "Analisis Kebijakan", "Policy Analysis", datetime(2026, 3, 2),
             6, "T.ANKEB", 90, True],
            [],  # an empty row keeps its line number
            [BUDI, "INT-02", "Integritas ASN", None, date(2026, 4, 10), 2.5, None, None,
             None],
            [1.9900101201503e17, "INT-02", "Integritas ASN", None, date(2026, 4, 10), 1, None,
             None, None]]
    read = read_all(xlsx_bytes(rows), sheet="Peserta")
    first, second, third = read
    assert isinstance(first, Completion) and isinstance(second, Completion)
    assert (first.day, first.jp, first.success) == (date(2026, 3, 2), 6, True)
    assert (second.line, second.nip, second.jp) == (4, BUDI, 2.5)
    assert isinstance(third, list) and third[0].line == 5 and third[0].column == "A (NIP)"
    assert "lost digits" in third[0].message


def test_unreadable_files_are_refused_whole():
    with pytest.raises(TableError, match="UTF-8"):
        Table(b"NIP;Tanggal\r\n\xff\xfe;1\r\n")
    with pytest.raises(TableError, match="empty"):
        Table(b"")
    with pytest.raises(TableError, match="xlsx"):
        Table(b"\xd0\xcf\x11\xe0rest of an old xls")
    with pytest.raises(TableError, match="no sheet 'Other'"):
        Table(xlsx_bytes([]), sheet="Other")


def test_a_mapped_column_missing_from_the_header_names_the_mapping_field():
    header = tuple(h for h in HEADER if h != "Tanggal")
    with pytest.raises(MappingError) as caught:
        plan_columns(header, parse_mapping(mapping()))
    assert caught.value.pointer == "/columns/date" and "'Tanggal'" in str(caught.value)
    # Header text is matched without case and extra spaces.
    plan = plan_columns(tuple(f"  {h.upper()} " for h in HEADER), parse_mapping(mapping()))
    assert plan["date"] == 4


@pytest.mark.parametrize("change,pointer", [
    ({"columns": {"nip": "NIP"}}, "/columns/date"),
    ({"columns": {"nip": "NIP", "date": "Tanggal", "kode": "Kode"}}, "/columns/kode"),
    ({"columns": {"nip": "NIP", "date": "Tanggal"}}, "/columns"),
    ({"constants": {}}, "/constants/activity_prefix"),
    ({"constants": {"activity_prefix": "not an iri"}}, "/constants/activity_prefix"),
    ({"date_format": "%d/%m"}, "/date_format"),
    ({"score_min": 10, "score_max": 10}, "/score_max"),
    ({"score_max": "100"}, "/score_max"),
])
def test_a_malformed_mapping_is_a_bad_request_naming_the_field(change, pointer):
    with pytest.raises(BadRequest) as caught:
        parse_mapping(mapping(**change))
    assert caught.value.pointer == pointer, caught.value.message
    assert caught.value.parameter == "mapping"


def test_statements_have_the_shape_transcripts_count_and_fixed_ids():
    the_mapping = parse_mapping(mapping())
    table = Table(csv_bytes(GOOD_ROWS))
    reader = RowReader(table.header, the_mapping)
    rows = [reader.read(row) for row in table.rows()]
    actor = {"objectType": "Agent", "account": {"homePage": "https://siasn.bkn.go.id",
                                                "name": SITI}}
    built = [build_statement(r, the_mapping, credential_key="k1", actor=actor,
                             jp_extension=JP) for r in rows if isinstance(r, Completion)]
    first = built[0]
    assert first["id"] == statement_id("k1", SITI, PREFIX + "ANKEB-01", date(2026, 3, 2))
    assert first["verb"]["id"] == "http://adlnet.gov/expapi/verbs/completed"
    assert first["object"] == {"objectType": "Activity", "id": PREFIX + "ANKEB-01",
                               "definition": {"name": {"id-ID": "Analisis Kebijakan",
                                                       "en-US": "Policy Analysis"},
                                              "type": "http://adlnet.gov/expapi/activities/course"}}
    assert first["timestamp"] == "2026-03-02T00:00:00+07:00"
    assert first["result"] == {"score": {"raw": 90, "min": 0, "max": 100, "scaled": 0.9},
                               "success": True, "extensions": {JP: 6}}
    assert first["context"]["platform"] == "Kelas luring BPSDM"
    assert first["context"]["extensions"] == {
        "https://berpijar.id/xapi/extensions/competency": "T.ANKEB"}
    # Another importing credential, NIP, activity or day: another statement.
    ids = {statement_id(*key) for key in [
        ("k1", SITI, "a", date(2026, 1, 1)), ("k2", SITI, "a", date(2026, 1, 1)),
        ("k1", BUDI, "a", date(2026, 1, 1)), ("k1", SITI, "b", date(2026, 1, 1)),
        ("k1", SITI, "a", date(2026, 1, 2))]}
    assert len(ids) == 5


def test_durations_in_iso_8601_or_minutes():
    header = ["NIP", "Kode Kelas", "Tanggal", "Durasi"]
    rows = [[SITI, "A", "02/03/2026", "pt1h30m"], [SITI, "B", "02/03/2026", "P1M"],
            [SITI, "C", "02/03/2026", "90 menit"]]
    columns = {"nip": "NIP", "activity_code": "Kode Kelas", "date": "Tanggal"}
    iso = read_all(csv_bytes(rows, header=header), columns={**columns, "duration": "Durasi"})
    assert isinstance(iso[0], Completion) and iso[0].duration == "PT1H30M"
    assert isinstance(iso[1], list) and "no fixed length" in iso[1][0].message
    assert isinstance(iso[2], list) and iso[2][0].column == "D (Durasi)"
    minutes = read_all(csv_bytes([[SITI, "A", "02/03/2026", "135"]], header=header),
                       columns={**columns, "duration_minutes": "Durasi"})
    assert isinstance(minutes[0], Completion) and minutes[0].duration == "PT2H15M"
