"""Statements on SQLite and PostgreSQL: one implementation, SQLAlchemy Core."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Dialect,
    Engine,
    FromClause,
    Row,
    Select,
    and_,
    exists,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError

from hub.storage import json_codec
from hub.storage.contract import AlreadyExists
from hub.storage.sql.common import aware, connection, upsert, write_transaction
from lrs.storage.contract import (
    Attachment,
    PreparedRows,
    StatementPage,
    StatementQuery,
    StatementRecord,
    StoredStatement,
)
from lrs.storage.sql.tables import attachments, statement_index, statements

_COLUMNS = (statements.c.seq, statements.c.id, statements.c.document, statements.c.stored,
            statements.c.voided, statements.c.comparison_digest, statements.c.voiding_target,
            statements.c.attachment_hashes)


class SqlStatementStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    # --- writes: primitives an lrs operation combines inside one unit of work --------
    def comparison_digests(self, ids: Iterable[str]) -> dict[str, str]:
        with connection(self._engine) as conn:
            rows = conn.execute(select(statements.c.id, statements.c.comparison_digest)
                                .where(statements.c.id.in_(list(ids))))
            return {row.id: row.comparison_digest for row in rows}

    def prepare_statement_rows(self, records: Sequence[StatementRecord]) -> PreparedRows:
        # SQLite has one writer: what can be made before taking its lock is made here.
        sqlite_rows = (_SqliteRows.of(records, self._engine.dialect)
                       if self._engine.dialect.name == "sqlite" else None)
        return _Prepared(list(records), sqlite_rows)

    def insert_statement_rows(self, prepared: PreparedRows,
                              skip: Collection[str] = ()) -> dict[str, int]:
        assert isinstance(prepared, _Prepared)
        try:
            with write_transaction(self._engine) as conn:
                if prepared.sqlite_rows is not None:
                    return prepared.sqlite_rows.insert(conn, skip)
                fresh = [r for r in prepared.records if r.id not in skip]
                seqs = self._insert_rows(conn, fresh)
                self._insert_index(conn, fresh, seqs)
                return seqs
        except IntegrityError as error:
            raise AlreadyExists("a statement id was stored meanwhile") from error

    def insert_attachments(self, items: Iterable[Attachment]) -> None:
        with write_transaction(self._engine) as conn:
            self._insert_attachments(conn, items)

    def mark_voided(self, ids: Iterable[str], authority_key: str | None = None) -> None:
        ids = list(ids)
        if not ids:
            return
        condition = and_(statements.c.id.in_(ids), statements.c.voiding_target.is_(None))
        if authority_key is not None:
            condition = and_(condition, statements.c.authority_key == authority_key)
        with write_transaction(self._engine) as conn:
            conn.execute(update(statements).where(condition).values(voided=True))

    def voiding_statements_of(self, ids: Iterable[str]) -> list[tuple[str, str | None]]:
        # An index probe that nearly always finds nothing: as one UPDATE with a subquery
        # SQLite scanned the whole table.
        with connection(self._engine) as conn:
            return [(row.voiding_target, row.authority_key) for row in conn.execute(
                select(statements.c.voiding_target, statements.c.authority_key).where(
                    statements.c.voiding_target.in_(list(ids))))]

    def inherit_statement_ref_index(self, records: Sequence[StatementRecord],
                                    seqs: Mapping[str, int]) -> None:
        with write_transaction(self._engine) as conn:
            self._inherit_statement_ref_index(conn, list(records), dict(seqs))

    @staticmethod
    def _insert_rows(conn: Connection, records: list[StatementRecord]) -> dict[str, int]:
        """PostgreSQL (SQLite: `_SqliteRows`)."""
        rows = [
            {
                "id": r.id,
                "document": r.document,
                "stored": r.stored,
                "comparison_digest": r.comparison_digest,
                "authority_key": r.authority_key,
                "object_statement_id": r.object_statement_id,
                "voiding_target": r.voiding_target,
                "voided": False,
                "attachment_hashes": " ".join(r.attachment_hashes) or None,
            }
            for r in records
        ]
        return _insert_rows_bulk(conn, rows)

    @staticmethod
    def _insert_index(conn: Connection, records: list[StatementRecord],
                      seqs: dict[str, int]) -> None:
        """PostgreSQL (SQLite: `_SqliteRows`)."""
        rows = [
            (seqs[r.id], kind, value)
            for r in records
            for kind, value in r.index
        ]
        if not rows:
            return
        payload = json_codec.dumps([{"s": seq, "k": kind, "v": value}
                                    for seq, kind, value in rows])
        conn.execute(_INSERT_INDEX_BULK, {"rows": payload})

    @staticmethod
    def _insert_attachments(conn: Connection, items: Iterable[Attachment]) -> None:
        by_hash = {a.sha2: a for a in items}
        if not by_hash:
            return
        present = set(conn.scalars(select(attachments.c.sha2)
                                   .where(attachments.c.sha2.in_(list(by_hash)))))
        rows = [{"sha2": a.sha2, "content_type": a.content_type, "content": a.content}
                for sha2, a in by_hash.items() if sha2 not in present]
        if rows:
            conn.execute(insert(attachments), rows)

    @staticmethod
    def _inherit_statement_ref_index(conn: Connection, records: list[StatementRecord],
                                     seqs: dict[str, int]) -> None:
        """xAPI Communication 2.1.3.s3: a statement targeting another (StatementRef)
        matches every filter its target matches, recursively."""
        # Pairs (referrer seq, target seq) whose index must flow target → referrer.
        pending: list[tuple[int, int]] = []
        refs = {r.object_statement_id: seqs[r.id] for r in records if r.object_statement_id}
        if refs:
            targets = conn.execute(select(statements.c.id, statements.c.seq)
                                   .where(statements.c.id.in_(list(refs))))
            pending += [(refs[row.id], row.seq) for row in targets]
        pending += [(row.seq, seqs[row.object_statement_id]) for row in conn.execute(
            select(statements.c.seq, statements.c.object_statement_id)
            .where(statements.c.object_statement_id.in_(list(seqs))))]
        seen: set[tuple[int, int]] = set()
        while pending:
            referrer, target = pending.pop()
            if (referrer, target) in seen or referrer == target:
                continue
            seen.add((referrer, target))
            _copy_index(conn, source=target, destination=referrer)
            # Whoever targets the referrer inherits through it as well.
            referrer_id = select(statements.c.id).where(statements.c.seq == referrer)
            pending += [(row.seq, referrer) for row in conn.execute(
                select(statements.c.seq).where(
                    statements.c.object_statement_id == referrer_id.scalar_subquery()))]

    # --- reads -------------------------------------------------------------
    def find_statements(self, ids: Iterable[str]) -> dict[str, StoredStatement]:
        ids = list(ids)
        if not ids:
            return {}
        with connection(self._engine) as conn:
            rows = conn.execute(select(*_COLUMNS).where(statements.c.id.in_(ids))).all()
        return {row.id: _stored(row) for row in rows}

    def query_statements(self, query: StatementQuery) -> StatementPage:
        with connection(self._engine) as conn:
            ceiling = query.ceiling_seq
            if ceiling is None:
                ceiling = conn.execute(select(func.max(statements.c.seq))).scalar()
            if ceiling is None:
                return StatementPage([], None, None)
            floor = _since_floor(conn, query.since) if query.since is not None else None
            rows = conn.execute(_page_select(query, ceiling, floor)).all()
        more = None
        if len(rows) > query.limit:
            rows = rows[: query.limit]
            more = rows[-1].seq
        return StatementPage([_stored(row) for row in rows], more, ceiling)

    def statements_after(self, seq: int, limit: int) -> list[StoredStatement]:
        with connection(self._engine) as conn:
            rows = conn.execute(select(*_COLUMNS).where(statements.c.seq > seq)
                                .order_by(statements.c.seq).limit(limit)).all()
        return [_stored(row) for row in rows]

    def max_statement_seq(self) -> int | None:
        with connection(self._engine) as conn:
            return conn.execute(select(func.max(statements.c.seq))).scalar()

    def get_attachments(self, hashes: Iterable[str]) -> dict[str, Attachment]:
        hashes = list(set(hashes))
        if not hashes:
            return {}
        with connection(self._engine) as conn:
            rows = conn.execute(select(attachments).where(attachments.c.sha2.in_(hashes)))
            return {row.sha2: Attachment(row.sha2, row.content_type, row.content)
                    for row in rows}


# A `since` matched by at most this many statements bounds the scan from below.
SINCE_PROBE = 1000
NO_SEQ = 2**62  # above every seq: nothing was stored after `since`


def _since_floor(conn: Connection, since: datetime) -> int | None:
    """The lowest seq stored after `since` when few statements were, else None.

    A client polling for what is new sends a recent `since`: a handful of matches, but a
    newest-first scan that wants a full page would read the whole table looking for
    more.  The (stored, seq) index lists those few seqs cheaply; the smallest bounds the
    scan exactly (`stored` is not in seq order across concurrent writers, so the bound
    is the minimum over all matches, never a guess)."""
    seqs = conn.scalars(select(statements.c.seq).where(statements.c.stored > since)
                        .limit(SINCE_PROBE + 1)).all()
    if len(seqs) > SINCE_PROBE:
        return None
    return min(seqs, default=NO_SEQ)


def _page_select(query: StatementQuery, ceiling: int, floor: int | None = None
                 ) -> Select[Any]:
    """Newest (or oldest) first; the first filter drives the scan of `statement_index`,
    further filters are EXISTS probes on the same index."""
    order = statements.c.seq.asc() if query.ascending else statements.c.seq.desc()
    conditions = [statements.c.voided.is_(False), statements.c.seq <= ceiling]
    if floor is not None:
        conditions.append(statements.c.seq >= floor)
    if query.after_seq is not None:
        conditions.append(statements.c.seq > query.after_seq if query.ascending
                          else statements.c.seq < query.after_seq)
    if query.since is not None:
        conditions.append(statements.c.stored > query.since)
    if query.until is not None:
        conditions.append(statements.c.stored <= query.until)
    if query.authority_key is not None:
        conditions.append(statements.c.authority_key == query.authority_key)
    source: FromClause = statements
    filters = list(query.filters)
    if filters:
        kind, value = filters.pop(0)
        driver = statement_index.alias("driver")
        source = statements.join(driver, and_(driver.c.statement_seq == statements.c.seq,
                                              driver.c.kind == kind, driver.c.value == value))
        order = driver.c.statement_seq.asc() if query.ascending else driver.c.statement_seq.desc()
    for kind, value in filters:
        probe = statement_index.alias()
        conditions.append(exists().where(probe.c.statement_seq == statements.c.seq,
                                         probe.c.kind == kind, probe.c.value == value))
    return (select(*_COLUMNS).select_from(source).where(*conditions)
            .order_by(order).limit(query.limit + 1))


def _copy_index(conn: Connection, *, source: int, destination: int) -> None:
    rows = select(statement_index.c.kind, statement_index.c.value).where(
        statement_index.c.statement_seq == source)
    values = [{"statement_seq": destination, "kind": r.kind, "value": r.value}
              for r in conn.execute(rows)]
    if not values:
        return
    conn.execute(upsert(conn, statement_index).on_conflict_do_nothing(), values)


def _stored(row: Row[*tuple[Any, ...]]) -> StoredStatement:
    stored = aware(row.stored)
    return StoredStatement(
        seq=row.seq,
        id=row.id,
        document=row.document,
        stored=stored,
        voided=row.voided,
        comparison_digest=row.comparison_digest,
        voiding_target=row.voiding_target,
        attachment_hashes=tuple((row.attachment_hashes or "").split()),
    )


@dataclass(frozen=True)
class _Prepared:
    records: list[StatementRecord]
    sqlite_rows: _SqliteRows | None


# --- SQLite batch path -------------------------------------------------------------------
_INSERT_STATEMENT_SQLITE = (
    "INSERT INTO statements (id, document, stored, comparison_digest, authority_key, "
    "object_statement_id, voiding_target, voided, attachment_hashes) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)")
_INSERT_INDEX_SQLITE = "INSERT INTO statement_index (statement_seq, kind, value) VALUES (?, ?, ?)"


@dataclass(frozen=True)
class _SqliteRows:
    """A batch's statement and index rows as driver parameters, made before the write
    lock is taken (JSON text, the dialect's datetime text, index rows in key order), so
    the lock is held for the inserts alone.  Measured at 1M statements: the SQLAlchemy
    parameter processing of ~1,200 rows was a tenth of the time the batch held the lock.
    """

    statements: list[tuple]  # one per record, in request order
    index: list[tuple[str, str, int]]  # (kind, value, record position), in key order

    @classmethod
    def of(cls, records: Sequence[StatementRecord], dialect: Dialect) -> _SqliteRows:
        stored_text = statements.c.stored.type.dialect_impl(dialect).bind_processor(dialect)
        if stored_text is None:  # SQLite stores datetimes as text, so it always has one
            raise RuntimeError(f"{dialect.name} has no bind processor for `stored`")
        rows = [(r.id, json_codec.dumps(r.document), stored_text(r.stored),
                 r.comparison_digest, r.authority_key, r.object_statement_id,
                 r.voiding_target, " ".join(r.attachment_hashes) or None)
                for r in records]
        # Key order (kind, value, then seq, which grows with the position): consecutive
        # inserts land on the same B-tree pages, still in SQLite's small page cache.
        index = sorted((kind, value, position) for position, r in enumerate(records)
                       for kind, value in r.index)
        return cls(rows, index)

    def insert(self, conn: Connection, skip: Collection[str]) -> dict[str, int]:
        """Insert the rows of records not in `skip`; their seqs by statement id."""
        fresh = [position for position, row in enumerate(self.statements)
                 if row[0] not in skip]
        # This transaction holds the write lock and rows are never deleted, so an
        # executemany numbers them max(seq) + 1, + 2, ... in order (checked below).
        before = conn.scalar(select(func.max(statements.c.seq))) or 0
        conn.exec_driver_sql(_INSERT_STATEMENT_SQLITE,
                             [self.statements[position] for position in fresh])
        after = conn.scalar(select(func.max(statements.c.seq)))
        if after != before + len(fresh):
            raise RuntimeError(f"statement seqs are not contiguous: {before} + "
                               f"{len(fresh)} rows gave {after}")
        seq_at = {position: before + 1 + n for n, position in enumerate(fresh)}
        index = [(seq_at[position], kind, value) for kind, value, position in self.index
                 if position in seq_at]
        if index:
            conn.exec_driver_sql(_INSERT_INDEX_SQLITE, index)
        return {self.statements[position][0]: seq for position, seq in seq_at.items()}


# --- PostgreSQL bulk paths ---------------------------------------------------------------
# A batch travels as one JSON parameter that PostgreSQL unpacks with json_to_recordset:
# one round trip and one parse instead of a thousand pipelined INSERTs, and orjson
# writes it far faster than driver-side array quoting.
_INSERT_INDEX_BULK = text(
    "INSERT INTO statement_index (statement_seq, kind, value) "
    "SELECT r.s, r.k, r.v FROM json_to_recordset(CAST(:rows AS json)) "
    "AS r(s bigint, k text, v text)")

# Rows are inserted in request order (ORDER BY position), so their seqs follow it too.
_INSERT_ROWS_BULK = text(
    "INSERT INTO statements (id, document, stored, comparison_digest, authority_key, "
    "object_statement_id, voiding_target, voided, attachment_hashes) "
    "SELECT r.id, r.document, :stored, r.digest, r.authority, r.ref, r.target, false, r.hashes "
    "FROM json_to_recordset(CAST(:rows AS json)) AS r(position int, id text, document json, "
    "digest text, authority text, ref text, target text, hashes text) "
    "ORDER BY r.position RETURNING seq, id")


def _insert_rows_bulk(conn: Connection, rows: list[dict]) -> dict[str, int]:
    stored_values = {row["stored"] for row in rows}
    if len(stored_values) != 1:  # one batch, one `stored`; anything else takes the slow path
        result = conn.execute(insert(statements).returning(
            statements.c.seq, statements.c.id, sort_by_parameter_order=True), rows)
        return {row.id: row.seq for row in result}
    payload = json_codec.dumps([
        {"position": position, "id": row["id"], "document": row["document"],
         "digest": row["comparison_digest"], "authority": row["authority_key"],
         "ref": row["object_statement_id"], "target": row["voiding_target"],
         "hashes": row["attachment_hashes"]}
        for position, row in enumerate(rows)])
    result = conn.execute(_INSERT_ROWS_BULK, {"stored": stored_values.pop(), "rows": payload})
    return {row.id: row.seq for row in result}
