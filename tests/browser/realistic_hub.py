"""A hub database with realistic transcripts for the browser tests: the CASE framework,
roster and rules of tests/transcripts/fixtures, forty more civil servants in two agencies,
and a year of learning sent by two partner platforms as xAPI statements."""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

TRANSCRIPT_TESTS = Path(__file__).resolve().parents[1] / "transcripts"
if str(TRANSCRIPT_TESTS) not in sys.path:  # the builders shared with the transcripts tests
    sys.path.insert(0, str(TRANSCRIPT_TESTS))

from transcript_fixtures import (  # noqa: E402
    INTEGRITAS,
    JABAR,
    KEBIJAKAN,
    KEMENPAN,
    KEUANGAN,
    SITI,
    WEBINAR,
    basic_auth,
    learning,
    load_framework,
    load_roster,
    load_rules,
    siasn,
)

from hub.app import create_app  # noqa: E402
from hub.auth import issue_credential  # noqa: E402
from transcripts import frameworks, identity  # noqa: E402
from transcripts.policy import current_policy  # noqa: E402
from transcripts.roster import parse_roster  # noqa: E402

YEAR = 2026
FIRST = ["Ahmad", "Dewi", "Rizky", "Putri", "Agus", "Nur", "Bayu", "Ratna", "Hendra", "Wulan",
         "Fajar", "Intan", "Joko", "Maya", "Yusuf", "Sri", "Eko", "Lestiani", "Teguh", "Ayu"]
LAST = ["Pratama", "Wijaya", "Saputra", "Hidayat", "Nugroho", "Siregar", "Harahap",
        "Permana", "Kusuma", "Simanjuntak", "Lubis", "Rahman", "Setiawan", "Sitompul"]
UNITS = {KEMENPAN: ["Biro SDM", "Deputi SDM Aparatur", "Biro Hukum", "Inspektorat"],
         JABAR: ["Badan Kepegawaian Daerah", "Dinas Kesehatan", "Dinas Pendidikan",
                 "Bappeda"]}
SDM = "https://lms.bpsdm.jabarprov.go.id/course/sdm-aparatur"
# (activity id, name, JP carried by the statement or None for the rule's, type, partner)
CATALOGUE = [
    (KEBIJAKAN, "Analisis Kebijakan Publik", None, None, "akademi"),
    (INTEGRITAS + "-dasar", "Integritas ASN: Dasar", 4, None, "akademi"),
    (INTEGRITAS + "-lanjutan", "Integritas ASN: Lanjutan", 6, None, "akademi"),
    (KEUANGAN, "Pengelolaan Keuangan Daerah", 8, None, "jabar"),
    (SDM, "Manajemen SDM Aparatur", 5, None, "jabar"),
    ("https://akademi.example.id/webinar/moderasi-beragama", "Webinar Moderasi Beragama",
     None, WEBINAR, "akademi"),
    ("https://akademi.example.id/webinar/wawasan-kebangsaan", "Webinar Wawasan Kebangsaan",
     None, WEBINAR, "akademi"),
    ("https://lms.bpsdm.jabarprov.go.id/course/pelayanan-publik", "Pelayanan Publik Prima", 3,
     None, "jabar"),
]
EXTRA_RULES = f"""kind,pattern,competency,level,jp
activity,{KEUANGAN},T.KEU,2,
activity,{SDM},T.SDM,1,
"""


@dataclass(frozen=True)
class Seeded:
    auditor: tuple[str, str]  # key, secret: every agency
    limited_auditor: tuple[str, str]  # only Pemerintah Provinsi Jawa Barat
    partner: tuple[str, str]
    star: str  # a NIP with several activities
    people: int


def _nip(rng: random.Random, sequence: int) -> str:
    born = date(1975, 1, 1) + timedelta(days=rng.randrange(0, 20 * 365))
    appointed_year = min(born.year + rng.randrange(22, 30), 2024)
    return (f"{born:%Y%m%d}{appointed_year}{rng.randrange(1, 13):02d}{rng.choice('12')}"
            f"{sequence:03d}")


def _roster(rng: random.Random, count: int) -> tuple[str, list[str]]:
    lines = ["nip,nama,jenis_pegawai,instansi,unit_kerja"]
    nips = []
    for index in range(count):
        agency = KEMENPAN if index % 2 else JABAR
        nip = _nip(rng, index + 1)
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        kind = "PPPK" if index % 5 == 0 else "PNS"
        lines.append(f"{nip},{name},{kind},{agency},{rng.choice(UNITS[agency])}")
        nips.append(nip)
    return "\n".join(lines) + "\n", nips


def _year_of_learning(rng: random.Random, nip: str, activities: int) -> list[tuple[str, dict]]:
    statements = []
    for activity_id, name, jp, kind, partner in rng.sample(CATALOGUE, activities):
        day = date(YEAR, 1, 6) + timedelta(days=rng.randrange(0, 300))
        statements.append((partner, learning(
            siasn(nip), activity_id, name=name, jp=jp, activity_type=kind or
            "http://adlnet.gov/expapi/activities/course",
            score=round(rng.uniform(0.6, 1.0), 2) if rng.random() < 0.7 else None,
            timestamp=f"{day.isoformat()}T{rng.randrange(8, 16):02d}:15:00+07:00",
            platform="Akademi Digital LAN" if partner == "akademi" else "LMS BPSDM Jabar")))
    return statements


def seed(database_url: str, instance_path: str, people: int = 40) -> Seeded:
    app = create_app({"env": "test", "secret_key": "seed-" + "s" * 40,
                      "database_url": database_url, "instance_path": instance_path,
                      "log_format": "text", "log_level": "WARNING"})
    storage = app.extensions["hub.storage"]
    rng = random.Random(20260314)
    try:
        load_framework(app)
        load_roster(app)
        load_rules(app)
        with app.app_context():
            rules, errors = frameworks.parse_rules_csv(storage, EXTRA_RULES)
            assert not errors, errors
            frameworks.add_rules(storage, rules, current_policy())
            text, nips = _roster(rng, people)
            report = identity.import_roster(storage, parse_roster(text), current_policy())
            assert report.imported and not report.errors, report.errors

        def credential(*scopes: str, name: str) -> tuple[str, str]:
            issued = issue_credential(storage.credentials, name=name, owner=name,
                                      scopes=scopes, authority_home_page=app.extensions[
                                          "hub.settings"].authority_home_page)
            return issued.credential.key, issued.secret

        partners = {"akademi": credential("statements/write", name="Akademi Digital LAN"),
                    "jabar": credential("statements/write", name="LMS BPSDM Jawa Barat")}
        auditor = credential("auditor", name="Inspektorat Jenderal")
        limited = credential("auditor", name="Inspektorat Provinsi Jawa Barat")
        storage.access.set_agency_limits(limited[0], [JABAR])
        batches: dict[str, list[dict]] = {"akademi": [], "jabar": []}
        for partner, statement in _year_of_learning(rng, SITI, 6):
            batches[partner].append(statement)
        for nip in nips:
            for partner, statement in _year_of_learning(rng, nip, rng.choice(range(0, 7))):
                batches[partner].append(statement)
        client = app.test_client()
        for partner, statements in batches.items():
            response = client.post("/xapi/statements", json=statements, headers={
                "Authorization": basic_auth(*partners[partner]),
                "X-Experience-API-Version": "1.0.3"})
            assert response.status_code == 200, response.get_data(as_text=True)
        return Seeded(auditor=auditor, limited_auditor=limited, partner=partners["akademi"],
                      star=SITI, people=people + 4)
    finally:
        storage.dispose()
