"""From a validated statement to what the store keeps: filled-in properties,
index entries for queries, and the digest that decides "same statement"."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from datetime import datetime
from typing import Any

import orjson

from hub.timestamps import format_timestamp, parse_timestamp
from lrs.identifiers import agent_key
from lrs.storage.contract import IndexEntry, StatementRecord

VOIDED_VERB = "http://adlnet.gov/expapi/verbs/voided"
CONTEXT_ACTIVITY_KINDS = ("parent", "grouping", "category", "other")


def complete_statement(
    statement: dict[str, Any], *, version: str, stored: datetime, authority: dict[str, Any]
) -> dict[str, Any]:
    """Fill what the LRS sets (xAPI 1.0.3 Data 2.4: id, stored, authority, version, timestamp)."""
    full = _context_activities_as_lists(dict(statement))  # copies what it changes
    full["id"] = (full.get("id") or str(uuid.uuid4())).lower()
    full["stored"] = format_timestamp(stored)
    full["authority"] = authority
    full.setdefault("version", "1.0.0" if version == "1.0.3" else "2.0.0")
    if "timestamp" not in full:
        full["timestamp"] = full["stored"]
    elif version == "2.0.0":
        # xAPI 2.0 Part 2 §4.2.7: timestamps are stored in UTC.
        full["timestamp"] = _utc_preserving_precision(full["timestamp"])
    return full


def _context_activities_as_lists(statement: dict[str, Any]) -> dict[str, Any]:
    """xAPI 1.0.3 Data 2.4.6.2.s4, 2.0 §4.2.4.2: every contextActivities value is
    returned as an array, a single Activity as an array of one — in a SubStatement too.
    Returns `statement` with new dicts wherever something changed (the caller's stay as
    received: the comparison digest and signatures are taken from them)."""
    context = statement.get("context")
    if isinstance(context, dict) and isinstance(context.get("contextActivities"), dict):
        listed = _listed(context["contextActivities"])
        if listed != context["contextActivities"]:
            statement["context"] = {**context, "contextActivities": listed}
    target = statement.get("object")
    if isinstance(target, dict) and target.get("objectType") == "SubStatement":
        statement["object"] = _context_activities_as_lists(dict(target))
    return statement


def _listed(context_activities: dict[str, Any]) -> dict[str, Any]:
    return {kind: value if isinstance(value, list) else [value]
            for kind, value in context_activities.items()}


def _utc_preserving_precision(value: str) -> str:
    moment = parse_timestamp(value)
    spec = "microseconds" if moment.microsecond % 1000 else "milliseconds"
    return moment.isoformat(timespec=spec).replace("+00:00", "Z")


def comparison_digest(statement: dict[str, Any]) -> str:
    """Equal for statements the spec calls the same (xAPI 1.0.3 Data 2.3.1 comparison):
    LRS-set properties, key order, UUID case, member order and timestamp form ignored."""
    form = {k: v for k, v in _comparable(statement).items()
            if k not in ("id", "authority", "stored", "version")}
    if "timestamp" in form:
        form["timestamp"] = parse_timestamp(form["timestamp"]).isoformat()
    try:
        canonical = orjson.dumps(form, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # an integer beyond 64 bits
        canonical = json.dumps(form, sort_keys=True, separators=(",", ":"),
                               ensure_ascii=False).encode()
    return hashlib.sha256(canonical).hexdigest()


# Only the places the spec gives UUIDs and Group members are normalised (copied on the
# way down); everything else — extensions included — is compared exactly as sent.
def _comparable(statement: dict[str, Any]) -> dict[str, Any]:
    form = dict(statement)
    result = form.get("result")
    if isinstance(result, dict) and isinstance(result.get("duration"), str):
        form["result"] = {**result, "duration": _hundredths(result["duration"])}
    for key in ("actor", "object"):
        if isinstance(form.get(key), dict):
            form[key] = _comparable_object(form[key])
    if isinstance(form.get("context"), dict):
        form["context"] = _comparable_context(form["context"])
    return form


# Seconds with more than two decimals: xAPI 1.0.3 Data 4.6 / 2.0 §4.2.7 leave any
# precision beyond 0.01 s out of comparisons.  Shorter forms are kept as sent.
_FINE_SECONDS = re.compile(r"(\d+\.\d\d)\d+S$")


def _hundredths(duration: str) -> str:
    return _FINE_SECONDS.sub(r"\1S", duration)


def _comparable_object(target: dict[str, Any]) -> dict[str, Any]:
    kind = target.get("objectType")
    if kind == "SubStatement":
        return _comparable(target)
    if kind == "StatementRef" and isinstance(target.get("id"), str):
        return {**target, "id": target["id"].lower()}
    if kind == "Group" and isinstance(target.get("member"), list):
        members = sorted(target["member"], key=lambda m: json.dumps(m, sort_keys=True))
        return {**target, "member": members}
    return target


def _comparable_context(context: dict[str, Any]) -> dict[str, Any]:
    context = dict(context)
    if isinstance(context.get("contextActivities"), dict):  # one Activity = a list of one
        context["contextActivities"] = _listed(context["contextActivities"])
    if isinstance(context.get("registration"), str):
        context["registration"] = context["registration"].lower()
    if isinstance(context.get("statement"), dict):
        context["statement"] = _comparable_object(context["statement"])
    for role in ("team", "instructor"):
        if isinstance(context.get(role), dict):
            context[role] = _comparable_object(context[role])
    if isinstance(context.get("contextGroups"), list):  # xAPI 2.0
        context["contextGroups"] = [
            {**entry, "group": _comparable_object(entry["group"])}
            if isinstance(entry, dict) and isinstance(entry.get("group"), dict) else entry
            for entry in context["contextGroups"]]
    return context


def index_entries(statement: dict[str, Any]) -> frozenset[IndexEntry]:
    """What the statement can be queried by (xAPI Communication 2.1.3 filters)."""
    entries: set[IndexEntry] = {("verb", statement["verb"]["id"])}
    context = statement.get("context") or {}
    if "registration" in context:
        entries.add(("registration", context["registration"].lower()))
    for key in _actor_keys(statement["actor"]):
        entries |= {("agent", key), ("related_agent", key)}
    target = statement["object"]
    target_type = target.get("objectType", "Activity")
    if target_type in ("Agent", "Group"):
        for key in _actor_keys(target):
            entries |= {("agent", key), ("related_agent", key)}
    elif target_type == "Activity":
        entries |= {("activity", target["id"]), ("related_activity", target["id"])}
    elif target_type == "SubStatement":
        entries |= {("related_agent", k) for k in _related_agent_keys(target)}
        entries |= {("related_activity", a) for a in _related_activity_ids(target)}
    entries |= {("related_agent", k) for k in _related_agent_keys(statement)}
    entries |= {("related_activity", a) for a in _related_activity_ids(statement)}
    return frozenset(entries)


def _actor_keys(actor: dict[str, Any]) -> set[str]:
    """The actor's own key, plus its members' for a Group (they match the agent filter)."""
    candidates = [actor, *(actor.get("member") or ())]
    return {key for key in map(agent_key, candidates) if key is not None}


def _related_agent_keys(statement: dict[str, Any]) -> set[str]:
    keys = _actor_keys(statement["actor"])
    target = statement["object"]
    if target.get("objectType") in ("Agent", "Group"):
        keys |= _actor_keys(target)
    if statement.get("authority"):
        keys |= _actor_keys(statement["authority"])
    context = statement.get("context") or {}
    for role in ("instructor", "team"):
        if role in context:
            keys |= _actor_keys(context[role])
    for entry in context.get("contextAgents") or ():  # xAPI 2.0
        keys |= _actor_keys(entry["agent"])
    for entry in context.get("contextGroups") or ():
        keys |= _actor_keys(entry["group"])
    return keys


def _related_activity_ids(statement: dict[str, Any]) -> set[str]:
    ids: set[str] = set()
    target = statement["object"]
    if target.get("objectType", "Activity") == "Activity":
        ids.add(target["id"])
    context_activities = (statement.get("context") or {}).get("contextActivities") or {}
    for kind in CONTEXT_ACTIVITY_KINDS:
        value = context_activities.get(kind)
        for activity in [value] if isinstance(value, dict) else value or ():
            ids.add(activity["id"])
    return ids


def activity_definitions(statement: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every Activity the statement carries (object, context, sub-statement), by id."""
    found: dict[str, dict[str, Any]] = {}

    def visit(activity: dict[str, Any]) -> None:
        found[activity["id"]] = activity.get("definition") or {}

    def walk(stmt: dict[str, Any]) -> None:
        target = stmt["object"]
        if target.get("objectType", "Activity") == "Activity":
            visit(target)
        elif target.get("objectType") == "SubStatement":
            walk(target)
        context_activities = (stmt.get("context") or {}).get("contextActivities") or {}
        for kind in CONTEXT_ACTIVITY_KINDS:
            value = context_activities.get(kind)
            for activity in [value] if isinstance(value, dict) else value or ():
                visit(activity)

    walk(statement)
    return found


def build_record(
    statement: dict[str, Any], *, received: dict[str, Any], stored: datetime,
    attachment_hashes: tuple[str, ...], learn_definitions: bool,
    voids_any_authority: bool = False,
) -> StatementRecord:
    target = statement["object"]
    ref = target["id"].lower() if target.get("objectType") == "StatementRef" else None
    return StatementRecord(
        id=statement["id"],
        document=statement,
        stored=stored,
        comparison_digest=comparison_digest(received),
        authority_key=agent_key(statement["authority"]) or "",
        index=index_entries(statement),
        object_statement_id=ref,
        voiding_target=ref if statement["verb"]["id"] == VOIDED_VERB else None,
        voids_any_authority=voids_any_authority,
        attachment_hashes=attachment_hashes,
        # xAPI 1.0.3 Communication 4.2 `define`: without it ids are learned, definitions not.
        activity_definitions={
            activity_id: definition if learn_definitions else {}
            for activity_id, definition in activity_definitions(statement).items()
        },
    )
