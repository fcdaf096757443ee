"""From evidence to a transcript: lines, totals per competency type, competencies
reached and compliance.  Pure functions; the same code serves the incremental path,
`rebuild` and every read, so they cannot disagree.

* One activity counts once per person per year (HUB_TRANSCRIPT_COUNT_REPEATS=false):
  its line shows the statement that earned the most JP (ties: the earliest, then the
  smallest statement id), the best score among them, and lists every statement id.
  With repeats counted, each statement is a line of its own.
* Total JP counts every line, whether or not a rule maps it to a competency; lines
  without a competency are reported as "unmapped".
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, overload

from transcripts.storage.contract import (
    COMPETENCY_TYPES,
    Competency,
    EvidenceRecord,
    Person,
    YearSummary,
)

UNMAPPED = "unmapped"
JP_TYPES = (*COMPETENCY_TYPES, UNMAPPED)


@dataclass(frozen=True)
class TranscriptLine:
    activity_id: str
    activity_name: str
    activity_type: str | None
    provider: str | None
    platform: str | None
    date: datetime
    verb: str
    score_centi: int | None
    jp_centi: int
    jp_source: str
    competency_id: str | None
    level: int | None
    statement_ids: tuple[str, ...]
    claimed_competency: str | None = None
    claim_outcome: str | None = None


@dataclass(frozen=True)
class CompetencyReached:
    id: str
    code: str
    name: str
    type: str
    framework_id: str
    highest_level: int | None
    uri: str | None


@dataclass(frozen=True)
class Transcript:
    person: Person
    year: int
    jp_centi: int
    jp_by_type_centi: Mapping[str, int]
    required_jp_centi: int | None
    compliant: bool | None
    competencies: tuple[CompetencyReached, ...]
    lines: tuple[TranscriptLine, ...]


def _representative_order(record: EvidenceRecord) -> tuple:
    return (-record.jp_centi, record.timestamp, record.statement_id)


def transcript_lines(evidence: Iterable[EvidenceRecord], *, count_repeats: bool
                     ) -> list[TranscriptLine]:
    groups: dict[str, list[EvidenceRecord]] = defaultdict(list)
    for record in evidence:
        groups[record.statement_id if count_repeats else record.activity_id].append(record)
    lines = [_line(records) for records in groups.values()]
    lines.sort(key=lambda line: (line.date, line.activity_id, line.statement_ids))
    return lines


def _line(records: list[EvidenceRecord]) -> TranscriptLine:
    if len(records) == 1:  # the common case, kept cheap: thousands per transcript
        best = records[0]
        scores = [] if best.score_centi is None else [best.score_centi]
        ordered = records
    else:
        best = min(records, key=_representative_order)
        scores = [r.score_centi for r in records if r.score_centi is not None]
        ordered = sorted(records, key=lambda r: (r.timestamp, r.statement_id))
    return TranscriptLine(
        activity_id=best.activity_id,
        activity_name=best.activity_name,
        activity_type=best.activity_type,
        provider=best.provider,
        platform=best.platform,
        date=best.timestamp,
        verb=best.verb,
        score_centi=max(scores) if scores else None,
        jp_centi=best.jp_centi,
        jp_source=best.jp_source,
        competency_id=best.competency_id,
        level=best.level,
        statement_ids=tuple(r.statement_id for r in ordered),
        claimed_competency=best.claimed_competency,
        claim_outcome=best.claim_outcome,
    )


def jp_by_type(lines: Iterable[TranscriptLine], competencies: Mapping[str, Competency]
               ) -> dict[str, int]:
    totals = dict.fromkeys(JP_TYPES, 0)
    for line in lines:
        competency = competencies.get(line.competency_id) if line.competency_id else None
        totals[competency.type if competency else UNMAPPED] += line.jp_centi
    return totals


def competencies_reached(lines: Iterable[TranscriptLine],
                         competencies: Mapping[str, Competency]) -> list[CompetencyReached]:
    highest: dict[str, int | None] = {}
    for line in lines:
        if line.competency_id is None or line.competency_id not in competencies:
            continue
        known = highest.get(line.competency_id)
        if line.competency_id not in highest or (
                line.level is not None and (known is None or line.level > known)):
            highest[line.competency_id] = line.level
    reached = []
    for competency_id, level in highest.items():
        c = competencies[competency_id]
        reached.append(CompetencyReached(id=c.id, code=c.code, name=c.name, type=c.type,
                                         framework_id=c.framework_id, highest_level=level,
                                         uri=c.uri))
    reached.sort(key=lambda c: (JP_TYPES.index(c.type), c.code, c.id))
    return reached


def summarize(nip: str, year: int, evidence: Sequence[EvidenceRecord],
              competencies: Mapping[str, Competency], *, count_repeats: bool,
              now: datetime) -> YearSummary:
    lines = transcript_lines(evidence, count_repeats=count_repeats)
    by_type = jp_by_type(lines, competencies)
    return YearSummary(nip=nip, year=year, jp_centi=sum(line.jp_centi for line in lines),
                       jp_by_type_centi=by_type, activity_count=len(lines), updated_at=now)


def summaries_for(evidence: Iterable[EvidenceRecord], pairs: Iterable[tuple[str, int]],
                  competencies: Mapping[str, Competency], *, count_repeats: bool,
                  now: datetime) -> list[YearSummary]:
    """A summary for every pair that still has evidence."""
    grouped: dict[tuple[str, int], list[EvidenceRecord]] = defaultdict(list)
    wanted = set(pairs)
    for record in evidence:
        if (record.nip, record.year) in wanted:
            grouped[(record.nip, record.year)].append(record)
    return [summarize(nip, year, records, competencies, count_repeats=count_repeats, now=now)
            for (nip, year), records in sorted(grouped.items())]


def compliance(employee_type: str | None, jp_centi: int,
               requirements_centi: Mapping[str, int]) -> tuple[int | None, bool | None]:
    """(required centi-JP, compliant); (None, None) when the employee type is unknown."""
    required = requirements_centi.get(employee_type) if employee_type else None
    if required is None:
        return None, None
    return required, jp_centi >= required


def build_transcript(person: Person, year: int, evidence: Sequence[EvidenceRecord],
                     competencies: Mapping[str, Competency], *, count_repeats: bool,
                     requirements_centi: Mapping[str, int]) -> Transcript:
    lines = transcript_lines(evidence, count_repeats=count_repeats)
    total = sum(line.jp_centi for line in lines)
    required, compliant = compliance(person.employee_type, total, requirements_centi)
    return Transcript(
        person=person, year=year, jp_centi=total,
        jp_by_type_centi=jp_by_type(lines, competencies),
        required_jp_centi=required, compliant=compliant,
        competencies=tuple(competencies_reached(lines, competencies)),
        lines=tuple(lines),
    )


# --- rendering ----------------------------------------------------------------
@overload
def jp(centi: int) -> int | float: ...


@overload
def jp(centi: None) -> None: ...


def jp(centi: int | None) -> int | float | None:
    """centi-JP as a JSON number: 2000 → 20, 2350 → 23.5, 333 → 3.33."""
    if centi is None:
        return None
    return centi // 100 if centi % 100 == 0 else round(centi / 100, 2)


def utc_text(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def line_json(line: TranscriptLine) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "activity_id": line.activity_id,
        "name": line.activity_name,
        "activity_type": line.activity_type,
        "provider": line.provider,
        "platform": line.platform,
        "date": utc_text(line.date),
        "verb": line.verb,
        "score": jp(line.score_centi),  # percent, same two-decimal rendering
        "jp": jp(line.jp_centi),
        "jp_source": line.jp_source,
        "competency_id": line.competency_id,
        "level": line.level,
        "statement_ids": list(line.statement_ids),
    }
    # Only on lines whose statement claims a competency: the content (and digest) of
    # every other transcript stays what it was before claims were read.
    if line.claimed_competency is not None:
        shown["competency_claim"] = {"code": line.claimed_competency,
                                     "outcome": line.claim_outcome}
    return shown


def transcript_content(transcript: Transcript) -> dict[str, Any]:
    """What the transcript asserts about the person's learning: the part a signed copy
    vouches for and whose digest tells whether it changed.  Registry details that are not
    learning (name, agency, unit) are left out."""
    return {
        "nip": transcript.person.nip,
        "year": transcript.year,
        "employee_type": transcript.person.employee_type,
        "total_jp": jp(transcript.jp_centi),
        "jp_by_type": {kind: jp(value) for kind, value in transcript.jp_by_type_centi.items()},
        "required_jp": jp(transcript.required_jp_centi),
        "compliant": transcript.compliant,
        "competencies": [
            {"id": c.id, "code": c.code, "name": c.name, "type": c.type,
             "framework_id": c.framework_id, "highest_level": c.highest_level}
            for c in transcript.competencies
        ],
        "activities": [line_json(line) for line in transcript.lines],
    }


def transcript_json(transcript: Transcript) -> dict[str, Any]:
    person = transcript.person
    content = transcript_content(transcript)
    return {
        "nip": person.nip,
        "name": person.name,
        "employee_type": person.employee_type,
        "agency": person.agency,
        "unit": person.unit,
        **{k: v for k, v in content.items() if k not in ("nip", "employee_type")},
        "digest": content_digest(content),
    }


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def transcript_digest(transcript: Transcript) -> str:
    return content_digest(transcript_content(transcript))


def content_digest(content: dict[str, Any]) -> str:
    """Subresource Integrity form (`sha256-<base64>`), as VC Data Model 2.0 §5.3 uses."""
    digest = hashlib.sha256(canonical_json(content)).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")
