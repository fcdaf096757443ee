"""Roster, framework and rules files that are not UTF-8 are refused with the line (13.7),
never imported with replacement characters."""

from __future__ import annotations

import pytest
from transcript_fixtures import ROSTER_FILE

from hub.text_input import NotUTF8, decode_utf8

# A Windows-1252 roster: "Siti Rahmawati" spelt with an é on line 3.
LATIN1_ROSTER = ("nip;nama;jenis_pegawai;instansi;unit_kerja;email\n"
                 "199001012015032001;Siti Rahmawati;PNS;Kementerian PANRB;Biro SDM;\n"
                 "198512032010122003;Ani Lestari Andr\xe9;PNS;Pemprov Jawa Barat;BKD;\n"
                 ).encode("cp1252")


def test_the_decoder_names_line_and_byte_and_accepts_a_bom():
    with pytest.raises(NotUTF8) as caught:
        decode_utf8(LATIN1_ROSTER, what="the roster")
    assert (caught.value.line, caught.value.column) == (3, 36)
    assert "the roster is not UTF-8: line 3, byte 36" in str(caught.value)
    assert "0xe9" in str(caught.value)
    assert decode_utf8(b"\xef\xbb\xbfnip\n") == "nip\n"


def test_the_roster_api_refuses_a_file_that_is_not_utf8_and_imports_nothing(
        client, admin, storage):
    response = client.post("/api/transcripts/admin/roster", data=LATIN1_ROSTER,
                           content_type="text/csv",
                           headers={"Authorization": admin["Authorization"]})
    assert response.status_code == 400
    error = response.json["error"]
    assert "line 3" in error["message"] and error["rule"] == "utf-8"
    assert storage.people.get_person("198512032010122003") is None
    assert storage.people.get_person("199001012015032001") is None


def test_the_frameworks_api_refuses_a_csv_that_is_not_utf8(client, admin, storage):
    body = "kode,nama,jenis,level\nK.1,Kesehatan Masyarakat Dasar\xe9,teknis,1-4\n"
    response = client.post("/api/transcripts/admin/frameworks", data=body.encode("latin-1"),
                           content_type="text/csv", query_string={"id": "x", "title": "X"},
                           headers={"Authorization": admin["Authorization"]})
    assert response.status_code == 400
    assert "line 2" in response.json["error"]["message"]
    assert storage.frameworks.list_frameworks() == []


@pytest.mark.parametrize("command", [["transcripts", "roster", "import"],
                                     ["frameworks", "import"]])
def test_the_import_commands_refuse_a_file_that_is_not_utf8(runner, tmp_path, app, command,
                                                            storage):
    file = tmp_path / "file.csv"
    file.write_bytes(LATIN1_ROSTER)
    result = runner.invoke(args=[*command, str(file)])
    assert result.exit_code != 0
    assert f"{file} is not UTF-8: line 3" in result.output
    assert storage.people.get_person("199001012015032001") is None


def test_a_utf8_roster_with_a_bom_still_imports(client, admin):
    data = b"\xef\xbb\xbf" + ROSTER_FILE.read_bytes()
    response = client.post("/api/transcripts/admin/roster", data=data, content_type="text/csv",
                           headers={"Authorization": admin["Authorization"]})
    assert (response.status_code, response.json["people"]) == (200, 4)
