"""Competency frameworks, competencies and mapping rules on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from sqlalchemy import Engine, delete, func, select, true

from hub.storage.sql.common import connection, write_transaction
from transcripts.storage.contract import Competency, Framework, MappingRule
from transcripts.storage.sql import rows
from transcripts.storage.sql.tables import (
    transcript_competencies,
    transcript_frameworks,
    transcript_mapping_rules,
)


def pattern_key(kind: str, pattern: str) -> str:
    return hashlib.sha256(f"{kind}\n{pattern}".encode()).hexdigest()


class SqlFrameworkStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def save_framework(self, framework: Framework, competencies: Sequence[Competency]) -> None:
        with write_transaction(self._engine) as conn:
            statement = rows.upsert(conn, transcript_frameworks)
            conn.execute(statement.on_conflict_do_update(
                index_elements=["id"],
                set_={c: statement.excluded[c]
                      for c in ("title", "format", "uri", "version", "imported_at")}),
                {"id": framework.id, "title": framework.title, "format": framework.format,
                 "uri": framework.uri, "version": framework.version,
                 "imported_at": rows.utc(framework.imported_at)})
            keep = [c.id for c in competencies]
            c = transcript_competencies.c
            # Upsert rather than delete-and-insert: mapping rules reference competencies.
            conn.execute(delete(transcript_competencies).where(
                c.framework_id == framework.id, c.id.not_in(keep) if keep else true()))
            for batch in rows.chunks([rows.competency_row(x) for x in competencies]):
                upsert = rows.upsert(conn, transcript_competencies)
                conn.execute(upsert.on_conflict_do_update(
                    index_elements=["id"],
                    set_={k: upsert.excluded[k]
                          for k in ("framework_id", "code", "name", "type", "levels", "uri")}),
                    batch)

    def list_frameworks(self) -> list[Framework]:
        counts = (select(transcript_competencies.c.framework_id,
                         func.count().label("n"))
                  .group_by(transcript_competencies.c.framework_id).subquery())
        query = (select(transcript_frameworks, counts.c.n)
                 .select_from(transcript_frameworks.outerjoin(
                     counts, counts.c.framework_id == transcript_frameworks.c.id))
                 .order_by(transcript_frameworks.c.id))
        with connection(self._engine) as conn:
            return [Framework(id=r.id, title=r.title, format=r.format, uri=r.uri,
                              version=r.version, imported_at=rows.aware(r.imported_at),
                              competency_count=r.n or 0) for r in conn.execute(query)]

    def get_framework(self, framework_id: str) -> Framework | None:
        return next((f for f in self.list_frameworks() if f.id == framework_id), None)

    def competencies(self, framework_id: str | None = None) -> dict[str, Competency]:
        with connection(self._engine) as conn:
            return rows.competencies(conn, framework_id)

    def rules_using(self, competency_ids: Iterable[str]) -> list[MappingRule]:
        ids = list(set(competency_ids))
        if not ids:
            return []
        with connection(self._engine) as conn:
            result = conn.execute(select(transcript_mapping_rules).where(
                transcript_mapping_rules.c.competency_id.in_(ids)))
            return [rows.rule_of(row) for row in result]

    def insert_rule(self, rule: MappingRule) -> MappingRule:
        key = pattern_key(rule.kind, rule.pattern)
        values = {"kind": rule.kind, "pattern": rule.pattern, "pattern_key": key,
                  "competency_id": rule.competency_id, "level": rule.level,
                  "jp_centi": rule.jp_centi, "created_at": rows.utc(rule.created_at)}
        with write_transaction(self._engine) as conn:
            statement = rows.upsert(conn, transcript_mapping_rules)
            conn.execute(statement.on_conflict_do_update(
                index_elements=["pattern_key"],
                set_={k: statement.excluded[k]
                      for k in ("competency_id", "level", "jp_centi", "created_at")}),
                values)
            row = conn.execute(select(transcript_mapping_rules).where(
                transcript_mapping_rules.c.pattern_key == key)).one()
            return rows.rule_of(row)

    def list_rules(self) -> list[MappingRule]:
        with connection(self._engine) as conn:
            return rows.list_rules(conn)

    def delete_rule(self, rule_id: int) -> bool:
        with write_transaction(self._engine) as conn:
            return conn.execute(delete(transcript_mapping_rules).where(
                transcript_mapping_rules.c.id == rule_id)).rowcount == 1
