"""Transcript evidence, yearly summaries, the statement-feed cursor and the auditor
queries (search, agency totals) on SQLite and PostgreSQL.

The session is one write transaction that first takes the transcripts lock: an advisory
lock on PostgreSQL, the database write lock (`BEGIN IMMEDIATE`) on SQLite.  Workers
processing the feed therefore take turns, and whoever comes second sees the cursor the
first one left.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Join,
    Row,
    and_,
    case,
    delete,
    func,
    literal,
    select,
    true,
    tuple_,
    update,
)

from hub.storage.contract import CredentialStore
from hub.storage.sql.common import connection, unit_of_work, write_transaction
from hub.storage.sql.credentials import SqlCredentialStore
from transcripts.storage.contract import (
    AgencyTotals,
    ClaimCount,
    Competency,
    EvidenceRecord,
    FeedState,
    IdentityConflict,
    IdentityLink,
    MappingRule,
    PeopleQuery,
    Person,
    PersonYear,
    UnlinkedStatement,
    YearSummary,
)
from transcripts.storage.sql import rows
from transcripts.storage.sql.tables import (
    transcript_evidence,
    transcript_feed_state,
    transcript_identities,
    transcript_people,
    transcript_summaries,
    transcript_unlinked,
)

_TYPE_COLUMNS = {"teknis": "jp_teknis", "manajerial": "jp_manajerial",
                 "sosial_kultural": "jp_sosial_kultural", "unmapped": "jp_unmapped"}
FEED_LOCK = hashlib.sha256(b"transcripts: statement feed").hexdigest()
BUCKET_CENTI = 500  # distribution buckets are 5 JP wide ...
LAST_BUCKET = 8  # ... the last one holds 40 JP and more


def _state_of(row: Row[Any] | None) -> FeedState:
    if row is None:
        return FeedState(cursor=0, gaps={})
    gaps = {int(seq): datetime.fromisoformat(when) for seq, when in (row.gaps or {}).items()}
    return FeedState(cursor=row.cursor, gaps=gaps)


class SqlTranscriptSession:
    def __init__(self, conn: Connection, credentials: CredentialStore) -> None:
        self.conn = conn
        self.credentials = credentials

    # --- feed state ---------------------------------------------------------------
    def feed_state(self) -> FeedState:
        row = self.conn.execute(select(transcript_feed_state)
                                .where(transcript_feed_state.c.id == 1)).first()
        return _state_of(row)

    def save_feed_state(self, state: FeedState) -> None:
        gaps = {str(seq): when.astimezone(UTC).isoformat() for seq, when in state.gaps.items()}
        self.conn.execute(update(transcript_feed_state).where(transcript_feed_state.c.id == 1)
                          .values(cursor=state.cursor, gaps=gaps,
                                  updated_at=datetime.now(UTC)))

    # --- registry -----------------------------------------------------------------
    def nips_of(self, keys: Iterable[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        i = transcript_identities.c
        for batch in rows.chunks(set(keys)):
            found.update(self.conn.execute(select(i.key, i.nip).where(i.key.in_(batch))).all())
        return found

    def link_identities(self, links: Sequence[IdentityLink]) -> dict[str, IdentityLink]:
        return rows.link_identities(self.conn, links)

    def insert_missing_people(self, people: Sequence[Person]) -> None:
        rows.insert_missing_people(self.conn, people)

    def report_conflicts(self, conflicts: Sequence[IdentityConflict]) -> None:
        rows.report_conflicts(self.conn, conflicts)

    def competencies(self) -> dict[str, Competency]:
        return rows.competencies(self.conn)

    def mapping_rules(self) -> list[MappingRule]:
        return rows.list_rules(self.conn)

    def credential_scopes(self) -> list[tuple[Any, frozenset[str]]]:
        # Through the hub's own store (its table is the hub's), in this unit of work.
        return [(credential.authority, frozenset(credential.scopes))
                for credential in self.credentials.list_credentials()]

    # --- evidence -----------------------------------------------------------------
    def save_evidence(self, records: Sequence[EvidenceRecord]) -> None:
        unique = list({r.statement_id: rows.evidence_row(r) for r in records}.values())
        for batch in rows.chunks(unique):
            statement = rows.upsert(self.conn, transcript_evidence)
            columns = [k for k in batch[0] if k != "statement_id"]
            self.conn.execute(statement.on_conflict_do_update(
                index_elements=["statement_id"],
                set_={k: statement.excluded[k] for k in columns}), batch)

    def delete_evidence(self, statement_ids: Iterable[str]) -> set[tuple[str, int]]:
        pairs: set[tuple[str, int]] = set()
        e = transcript_evidence.c
        for batch in rows.chunks(set(statement_ids)):
            # DELETE ... RETURNING: PostgreSQL, and SQLite since 3.35.
            deleted = self.conn.execute(delete(transcript_evidence)
                                        .where(e.statement_id.in_(batch))
                                        .returning(e.nip, e.year))
            pairs |= {(row.nip, row.year) for row in deleted}
        return pairs

    def evidence_for(self, pairs: Iterable[tuple[str, int]]) -> list[EvidenceRecord]:
        # By NIP and year lists, the exact pairs picked here: SQLite runs a row-value
        # IN (nip, year) as a scan of the whole table (400k rows: 120 ms a batch).
        pairs = set(pairs)
        years = sorted({year for _, year in pairs})
        found: list[EvidenceRecord] = []
        e = transcript_evidence.c
        for nips in rows.chunks(sorted({nip for nip, _ in pairs}), 200):
            result = self.conn.execute(select(*rows.evidence_columns())
                                       .where(e.nip.in_(nips), e.year.in_(years))).all()
            found += [rows.evidence_of(row) for row in result if (row.nip, row.year) in pairs]
        return found

    def evidence_page(self, after: tuple[str, int, str] | None,
                      limit: int) -> list[EvidenceRecord]:
        e = transcript_evidence.c
        query = (select(*rows.evidence_columns())
                 .order_by(e.nip, e.year, e.statement_id).limit(limit))
        if after is not None:
            query = query.where(tuple_(e.nip, e.year, e.statement_id) > tuple_(*after))
        return [rows.evidence_of(row) for row in self.conn.execute(query)]

    def evidence_of_identities(self, keys: Iterable[str]) -> list[EvidenceRecord]:
        found: list[EvidenceRecord] = []
        for batch in rows.chunks(set(keys)):
            result = self.conn.execute(select(*rows.evidence_columns())
                                       .where(transcript_evidence.c.identity_key.in_(batch)))
            found += [rows.evidence_of(row) for row in result]
        return found

    def save_summaries(self, pairs: Iterable[tuple[str, int]],
                       summaries: Sequence[YearSummary]) -> list[YearSummary]:
        s = transcript_summaries.c
        replaced: list[YearSummary] = []
        for batch in rows.chunks(set(pairs), 200):
            # DELETE ... RETURNING: what was there, at no extra read (SQLite 3.35+).
            deleted = self.conn.execute(delete(transcript_summaries)
                                        .where(tuple_(s.nip, s.year).in_(batch))
                                        .returning(*transcript_summaries.c))
            replaced += [_summary_of(row) for row in deleted]
        values = [_summary_row(summary) for summary in summaries]
        for batch in rows.chunks(values):
            self.conn.execute(transcript_summaries.insert(), batch)
        return replaced

    # --- statements no NIP is linked to yet -----------------------------------------
    def save_unlinked(self, unlinked: Sequence[UnlinkedStatement]) -> None:
        values = list({u.statement_id: {"statement_id": u.statement_id, "seq": u.seq,
                                        "identity_key": u.identity_key}
                       for u in unlinked}.values())
        for batch in rows.chunks(values):
            statement = rows.upsert(self.conn, transcript_unlinked)
            self.conn.execute(statement.on_conflict_do_update(
                index_elements=["statement_id"],
                set_={"seq": statement.excluded.seq,
                      "identity_key": statement.excluded.identity_key}), batch)

    def delete_unlinked(self, statement_ids: Iterable[str]) -> None:
        for batch in rows.chunks(set(statement_ids)):
            self.conn.execute(delete(transcript_unlinked)
                              .where(transcript_unlinked.c.statement_id.in_(batch)))

    def unlinked_for(self, keys: Iterable[str]) -> list[UnlinkedStatement]:
        found: list[UnlinkedStatement] = []
        u = transcript_unlinked.c
        for batch in rows.chunks(set(keys)):
            result = self.conn.execute(select(transcript_unlinked)
                                       .where(u.identity_key.in_(batch)).order_by(u.seq))
            found += [UnlinkedStatement(r.statement_id, r.seq, r.identity_key) for r in result]
        return found

    def reset(self) -> None:
        for table in (transcript_evidence, transcript_summaries, transcript_unlinked):
            self.conn.execute(delete(table))
        self.save_feed_state(FeedState(cursor=0, gaps={}))


def _summary_row(summary: YearSummary) -> dict:
    row = {"nip": summary.nip, "year": summary.year, "jp_centi": summary.jp_centi,
           "activity_count": summary.activity_count, "updated_at": rows.utc(summary.updated_at)}
    for kind, column in _TYPE_COLUMNS.items():
        row[column] = summary.jp_by_type_centi.get(kind, 0)
    return row


def _summary_of(row: Row[Any]) -> YearSummary:
    return YearSummary(nip=row.nip, year=row.year, jp_centi=row.jp_centi,
                       jp_by_type_centi={k: getattr(row, c) for k, c in _TYPE_COLUMNS.items()},
                       activity_count=row.activity_count, updated_at=rows.aware(row.updated_at))


class SqlTranscriptStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._credentials = SqlCredentialStore(engine)  # joins the session's unit of work

    @contextmanager
    def session(self) -> Iterator[SqlTranscriptSession]:
        # A unit of work, so the stores of other slices that a listener of the session
        # writes to (transcripts.announce: the webhook outbox) join its transaction.
        with unit_of_work(self._engine, write=True), \
                write_transaction(self._engine, lock=FEED_LOCK) as conn:
            initial = {"id": 1, "cursor": 0, "gaps": {}, "updated_at": datetime.now(UTC)}
            conn.execute(rows.upsert(conn, transcript_feed_state).on_conflict_do_nothing(),
                         initial)
            yield SqlTranscriptSession(conn, self._credentials)

    def feed_state(self) -> FeedState:
        with connection(self._engine) as conn:
            return SqlTranscriptSession(conn, self._credentials).feed_state()

    def evidence_of(self, nip: str, year: int) -> list[EvidenceRecord]:
        e = transcript_evidence.c
        with connection(self._engine) as conn:
            result = conn.execute(select(*rows.evidence_columns())
                                  .where(e.nip == nip, e.year == year)
                                  .order_by(e.timestamp, e.statement_id)).all()
        return [rows.evidence_of(row) for row in result]

    def years_of(self, nip: str) -> list[int]:
        with connection(self._engine) as conn:
            return list(conn.execute(select(transcript_summaries.c.year)
                                     .where(transcript_summaries.c.nip == nip)
                                     .order_by(transcript_summaries.c.year)).scalars())

    def summary_of(self, nip: str, year: int) -> YearSummary | None:
        s = transcript_summaries.c
        with connection(self._engine) as conn:
            row = conn.execute(select(transcript_summaries)
                               .where(s.nip == nip, s.year == year)).first()
        return _summary_of(row) if row else None

    def count_unlinked(self) -> int:
        with connection(self._engine) as conn:
            return conn.execute(select(func.count()).select_from(transcript_unlinked)).scalar_one()

    def claim_counts(self) -> list[ClaimCount]:
        e = transcript_evidence.c
        evidence = func.count().label("evidence")
        query = (select(e.claimed_competency, e.claim_outcome, evidence)
                 .where(e.claimed_competency.is_not(None))
                 .group_by(e.claimed_competency, e.claim_outcome)
                 .order_by(evidence.desc(), e.claimed_competency, e.claim_outcome))
        with connection(self._engine) as conn:
            return [ClaimCount(row.claimed_competency, row.claim_outcome or "", row.evidence)
                    for row in conn.execute(query)]

    # --- auditor queries ----------------------------------------------------------
    def search_people(self, query: PeopleQuery) -> list[PersonYear]:
        p, s = transcript_people.c, transcript_summaries.c
        jp, required = _jp_and_required(query.requirements_centi)
        conditions = [*_person_filters(query)]
        if query.compliance == "compliant":
            conditions.append(and_(required.is_not(None), jp >= required))
        elif query.compliance == "non_compliant":
            conditions.append(and_(required.is_not(None), jp < required))
        elif query.compliance == "unknown":
            conditions.append(required.is_(None))
        if query.after_nip is not None:
            conditions.append(p.nip > query.after_nip)
        statement = (select(transcript_people, jp.label("jp"),
                            *[func.coalesce(s[c], 0).label(c) for c in _TYPE_COLUMNS.values()],
                            func.coalesce(s.activity_count, 0).label("activity_count"))
                     .select_from(_people_with_summaries(query.year))
                     .where(*conditions).order_by(p.nip).limit(query.limit))
        with connection(self._engine) as conn:
            result = conn.execute(statement).all()
        return [PersonYear(person=rows.person_of(row), year=query.year, jp_centi=row.jp,
                           jp_by_type_centi={k: getattr(row, c)
                                             for k, c in _TYPE_COLUMNS.items()},
                           activity_count=row.activity_count) for row in result]

    def agency_totals(self, agency: str, year: int,
                      requirements_centi: Mapping[str, int]) -> AgencyTotals:
        """One scan of the agency's people, grouped by unit and distribution bucket; the
        totals, the distribution and the units are summed from those groups."""
        p, s = transcript_people.c, transcript_summaries.c
        jp, required = _jp_and_required(requirements_centi)
        bucket = case((jp >= BUCKET_CENTI * LAST_BUCKET, literal(LAST_BUCKET)),
                      else_=jp // BUCKET_CENTI).label("bucket")
        grouped = (select(
            p.unit, bucket, func.count().label("people"),
            func.sum(case((and_(required.is_not(None), jp >= required), 1), else_=0))
            .label("compliant"),
            func.sum(case((and_(required.is_not(None), jp < required), 1), else_=0))
            .label("non_compliant"),
            func.sum(case((required.is_(None), 1), else_=0)).label("unknown"),
            func.sum(jp).label("jp"),
            *[func.coalesce(func.sum(s[c]), 0).label(c) for c in _TYPE_COLUMNS.values()])
            .select_from(_people_with_summaries(year)).where(p.agency == agency)
            .group_by(p.unit, bucket))
        with connection(self._engine) as conn:
            groups = conn.execute(grouped).all()
        distribution = dict.fromkeys(range(LAST_BUCKET + 1), 0)
        units: dict[str | None, dict] = {}
        totals = dict.fromkeys(("people", "compliant", "non_compliant", "unknown", "jp",
                                *_TYPE_COLUMNS.values()), 0)
        for row in groups:
            distribution[int(row.bucket)] += row.people
            for name in totals:
                totals[name] += int(getattr(row, name) or 0)
            unit = units.setdefault(row.unit, {"unit": row.unit, "people": 0, "compliant": 0,
                                               "jp_centi": 0})
            unit["people"] += row.people
            unit["compliant"] += int(row.compliant or 0)
            unit["jp_centi"] += int(row.jp or 0)
        return AgencyTotals(
            people=totals["people"], compliant=totals["compliant"],
            non_compliant=totals["non_compliant"], unknown=totals["unknown"],
            jp_centi=totals["jp"],
            jp_by_type_centi={k: totals[c] for k, c in _TYPE_COLUMNS.items()},
            distribution=distribution,
            units=sorted(units.values(), key=lambda u: (u["unit"] is None, u["unit"] or "")),
        )


def _people_with_summaries(year: int) -> Join:
    p, s = transcript_people.c, transcript_summaries.c
    return transcript_people.outerjoin(
        transcript_summaries, and_(s.nip == p.nip, s.year == year))


def _jp_and_required(requirements_centi: Mapping[str, int]
                     ) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
    p, s = transcript_people.c, transcript_summaries.c
    jp = func.coalesce(s.jp_centi, 0)
    whens = [(p.employee_type == kind, literal(value))
             for kind, value in sorted(requirements_centi.items())]
    required = case(*whens, else_=None) if whens else literal(None)
    return jp, required


def _person_filters(query: PeopleQuery) -> list:
    p = transcript_people.c
    conditions: list = [true()]
    if query.agencies is not None:
        conditions.append(p.agency.in_(sorted(query.agencies)) if query.agencies
                          else literal(False))
    if query.agency is not None:
        conditions.append(p.agency == query.agency)
    if query.unit is not None:
        conditions.append(p.unit == query.unit)
    if query.name:
        conditions.append(func.lower(p.name).contains(query.name.lower(), autoescape=True))
    return conditions

