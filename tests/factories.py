"""Builders of realistic xAPI data: civil servants (ASN) learning on partner platforms."""

from __future__ import annotations

import copy
import random
import uuid
from typing import Any

SIASN = "https://siasn.bkn.go.id"
NIP = "199003152015031002"
JP_EXTENSION = "https://berpijar.id/xapi/extensions/jp"
VERBS = {
    "completed": "http://adlnet.gov/expapi/verbs/completed",
    "passed": "http://adlnet.gov/expapi/verbs/passed",
    "failed": "http://adlnet.gov/expapi/verbs/failed",
    "attempted": "http://adlnet.gov/expapi/verbs/attempted",
    "experienced": "http://adlnet.gov/expapi/verbs/experienced",
    "voided": "http://adlnet.gov/expapi/verbs/voided",
}
VERB_NAMES_ID = {"completed": "menyelesaikan", "passed": "lulus", "failed": "gagal",
                 "attempted": "mencoba", "experienced": "mengalami", "voided": "membatalkan"}


def make_nip(rng: random.Random | None = None) -> str:
    """An 18-digit NIP: birth date, appointment month, gender digit, sequence."""
    rng = rng or random.Random()
    birth = f"{rng.randint(1965, 2000)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    appointed = f"{rng.randint(1990, 2024)}{rng.randint(1, 12):02d}"
    return f"{birth}{appointed}{rng.randint(1, 2)}{rng.randint(1, 999):03d}"


def make_agent(nip: str | None = None, name: str = "Siti Rahmawati") -> dict[str, Any]:
    """A civil servant: an account on SIASN whose name is the NIP (a random one by default)."""
    return {"objectType": "Agent", "name": name,
            "account": {"homePage": SIASN, "name": nip or make_nip()}}


def make_verb(name: str = "completed") -> dict[str, Any]:
    """An ADL verb displayed in English and Indonesian."""
    return {"id": VERBS[name], "display": {"en-US": name, "id-ID": VERB_NAMES_ID[name]}}


def make_activity(slug: str = "analisis-kebijakan-publik", jp: int | None = None
                  ) -> dict[str, Any]:
    activity: dict[str, Any] = {
        "objectType": "Activity",
        "id": f"https://akademi.example.id/kelas/{slug}",
        "definition": {
            "name": {"id-ID": "Analisis Kebijakan Publik", "en-US": "Public Policy Analysis"},
            "description": {"id-ID": "Kelas daring", "en-US": "Online class"},
            "type": "http://adlnet.gov/expapi/activities/course",
        },
    }
    if jp is not None:
        activity["definition"]["extensions"] = {JP_EXTENSION: jp}
    return activity


def make_statement(verb: str | dict[str, Any] = "completed", **overrides: Any) -> dict[str, Any]:
    """A complete, valid statement (1.0.3 and 2.0.0); keyword arguments replace properties,
    None removes one.  `verb` is an ADL verb name or a Verb object."""
    statement: dict[str, Any] = {
        "actor": make_agent(),
        "verb": make_verb(verb) if isinstance(verb, str) else verb,
        "object": make_activity(),
        "result": {"score": {"scaled": 0.85, "raw": 85, "min": 0, "max": 100},
                   "success": True, "completion": True, "duration": "PT2H30M"},
        "context": {
            "registration": str(uuid.uuid4()),
            "platform": "Akademi Digital",
            "language": "id-ID",
            "extensions": {JP_EXTENSION: 2},
            "contextActivities": {
                "parent": [{"objectType": "Activity",
                            "id": "https://akademi.example.id/program/kepemimpinan"}],
            },
        },
        "timestamp": "2026-03-14T09:30:00.000+07:00",
    }
    for key, value in overrides.items():
        if value is None:
            statement.pop(key, None)
        else:
            statement[key] = copy.deepcopy(value)
    return statement


def voiding(target_id: str, actor: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"actor": actor or make_agent(name="Admin"),
            "verb": {"id": VERBS["voided"], "display": {"en-US": "voided"}},
            "object": {"objectType": "StatementRef", "id": target_id}}
