"""Builders of realistic, valid xAPI statements for tests (valid in both 1.0.3 and 2.0.0).

A civil servant identified by an account on SIASN (name = 18-digit NIP) completes a
Berpijar course with a score, in a registration, with the lesson hours (JP) it is worth.

    make_statement()                             # a fresh id and registration each call
    make_statement(verb=make_verb("passed"))     # override any top-level property
    make_statement(result=None)                  # None removes the property
"""

from __future__ import annotations

import uuid
from typing import Any

NIP = "199003152015031002"
SIASN = "https://siasn.bkn.go.id"
JP_EXTENSION = "https://berpijar.id/xapi/extensions/jp"
ACTIVITIES = "https://berpijar.id/xapi/activities/"
TIMESTAMP = "2024-05-01T08:30:00.000+07:00"

ADL_VERBS = {
    "attempted": "mencoba",
    "completed": "menyelesaikan",
    "experienced": "mengalami",
    "passed": "lulus",
    "failed": "gagal",
    "voided": "membatalkan",
}


def make_agent(nip: str = NIP, name: str = "Siti Rahmawati") -> dict[str, Any]:
    """A civil servant: an account on SIASN whose name is the NIP."""
    return {"objectType": "Agent", "name": name, "account": {"homePage": SIASN, "name": nip}}


def make_verb(name: str = "completed") -> dict[str, Any]:
    """An ADL verb (http://adlnet.gov/expapi/verbs/<name>) displayed in English and Indonesian."""
    return {"id": f"http://adlnet.gov/expapi/verbs/{name}",
            "display": {"en-US": name, "id-ID": ADL_VERBS[name]}}


def make_activity(slug: str = "pelatihan-dasar-cpns",
                  name_id: str = "Pelatihan Dasar CPNS",
                  name_en: str = "Basic Training for Civil Servant Candidates") -> dict[str, Any]:
    """A Berpijar course activity with Indonesian and English names."""
    return {
        "objectType": "Activity",
        "id": ACTIVITIES + slug,
        "definition": {
            "name": {"id-ID": name_id, "en-US": name_en},
            "type": "http://adlnet.gov/expapi/activities/course",
        },
    }


def make_statement(**overrides: Any) -> dict[str, Any]:
    """A complete, valid statement; keyword arguments replace (or with None, remove) properties."""
    statement: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "actor": make_agent(),
        "verb": make_verb(),
        "object": make_activity(),
        "result": {
            "score": {"scaled": 0.85, "raw": 85, "min": 0, "max": 100},
            "success": True,
            "completion": True,
            "duration": "PT2H30M",
        },
        "context": {
            "registration": str(uuid.uuid4()),
            "contextActivities": {
                "parent": [make_activity("latsar-cpns-2024", "Latsar CPNS 2024",
                                         "Civil Servant Candidate Training 2024")],
                "category": [{"id": "https://berpijar.id/xapi/profiles/pelatihan"}],
            },
            "platform": "Berpijar",
            "language": "id-ID",
            "extensions": {JP_EXTENSION: 2},
        },
        "timestamp": TIMESTAMP,
    }
    for key, value in overrides.items():
        if value is None:
            statement.pop(key, None)
        else:
            statement[key] = value
    return statement
