"""A completion → the xAPI statement the transcripts feature counts (docs/transcripts.md,
"Evidence" and "Mapping rules and JP"):

* actor: the NIP's account at the registry's NIP home page (linked on sight);
* verb: the mapping's (default ADL `completed`, one of HUB_TRANSCRIPT_VERBS);
* object: the activity, with its names (`id-ID`, `en-US`) and type;
* timestamp: the day at 00:00 in Jakarta (WIB), so the day's year is the year it counts for;
* result: the JP claim in the JP extension, the duration, score, completion, success;
* context: the platform, and the competency code in transcripts' competency extension
  (counted when the importing credential holds scope `competency/claim`).

The id is a UUID version 5 over the importing credential, NIP, activity id and day, so
the same row imported again is the same statement (the LRS stores it once).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from connectors.imports.mapping import ImportMapping
from connectors.imports.rows import Completion
from transcripts.service import COMPETENCY_EXTENSION

# Fixed for ever: changing it would give every imported row a new id (and a re-import
# would store everything again).
IMPORT_NAMESPACE = uuid.UUID("6b1ce106-93de-4372-a833-5a59eb098bc5")


def statement_id(credential_key: str, nip: str, activity_id: str, day: date) -> str:
    """The row's identity: who imported it, who learned, what, and on which day."""
    name = "\n".join((credential_key, nip, activity_id, day.isoformat()))
    return str(uuid.uuid5(IMPORT_NAMESPACE, name))


def build_statement(row: Completion, mapping: ImportMapping, *, credential_key: str,
                    actor: dict[str, Any], jp_extension: str) -> dict[str, Any]:
    constants = mapping.constants
    statement: dict[str, Any] = {
        "id": statement_id(credential_key, row.nip, row.activity_id, row.day),
        "actor": actor,
        "verb": {"id": constants.verb, "display": {"en-US": _verb_word(constants.verb)}},
        "object": {"objectType": "Activity", "id": row.activity_id},
        # Midnight WIB: Asia/Jakarta is UTC+7 without daylight saving.
        "timestamp": f"{row.day.isoformat()}T00:00:00+07:00",
    }
    definition: dict[str, Any] = {}
    names = {language: name for language, name in (("id-ID", row.name_id),
                                                   ("en-US", row.name_en)) if name}
    if names:
        definition["name"] = names
    if constants.activity_type:
        definition["type"] = constants.activity_type
    if definition:
        statement["object"]["definition"] = definition
    result = _result(row, mapping, jp_extension)
    if result:
        statement["result"] = result
    context: dict[str, Any] = {}
    if constants.platform:
        context["platform"] = constants.platform
    if row.competency:
        context["extensions"] = {COMPETENCY_EXTENSION: row.competency}
    if context:
        statement["context"] = context
    return statement


def _result(row: Completion, mapping: ImportMapping, jp_extension: str) -> dict[str, Any]:
    result: dict[str, Any] = {}
    if row.score is not None:
        low, high = mapping.score_min, mapping.score_max
        result["score"] = {"raw": row.score, "min": _whole(low), "max": _whole(high),
                           "scaled": round((row.score - low) / (high - low), 4)}
    if row.success is not None:
        result["success"] = row.success
    if row.completion is not None:
        result["completion"] = row.completion
    if row.duration is not None:
        result["duration"] = row.duration
    if row.jp is not None:
        result["extensions"] = {jp_extension: row.jp}
    return result


def _whole(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _verb_word(verb: str) -> str:
    return verb.rstrip("/").rsplit("/", 1)[-1] or verb
