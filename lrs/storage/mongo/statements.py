"""Statements on MongoDB: one document per statement, its index entries in a multikey
array, seqs allocated per batch (hub.storage.mongo.common.allocate).

Every query names the index it walks (`hint`), the way the SQL engine's first filter
drives its scan: the plan never depends on the planner's guess, and
tests/lrs/test_mongo_statement_indexes.py explains what `page_cursor` issues.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bson import Binary
from pymongo import ASCENDING, DESCENDING, MongoClient, UpdateOne
from pymongo.client_session import ClientSession
from pymongo.collection import Collection as MongoCollection
from pymongo.cursor import Cursor
from pymongo.database import Database
from pymongo.errors import BulkWriteError, DuplicateKeyError

from hub.storage import json_codec
from hub.storage.contract import AlreadyExists
from hub.storage.mongo.common import (
    allocate,
    instant,
    micros,
    reading,
    run_transaction,
)
from hub.storage.mongo.records import from_bson
from lrs.storage.contract import (
    Attachment,
    IndexEntry,
    PreparedRows,
    StatementPage,
    StatementQuery,
    StatementRecord,
    StoredStatement,
)
from lrs.storage.mongo.records import ATTACHMENTS, STATEMENTS, StatementEntry
from lrs.storage.mongo.writes import bulk_failure

# The indexes each query shape walks (created by lrs_0001 in lrs.storage.mongo).
BY_SEQ = "seq"
BY_INDEX = "index_seq"
BY_STORED = "stored_seq"
BY_AUTHORITY = "authority_seq"
BY_OBJECT_STATEMENT = "object_statement_id"
BY_VOIDING_TARGET = "voiding_target"
SEQ_COUNTER = STATEMENTS

# A `since` matched by at most this many statements bounds the scan from below
# (lrs.storage.sql.statements._since_floor says why).
SINCE_PROBE = 1000
NO_SEQ = 2**62  # above every seq: nothing was stored after `since`


def index_value(entry: IndexEntry) -> str:
    kind, value = entry
    return f"{kind}\u0000{value}"


def create_statement_indexes(database: Database[Any]) -> None:
    statements = database[STATEMENTS]
    statements.create_index("seq", name=BY_SEQ, unique=True)
    statements.create_index([("index", ASCENDING), ("seq", ASCENDING)], name=BY_INDEX)
    statements.create_index([("stored", ASCENDING), ("seq", ASCENDING)], name=BY_STORED)
    statements.create_index([("authority_key", ASCENDING), ("seq", ASCENDING)],
                            name=BY_AUTHORITY)
    # Both fields are absent unless set, so the sparse indexes hold only the few
    # StatementRefs and voiding statements.
    statements.create_index("object_statement_id", name=BY_OBJECT_STATEMENT, sparse=True)
    statements.create_index("voiding_target", name=BY_VOIDING_TARGET, sparse=True)


class MongoStatementStore:
    def __init__(self, database: Database[Any]) -> None:
        self._client: MongoClient[Any] = database.client
        self._database = database
        self._statements: MongoCollection[Any] = database[STATEMENTS]
        self._attachments: MongoCollection[Any] = database[ATTACHMENTS]

    # --- writes: primitives an lrs operation combines inside one unit of work --------
    def comparison_digests(self, ids: Iterable[str]) -> dict[str, str]:
        found = self._statements.find({"_id": {"$in": list(ids)}}, {"comparison_digest": 1},
                                      session=reading(self._client))
        return {son["_id"]: son["comparison_digest"] for son in found}

    def prepare_statement_rows(self, records: Sequence[StatementRecord]) -> PreparedRows:
        # The ingest hot path: BSON built directly (a mongoengine document per statement
        # costs more than the insert), before the transaction, seqs added at insert.
        return _Prepared([(r.id, _statement_son(r)) for r in records])

    def insert_statement_rows(self, prepared: PreparedRows,
                              skip: Collection[str] = ()) -> dict[str, int]:
        assert isinstance(prepared, _Prepared)
        fresh = [son for statement_id, son in prepared.rows if statement_id not in skip]
        if not fresh:
            return {}

        def insert(session: ClientSession) -> dict[str, int]:
            first = allocate(self._database, SEQ_COUNTER, len(fresh))
            rows = [{**son, "seq": first + n} for n, son in enumerate(fresh)]
            try:
                self._statements.insert_many(rows, ordered=True, session=session)
            except DuplicateKeyError as error:
                raise AlreadyExists("a statement id was stored meanwhile") from error
            except BulkWriteError as error:
                mapped = bulk_failure(error, AlreadyExists("a statement id was stored meanwhile"))
                if mapped is None:
                    raise
                raise mapped from error
            return {row["_id"]: row["seq"] for row in rows}

        return run_transaction(self._client, insert)

    def insert_attachments(self, items: Iterable[Attachment]) -> None:
        by_hash = {a.sha2: a for a in items}
        if not by_hash:
            return

        def insert(session: ClientSession) -> None:
            present = {son["_id"] for son in self._attachments.find(
                {"_id": {"$in": list(by_hash)}}, {"_id": 1}, session=session)}
            # Upserts: a concurrent writer of the same attachment is a write conflict
            # (the unit runs again), never a duplicate key.
            writes = [UpdateOne({"_id": sha2}, {"$setOnInsert": {
                "content_type": a.content_type, "content": Binary(a.content)}}, upsert=True)
                for sha2, a in by_hash.items() if sha2 not in present]
            if writes:
                self._attachments.bulk_write(writes, ordered=True, session=session)

        run_transaction(self._client, insert)

    def mark_voided(self, ids: Iterable[str], authority_key: str | None = None) -> None:
        ids = list(ids)
        if not ids:
            return
        condition: dict[str, Any] = {"_id": {"$in": ids}, "voiding_target": None}
        if authority_key is not None:
            condition["authority_key"] = authority_key
        run_transaction(self._client, lambda session: self._statements.update_many(
            condition, {"$set": {"voided": True}}, session=session))

    def voiding_statements_of(self, ids: Iterable[str]) -> list[tuple[str, str | None]]:
        found = self._statements.find(
            {"voiding_target": {"$in": list(ids)}}, {"voiding_target": 1, "authority_key": 1},
            hint=BY_VOIDING_TARGET, session=reading(self._client))
        return [(son["voiding_target"], son["authority_key"]) for son in found]

    def inherit_statement_ref_index(self, records: Sequence[StatementRecord],
                                    seqs: Mapping[str, int]) -> None:
        records = [r for r in records if r.id in seqs]
        run_transaction(self._client,
                        lambda session: self._inherit_statement_ref_index(session, records))

    def _inherit_statement_ref_index(self, session: ClientSession,
                                     records: list[StatementRecord]) -> None:
        """xAPI Communication 2.1.3.s3: a statement targeting another (StatementRef)
        matches every filter its target matches, recursively."""
        # Pairs (referrer id, target id) whose index must flow target → referrer.
        pending: list[tuple[str, str]] = []
        referrers_of: dict[str, list[str]] = {}
        for r in records:
            if r.object_statement_id:
                referrers_of.setdefault(r.object_statement_id, []).append(r.id)
        if referrers_of:
            targets = self._statements.find({"_id": {"$in": list(referrers_of)}}, {"_id": 1},
                                            session=session)
            pending += [(referrer, son["_id"]) for son in targets
                        for referrer in referrers_of[son["_id"]]]
        pending += self._referrers({"$in": [r.id for r in records]}, session)
        seen: set[tuple[str, str]] = set()
        while pending:
            referrer, target = pending.pop()
            if (referrer, target) in seen or referrer == target:
                continue
            seen.add((referrer, target))
            self._copy_index(session, source=target, destination=referrer)
            # Whoever targets the referrer inherits through it as well.
            pending += self._referrers(referrer, session)

    def _referrers(self, targets: str | dict[str, Any], session: ClientSession,
                   ) -> list[tuple[str, str]]:
        found = self._statements.find({"object_statement_id": targets},
                                      {"object_statement_id": 1}, hint=BY_OBJECT_STATEMENT,
                                      session=session)
        return [(son["_id"], son["object_statement_id"]) for son in found]

    def _copy_index(self, session: ClientSession, *, source: str, destination: str) -> None:
        son = self._statements.find_one({"_id": source}, {"index": 1}, session=session)
        entries = son.get("index", []) if son else []
        if entries:
            self._statements.update_one({"_id": destination},
                                        {"$addToSet": {"index": {"$each": entries}}},
                                        session=session)

    # --- reads -------------------------------------------------------------
    def find_statements(self, ids: Iterable[str]) -> dict[str, StoredStatement]:
        ids = list(ids)
        if not ids:
            return {}
        found = self._statements.find({"_id": {"$in": ids}}, _READ,
                                      session=reading(self._client))
        return {son["_id"]: _stored(son) for son in found}

    def query_statements(self, query: StatementQuery) -> StatementPage:
        ceiling = query.ceiling_seq
        if ceiling is None:
            ceiling = self.max_statement_seq()
        if ceiling is None:
            return StatementPage([], None, None)
        rows = [_stored(son) for son in self.page_cursor(query, ceiling)]
        more = None
        if len(rows) > query.limit:
            rows = rows[: query.limit]
            more = rows[-1].seq
        return StatementPage(rows, more, ceiling)

    def page_cursor(self, query: StatementQuery, ceiling: int) -> Cursor[Any]:
        """The find() of one page of `query` (limit + 1 statements, newest or oldest
        first, none above `ceiling`): what query_statements reads, and what
        tests/lrs/test_mongo_statement_indexes.py explains."""
        session = reading(self._client)
        seq: dict[str, int] = {"$lte": ceiling}
        if query.after_seq is not None:
            seq["$gt" if query.ascending else "$lt"] = query.after_seq
        condition: dict[str, Any] = {"voided": False, "seq": seq}
        if query.since is not None:
            condition["stored"] = {"$gt": micros(query.since)}
            floor = self._since_floor(query.since, session)
            if floor is not None:
                seq["$gte"] = floor
        if query.until is not None:
            condition.setdefault("stored", {})["$lte"] = micros(query.until)
        if query.authority_key is not None:
            condition["authority_key"] = query.authority_key
        if query.filters:
            # Equality on the multikey array for each entry: the index's bounds are the
            # first entry's, the others are checked on the documents it finds.
            values = [index_value(entry) for entry in query.filters]
            condition["index"] = values[0] if len(values) == 1 else {"$all": values}
        return self._statements.find(
            condition, _READ, sort=[("seq", ASCENDING if query.ascending else DESCENDING)],
            limit=query.limit + 1, hint=_driving_index(query), session=session)

    def _since_floor(self, since: datetime, session: ClientSession | None) -> int | None:
        """The lowest seq stored after `since` when few statements were, else None
        (the SQL engine's `_since_floor`: `stored` is not in seq order across concurrent
        writers, so the bound is the minimum over all matches, never a guess)."""
        found = self._statements.find({"stored": {"$gt": micros(since)}},
                                      {"_id": 0, "seq": 1}, limit=SINCE_PROBE + 1,
                                      hint=BY_STORED, session=session)
        seqs = [son["seq"] for son in found]
        if len(seqs) > SINCE_PROBE:
            return None
        return min(seqs, default=NO_SEQ)

    def statements_after(self, seq: int, limit: int) -> list[StoredStatement]:
        found = self._statements.find({"seq": {"$gt": seq}}, _READ, sort=[("seq", ASCENDING)],
                                      limit=limit, hint=BY_SEQ, session=reading(self._client))
        return [_stored(son) for son in found]

    def max_statement_seq(self) -> int | None:
        son = self._statements.find_one({}, {"_id": 0, "seq": 1}, sort=[("seq", DESCENDING)],
                                        hint=BY_SEQ, session=reading(self._client))
        return int(son["seq"]) if son else None

    def get_attachments(self, hashes: Iterable[str]) -> dict[str, Attachment]:
        hashes = list(set(hashes))
        if not hashes:
            return {}
        found = self._attachments.find({"_id": {"$in": hashes}}, session=reading(self._client))
        return {son["_id"]: Attachment(son["_id"], son["content_type"], bytes(son["content"]))
                for son in found}


def _driving_index(query: StatementQuery) -> str:
    """The index whose walk a page query's most selective condition bounds."""
    if query.filters:
        return BY_INDEX
    if query.authority_key is not None:
        return BY_AUTHORITY
    return BY_SEQ  # since: bounded from below by `_since_floor`


_READ = {"index": 0, "authority_key": 0, "object_statement_id": 0}  # not in StoredStatement


def _statement_son(r: StatementRecord) -> dict[str, Any]:
    son: dict[str, Any] = {
        "_id": r.id,
        "document": json_codec.dumps(r.document),
        "stored": micros(r.stored),
        "comparison_digest": r.comparison_digest,
        "authority_key": r.authority_key,
        "voided": False,
        "attachment_hashes": list(r.attachment_hashes),
        "index": sorted(index_value(entry) for entry in r.index),
    }
    # Absent rather than null: the sparse indexes hold only the statements that have them.
    if r.object_statement_id is not None:
        son["object_statement_id"] = r.object_statement_id
    if r.voiding_target is not None:
        son["voiding_target"] = r.voiding_target
    return son


def _stored(son: dict[str, Any]) -> StoredStatement:
    record = from_bson(StatementEntry, son)
    return StoredStatement(
        seq=record.seq,
        id=record.id,
        document=json_codec.loads(record.document),
        stored=instant(record.stored),
        voided=record.voided,
        comparison_digest=record.comparison_digest,
        voiding_target=record.voiding_target,
        attachment_hashes=tuple(record.attachment_hashes),
    )


@dataclass(frozen=True)
class _Prepared:
    rows: list[tuple[str, dict[str, Any]]]  # (statement id, BSON without its seq)
