"""The `format` parameter of statement queries (xAPI 1.0.3 Communication 2.1.3)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from lrs.identifiers import ifi_only

FORMATS = ("exact", "ids", "canonical")
_LANGUAGE_MAPS = ("name", "description")
_COMPONENT_LISTS = ("choices", "scale", "source", "target", "steps")

PickLanguage = Callable[[list[str]], str | None]
CanonicalDefinition = Callable[[str], dict[str, Any] | None]


def format_statement(statement: dict[str, Any], fmt: str, *, pick_language: PickLanguage,
                     canonical: CanonicalDefinition) -> dict[str, Any]:
    if fmt == "exact":
        return statement
    result = copy.deepcopy(statement)
    if fmt == "ids":
        _to_ids(result)
    else:
        _to_canonical(result, pick_language, canonical)
    return result


def _to_ids(statement: dict[str, Any]) -> None:
    """xAPI 1.0.3 Communication 2.1.3 (format table): Agents and Groups keep only their
    identifier (Groups also their objectType and members' identifiers), Activities and
    Verbs only their id — in the statement and in a SubStatement alike."""
    if "authority" in statement:
        statement["authority"] = ifi_only(statement["authority"])
    _parts_to_ids(statement)


def _parts_to_ids(statement: dict[str, Any]) -> None:
    statement["actor"] = ifi_only(statement["actor"])
    statement["verb"] = {"id": statement["verb"]["id"]}
    target = statement["object"]
    kind = target.get("objectType", "Activity")
    if kind == "Activity":
        statement["object"] = _activity_id(target)
    elif kind in ("Agent", "Group"):
        statement["object"] = ifi_only(target)
    elif kind == "SubStatement":
        _parts_to_ids(target)
    context = statement.get("context") or {}
    for role in ("instructor", "team"):
        if role in context:
            context[role] = ifi_only(context[role])
    for kind, activities in (context.get("contextActivities") or {}).items():
        context["contextActivities"][kind] = (
            [_activity_id(a) for a in activities] if isinstance(activities, list)
            else _activity_id(activities))
    for entry in context.get("contextAgents") or ():  # xAPI 2.0
        entry["agent"] = ifi_only(entry["agent"])
    for entry in context.get("contextGroups") or ():
        entry["group"] = ifi_only(entry["group"])


def _activity_id(activity: dict[str, Any]) -> dict[str, Any]:
    return {"id": activity["id"]}  # "For Activity Objects this is the Activity id"


def _to_canonical(statement: dict[str, Any], pick: PickLanguage,
                  canonical: CanonicalDefinition) -> None:
    _one_language(statement["verb"], "display", pick)
    if statement["object"].get("objectType") == "SubStatement":
        _one_language(statement["object"]["verb"], "display", pick)
    for activity in _activities(statement):
        definition = canonical(activity["id"])
        if definition:
            activity["definition"] = copy.deepcopy(definition)
        if "definition" in activity:
            _filter_definition(activity["definition"], pick)


def _activities(statement: dict[str, Any]):
    target = statement["object"]
    kind = target.get("objectType", "Activity")
    if kind == "Activity":
        yield target
    elif kind == "SubStatement":
        yield from _activities(target)
    for activities in ((statement.get("context") or {}).get("contextActivities") or {}).values():
        yield from (activities if isinstance(activities, list) else [activities])


def _filter_definition(definition: dict[str, Any], pick: PickLanguage) -> None:
    for key in _LANGUAGE_MAPS:
        _one_language(definition, key, pick)
    for key in _COMPONENT_LISTS:
        for component in definition.get(key) or ():
            _one_language(component, "description", pick)


def _one_language(holder: dict[str, Any], key: str, pick: PickLanguage) -> None:
    """xAPI 1.0.3 Communication 2.1.3.s4: one language per map, chosen by Accept-Language."""
    language_map = holder.get(key)
    if not isinstance(language_map, dict) or len(language_map) <= 1:
        return
    chosen = pick(list(language_map)) or next(iter(language_map))
    holder[key] = {chosen: language_map[chosen]}
