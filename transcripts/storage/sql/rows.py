"""Rows ↔ records for the transcripts tables, and statements shared by the stores and the
transcripts session (they run on whatever connection they are given).  `utc`, `aware` and
`upsert` are re-exported from hub.storage.sql.common for the transcripts stores."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Connection, Row, and_, select, update

from hub.storage.sql.common import aware, upsert, utc
from transcripts.storage.contract import (
    Competency,
    CompetencyLevel,
    EvidenceRecord,
    IdentityConflict,
    IdentityLink,
    MappingRule,
    Person,
)
from transcripts.storage.sql.tables import (
    transcript_competencies,
    transcript_evidence,
    transcript_identities,
    transcript_identity_conflicts,
    transcript_mapping_rules,
    transcript_people,
)

CHUNK = 500
__all__ = ["aware", "upsert", "utc"]  # and the functions below


def chunks(values: Iterable[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


# --- people and identities ------------------------------------------------------
def person_row(person: Person) -> dict[str, Any]:
    return {"nip": person.nip, "name": person.name, "employee_type": person.employee_type,
            "agency": person.agency, "unit": person.unit, "source": person.source,
            "updated_at": utc(person.updated_at)}


def person_of(row: Row[Any]) -> Person:
    return Person(nip=row.nip, name=row.name, employee_type=row.employee_type,
                  agency=row.agency, unit=row.unit, source=row.source,
                  updated_at=aware(row.updated_at))


def link_row(link: IdentityLink) -> dict[str, Any]:
    return {"key": link.key, "identifier": link.identifier, "kind": link.kind,
            "value": link.value, "nip": link.nip, "source": link.source,
            "linked_at": utc(link.linked_at)}


def link_of(row: Row[Any]) -> IdentityLink:
    return IdentityLink(key=row.key, identifier=row.identifier, kind=row.kind, value=row.value,
                        nip=row.nip, source=row.source, linked_at=aware(row.linked_at))


def conflict_of(row: Row[Any]) -> IdentityConflict:
    return IdentityConflict(key=row.key, identifier=row.identifier, value=row.value,
                            linked_nip=row.linked_nip, claimed_nip=row.claimed_nip,
                            source=row.source, reported_at=aware(row.reported_at), id=row.id,
                            resolved_at=aware(row.resolved_at))


def upsert_people(conn: Connection, people: Sequence[Person]) -> None:
    rows = list({p.nip: person_row(p) for p in people}.values())
    for batch in chunks(rows):
        statement = upsert(conn, transcript_people)
        conn.execute(statement.on_conflict_do_update(
            index_elements=["nip"],
            set_={c: statement.excluded[c] for c in
                  ("name", "employee_type", "agency", "unit", "source", "updated_at")}),
            batch)


def insert_missing_people(conn: Connection, people: Sequence[Person]) -> None:
    rows = list({p.nip: person_row(p) for p in people}.values())
    for batch in chunks(rows):
        conn.execute(upsert(conn, transcript_people).on_conflict_do_nothing(), batch)


def find_people(conn: Connection, nips: Iterable[str]) -> dict[str, Person]:
    found: dict[str, Person] = {}
    for batch in chunks(set(nips)):
        rows = conn.execute(select(transcript_people).where(transcript_people.c.nip.in_(batch)))
        found.update({row.nip: person_of(row) for row in rows})
    return found


def find_links(conn: Connection, keys: Iterable[str]) -> dict[str, IdentityLink]:
    found: dict[str, IdentityLink] = {}
    for batch in chunks(set(keys)):
        rows = conn.execute(select(transcript_identities)
                            .where(transcript_identities.c.key.in_(batch)))
        found.update({row.key: link_of(row) for row in rows})
    return found


def link_identities(conn: Connection, links: Sequence[IdentityLink]) -> dict[str, IdentityLink]:
    rows = list({link.key: link_row(link) for link in links}.values())
    for batch in chunks(rows):
        conn.execute(upsert(conn, transcript_identities).on_conflict_do_nothing(), batch)
    return find_links(conn, [row["key"] for row in rows])


def report_conflicts(conn: Connection, conflicts: Sequence[IdentityConflict]
                     ) -> list[IdentityConflict]:
    recorded = []
    c = transcript_identity_conflicts.c
    for conflict in conflicts:
        already = conn.execute(select(c.id).where(
            c.key == conflict.key, c.claimed_nip == conflict.claimed_nip,
            c.linked_nip == conflict.linked_nip, c.resolved_at.is_(None))).first()
        if already:
            continue
        result = conn.execute(transcript_identity_conflicts.insert().values(
            key=conflict.key, identifier=conflict.identifier, value=conflict.value,
            linked_nip=conflict.linked_nip, claimed_nip=conflict.claimed_nip,
            source=conflict.source, reported_at=utc(conflict.reported_at)))
        key = result.inserted_primary_key
        assert key is not None  # an INSERT of one row always has its key
        recorded.append(replace(conflict, id=key[0]))
    return recorded


def resolve_conflicts(conn: Connection, key: str, when: datetime) -> int:
    c = transcript_identity_conflicts.c
    return conn.execute(update(transcript_identity_conflicts)
                        .where(and_(c.key == key, c.resolved_at.is_(None)))
                        .values(resolved_at=utc(when))).rowcount


# --- frameworks and rules ---------------------------------------------------------
def competency_row(competency: Competency) -> dict[str, Any]:
    return {"id": competency.id, "framework_id": competency.framework_id,
            "code": competency.code, "name": competency.name, "type": competency.type,
            "levels": [{"level": lv.level, "description": lv.description}
                       for lv in competency.levels],
            "uri": competency.uri}


def competency_of(row: Row[Any]) -> Competency:
    return Competency(id=row.id, framework_id=row.framework_id, code=row.code, name=row.name,
                      type=row.type, uri=row.uri,
                      levels=tuple(CompetencyLevel(lv["level"], lv["description"])
                                   for lv in row.levels))


def competencies(conn: Connection, framework_id: str | None = None) -> dict[str, Competency]:
    query = select(transcript_competencies)
    if framework_id is not None:
        query = query.where(transcript_competencies.c.framework_id == framework_id)
    return {row.id: competency_of(row) for row in conn.execute(query)}


def rule_of(row: Row[Any]) -> MappingRule:
    return MappingRule(kind=row.kind, pattern=row.pattern, competency_id=row.competency_id,
                       level=row.level, jp_centi=row.jp_centi,
                       created_at=aware(row.created_at), id=row.id)


def list_rules(conn: Connection) -> list[MappingRule]:
    rows = conn.execute(select(transcript_mapping_rules)
                        .order_by(transcript_mapping_rules.c.id))
    return [rule_of(row) for row in rows]


# --- evidence ------------------------------------------------------------------
_EVIDENCE_FIELDS = ("statement_id", "seq", "nip", "year", "identity_key", "activity_id",
                    "activity_name", "activity_type", "verb", "timestamp", "authority",
                    "provider", "platform", "score_centi", "claimed_jp_centi",
                    "duration_seconds", "competency_id", "level", "jp_centi", "jp_source",
                    "claimed_competency", "claim_outcome")


def evidence_row(record: EvidenceRecord) -> dict[str, Any]:
    row = {name: getattr(record, name) for name in _EVIDENCE_FIELDS}
    row["timestamp"] = utc(record.timestamp)
    return row


_TIMESTAMP = _EVIDENCE_FIELDS.index("timestamp")


def evidence_of(row: Row[Any]) -> EvidenceRecord:
    """From a row selected with `evidence_columns()` (positional: this is the hot path of
    reading a transcript, thousands of rows per call)."""
    values = tuple(row)
    # positional, in the order of _EVIDENCE_FIELDS, which mypy cannot follow
    return EvidenceRecord(*values[:_TIMESTAMP], aware(values[_TIMESTAMP]),  # type: ignore[call-arg]
                          *values[_TIMESTAMP + 1:])


def evidence_columns() -> list[Column[Any]]:
    return [transcript_evidence.c[name] for name in _EVIDENCE_FIELDS]
