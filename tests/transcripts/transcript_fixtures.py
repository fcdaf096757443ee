"""Constants and builders for the transcripts tests: the people of the roster fixture,
statements as partners send them, and loaders for the fixture files."""

from __future__ import annotations

import base64
import json
import uuid
from pathlib import Path
from typing import Any

from transcripts import frameworks, identity
from transcripts.policy import current_policy
from transcripts.roster import parse_roster

FIXTURES = Path(__file__).parent / "fixtures"
CASE_FILE = FIXTURES / "kamus-kompetensi-asn.case.json"
ROSTER_FILE = FIXTURES / "roster-kemenpan-jabar.csv"
RULES_FILE = FIXTURES / "rules.csv"

SECRET_KEY = "transcripts-test-secret-" + "x" * 32
SIASN = "https://siasn.bkn.go.id"
JP = "https://berpijar.id/xapi/extensions/jp"
COMPETENCY = "https://berpijar.id/xapi/extensions/competency"
SITI = "199001012015032001"  # PNS, Kementerian PANRB
BUDI = "198805172022061002"  # PPPK, Kementerian PANRB
ANI = "198512032010122003"  # PNS, Pemerintah Provinsi Jawa Barat
DEDI = "197903252005011004"  # PNS, Pemerintah Provinsi Jawa Barat
KEMENPAN = "Kementerian PANRB"
JABAR = "Pemerintah Provinsi Jawa Barat"

COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
PASSED = "http://adlnet.gov/expapi/verbs/passed"
FAILED = "http://adlnet.gov/expapi/verbs/failed"
ATTEMPTED = "http://adlnet.gov/expapi/verbs/attempted"
WEBINAR = "http://id.tincanapi.com/activitytype/webinar"
COURSE = "http://adlnet.gov/expapi/activities/course"
KEBIJAKAN = "https://akademi.example.id/kelas/analisis-kebijakan-publik"
INTEGRITAS = "https://akademi.example.id/kelas/integritas-asn"
KEUANGAN = "https://lms.bpsdm.jabarprov.go.id/course/keuangan-daerah"


def basic_auth(key: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()


def siasn(nip: str, name: str | None = None) -> dict[str, Any]:
    agent: dict[str, Any] = {"objectType": "Agent", "account": {"homePage": SIASN, "name": nip}}
    if name:
        agent["name"] = name
    return agent


def mbox(address: str) -> dict[str, Any]:
    return {"objectType": "Agent", "mbox": f"mailto:{address}"}


def learning(actor: dict[str, Any], activity_id: str = KEBIJAKAN, verb: str = COMPLETED, *,
             name: str = "Analisis Kebijakan Publik", activity_type: str | None = COURSE,
             jp: float | None = None, duration: str | None = None,
             score: float | None = None, success: bool | None = None,
             timestamp: str = "2026-03-14T09:30:00+07:00", platform: str | None = None,
             statement_id: str | None = None, competency: str | None = None
             ) -> dict[str, Any]:
    """A statement of learning as partners send them, with only what the test names."""
    definition: dict[str, Any] = {"name": {"id-ID": name}}
    if activity_type:
        definition["type"] = activity_type
    statement: dict[str, Any] = {
        "id": statement_id or str(uuid.uuid4()),
        "actor": actor,
        "verb": {"id": verb, "display": {"en-US": verb.rsplit("/", 1)[-1]}},
        "object": {"objectType": "Activity", "id": activity_id, "definition": definition},
        "timestamp": timestamp,
    }
    result: dict[str, Any] = {}
    if jp is not None:
        result["extensions"] = {JP: jp}
    if duration is not None:
        result["duration"] = duration
    if score is not None:
        result["score"] = {"scaled": score}
    if success is not None:
        result["success"] = success
    if result:
        statement["result"] = result
    context: dict[str, Any] = {}
    if platform:
        context["platform"] = platform
    if competency is not None:
        context["extensions"] = {COMPETENCY: competency}
    if context:
        statement["context"] = context
    return statement


def voiding(target: str) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()),
            "actor": {"objectType": "Agent", "mbox": "mailto:admin@akademi.example.id"},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/voided", "display": {"en-US": "voided"}},
            "object": {"objectType": "StatementRef", "id": target}}


def load_framework(app) -> None:
    with app.app_context():
        parsed = frameworks.parse_case(json.loads(CASE_FILE.read_text()))
        frameworks.import_framework(app.extensions["hub.storage"], parsed, current_policy())


def load_roster(app) -> None:
    with app.app_context():
        report = identity.import_roster(app.extensions["hub.storage"],
                                        parse_roster(ROSTER_FILE.read_text()), current_policy())
        assert report.imported and not report.errors, report


def load_rules(app) -> None:
    with app.app_context():
        storage = app.extensions["hub.storage"]
        rules, errors = frameworks.parse_rules_csv(storage, RULES_FILE.read_text())
        assert not errors, errors
        frameworks.add_rules(storage, rules, current_policy())



def competency_id(app, code: str) -> str:
    with app.app_context():
        found = [c.id for c in app.extensions["hub.storage"].frameworks.competencies().values()
                 if c.code == code]
    assert len(found) == 1
    return found[0]
