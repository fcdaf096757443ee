"""Files and mappings for the import tests, built in the test (CSV text, XLSX by openpyxl)."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook

SITI = "199001012015032001"
BUDI = "198805172022061002"
ANI = "198512032010122003"
PREFIX = "https://bpsdm.example.id/kelas/"
SIASN = "https://siasn.bkn.go.id"

HEADER = ["NIP", "Kode Kelas", "Nama Kelas", "Class name", "Tanggal", "JP", "Kompetensi",
          "Nilai", "Lulus"]


def mapping(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "columns": {"nip": "NIP", "activity_code": "Kode Kelas", "name_id": "Nama Kelas",
                    "name_en": "Class name", "date": "Tanggal", "jp": "JP",
                    "competency": "Kompetensi", "score": "Nilai", "success": "Lulus"},
        "constants": {"activity_prefix": PREFIX,
                      "activity_type": "http://adlnet.gov/expapi/activities/course",
                      "platform": "Kelas luring BPSDM"},
        "date_format": "%d/%m/%Y",
    }
    base.update(overrides)
    return base


GOOD_ROWS = [
    [SITI, "ANKEB-01", "Analisis Kebijakan", "Policy Analysis", "02/03/2026", "6", "T.ANKEB",
     "90", "ya"],
    ["1990 0101 201503 2 001", "INT-02", "Integritas ASN", "", "10/04/2026", "2,5", "M.1",
     "", ""],
    [BUDI, "ANKEB-01", "Analisis Kebijakan", "Policy Analysis", "05/05/2026", "6", "", "75",
     "lulus"],
]
BAD_ROWS = [
    ["19900101201503200", "X-1", "Salah", "", "31/02/2026", "2", "", "", ""],  # line 5
    [ANI, "", "Tanpa kode", "", "01/06/2026", "abc", "", "120", "mungkin"],  # line 6
]


def csv_bytes(rows: list[list[str]], *, header: list[str] = HEADER, delimiter: str = ";",
              bom: bool = True) -> bytes:
    lines = [delimiter.join(header)] + [delimiter.join(r) for r in rows]
    return (b"\xef\xbb\xbf" if bom else b"") + ("\r\n".join(lines) + "\r\n").encode()


def xlsx_bytes(rows: list[list[Any]], *, header: list[str] = HEADER,
               sheet: str = "Peserta") -> bytes:
    workbook = Workbook()
    worksheet = workbook.active
    assert worksheet is not None
    worksheet.title = sheet
    worksheet.append(header)
    for row in rows:
        worksheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
