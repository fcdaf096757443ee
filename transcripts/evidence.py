"""Which statements count for a transcript, and the facts read from one that does.

Pure functions over statement documents (no Flask, no storage).  The rules
(docs/transcripts.md, "Evidence"):

* the verb is one of the counted verbs (completed, passed, mastered by default);
  `failed` never counts, nor does a statement whose `result.success` is false;
* the object is an Activity and the actor an Agent (Groups do not earn JP);
* voided statements never count (the feed says which are voided);
* the year is the year of `timestamp` in Asia/Jakarta time (WIB, UTC+7).
"""

from __future__ import annotations

import json
import math
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import isodate

from hub.timestamps import parse_timestamp
from lrs.service import agent_key
from transcripts.identifiers import Actor, actor_of

JP_EXTENSION = "https://berpijar.id/xapi/extensions/jp"
# The competency the statement says the learning was for: a competency id, CASE URI or
# code (transcripts.mapping.CompetencyClaims); believed only from some credentials.
COMPETENCY_EXTENSION = "https://berpijar.id/xapi/extensions/competency"
MAX_CLAIM_LENGTH = 200  # as long as a competency id may be
FAILED_VERB = "http://adlnet.gov/expapi/verbs/failed"
DEFAULT_COUNTED_VERBS = (
    "http://adlnet.gov/expapi/verbs/completed",
    "http://adlnet.gov/expapi/verbs/passed",
    "http://adlnet.gov/expapi/verbs/mastered",
)
# Asia/Jakarta has been UTC+7 without daylight saving since 1964; a fixed offset keeps the
# year of a statement independent of the host's time zone database.
JAKARTA = timezone(timedelta(hours=7), "WIB")
MAX_DURATION_SECONDS = 366 * 24 * 3600  # longer "durations" are data errors, not learning
MAX_JP_CENTI = 1000 * 100
# A duration in years or months has no calendar to lean on: a year counts 365 days, a month 30
_DAYS_PER_YEAR, _DAYS_PER_MONTH = 365, 30
# The designator form ends with its last designator; isodate also reads the alternative
# form (PYYYY-MM-DDThh:mm:ss), which xAPI's Duration rule refuses.
_DESIGNATORS = ("Y", "M", "W", "D", "H", "S")


@dataclass(frozen=True)
class StatementFacts:
    statement_id: str
    actor: Actor
    verb: str
    activity_id: str
    activity_name: str
    activity_type: str | None
    timestamp: datetime  # UTC
    year: int
    authority: str | None
    provider: str | None
    platform: str | None
    score_centi: int | None
    claimed_jp_centi: int | None
    duration_seconds: int | None
    claimed_competency: str | None = None


def jakarta_year(moment: datetime) -> int:
    return moment.astimezone(JAKARTA).year


def duration_seconds(value: Any) -> int | None:
    """ISO 8601 duration (xAPI result.duration) in whole seconds; None when unreadable."""
    if not isinstance(value, str):
        return None
    text = _ascii_digits(value.strip())
    # isodate takes a sign and a bare trailing T (PT, P1DT); the Duration rule does not
    if not text.startswith("P") or not text.endswith(_DESIGNATORS):
        return None
    try:
        duration = isodate.parse_duration(text, as_timedelta_if_possible=False)
        elapsed = duration.tdelta + timedelta(
            days=float(duration.years * _DAYS_PER_YEAR + duration.months * _DAYS_PER_MONTH))
    except (ValueError, OverflowError):  # isodate.ISO8601Error is a ValueError
        return None
    if elapsed > timedelta(seconds=MAX_DURATION_SECONDS):
        return None
    return elapsed // timedelta(seconds=1)


def _ascii_digits(text: str) -> str:
    # The schema's \d also lets other scripts' digits (e.g. Arabic-Indic) into stored
    # statements; they have always been read as the digits they stand for.
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in text)


def jp_centi_of(value: Any) -> int | None:
    """A JP count carried by a statement (a non-negative number) in centi-JP."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not math.isfinite(value) or value < 0 or value * 100 > MAX_JP_CENTI:
        return None
    return round(value * 100)


def _language_value(names: Any) -> str | None:
    if not isinstance(names, dict) or not names:
        return None
    for language in ("id-ID", "id", "en-US", "en"):
        if isinstance(names.get(language), str):
            return names[language]
    first = next(iter(names.values()))
    return first if isinstance(first, str) else None


def _extension_values(statement: dict[str, Any], extension: str) -> Iterator[Any]:
    # The most specific place first: the result, then the context, then the activity.
    places = (statement.get("result"), statement.get("context"),
              _object(statement.get("object")).get("definition"))
    for place in places:
        extensions = place.get("extensions") if isinstance(place, dict) else None
        if isinstance(extensions, dict) and extension in extensions:
            yield extensions[extension]


def _claimed_jp(statement: dict[str, Any]) -> int | None:
    claims = (jp_centi_of(value) for value in _extension_values(statement, JP_EXTENSION))
    return next((claimed for claimed in claims if claimed is not None), None)


def claimed_competency(statement: dict[str, Any]) -> str | None:
    """The competency extension's value as text (a claim that is not a string is kept as
    its JSON, so that it shows up as an unknown code instead of vanishing)."""
    for value in _extension_values(statement, COMPETENCY_EXTENSION):
        if value is None:
            continue
        text = value.strip() if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        if text:
            return text[:MAX_CLAIM_LENGTH]
    return None


def _score_centi(result: Any) -> int | None:
    score = result.get("score") if isinstance(result, dict) else None
    if not isinstance(score, dict):
        return None
    if isinstance(score.get("scaled"), int | float) and not isinstance(score["scaled"], bool):
        return round(max(0.0, min(1.0, float(score["scaled"]))) * 10000)
    raw, low, high = (_number(score.get(key)) for key in ("raw", "min", "max"))
    if raw is not None and low is not None and high is not None and high > low:
        return round(max(0.0, min(1.0, (raw - low) / (high - low))) * 10000)
    return None


def _number(value: Any) -> float | None:
    """A JSON number (booleans are not numbers here, though Python says they are)."""
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _provider(authority: Any) -> tuple[str | None, str | None]:
    if not isinstance(authority, dict):
        return None, None
    identifier = agent_key(authority)
    name = authority.get("name")
    if not isinstance(name, str):
        account = authority.get("account")
        name = account.get("name") if isinstance(account, dict) else None
    return identifier, name


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def read_statement(document: dict[str, Any], counted_verbs: frozenset[str]) -> StatementFacts | str:
    """The facts of a statement that counts, or the reason (a short code) it does not."""
    verb = (document.get("verb") or {}).get("id")
    if verb == FAILED_VERB or verb not in counted_verbs:
        return "verb"
    result = document.get("result")
    if isinstance(result, dict) and result.get("success") is False:
        return "unsuccessful"
    activity = document.get("object") or {}
    if activity.get("objectType", "Activity") != "Activity" or "id" not in activity:
        return "object"
    actor = actor_of(document.get("actor"))
    if actor is None:
        return "actor"
    timestamp = parse_timestamp(document.get("timestamp") or document["stored"])
    definition = _object(activity.get("definition"))
    authority, provider = _provider(document.get("authority"))
    context = _object(document.get("context"))
    platform = context.get("platform") if isinstance(context.get("platform"), str) else None
    return StatementFacts(
        statement_id=document["id"],
        actor=actor,
        verb=verb,
        activity_id=activity["id"],
        activity_name=_language_value(definition.get("name")) or activity["id"],
        activity_type=definition.get("type") if isinstance(definition.get("type"), str)
        else None,
        timestamp=timestamp,
        year=jakarta_year(timestamp),
        authority=authority,
        provider=provider,
        platform=platform,
        score_centi=_score_centi(result),
        claimed_jp_centi=_claimed_jp(document),
        duration_seconds=duration_seconds(result.get("duration"))
        if isinstance(result, dict) else None,
        claimed_competency=claimed_competency(document),
    )
