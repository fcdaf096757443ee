"""Pulling sources, their positions and the statements they gave that were not stored,
on MongoDB.  A source's secret is sealed with the storage cipher, as a destination's is;
the pull position moves in the session of the open unit of work (the step's)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from pymongo import ASCENDING, MongoClient
from pymongo.client_session import ClientSession
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from connectors.storage.contract import PullConflict, PullState, Source
from connectors.storage.mongo.partner_rows import partner_values, remote_auth_of
from connectors.storage.mongo.records import PullConflictRecord, PullRecord, SourceRecord
from hub.storage import json_codec
from hub.storage.contract import Contended
from hub.storage.key_encryption import KeyCipher
from hub.storage.mongo.common import (
    allocate,
    instant,
    micros,
    reading,
    run_transaction,
    unique,
    writing,
)
from hub.storage.mongo.records import from_bson, to_bson
from hub.storage.mongo.sealed import reseal_secrets

CONFLICT_IDS = "connector_pull_conflicts"  # the allocate() counter
_BATCH = 500
_Seen = tuple[str, str, str, str]  # source, statement id, kind, digest of the statement


class MongoSourceStore:
    def __init__(self, database: Database[Any], cipher: KeyCipher) -> None:
        self._client: MongoClient[Any] = database.client
        self._database = database
        self._cipher = cipher
        self._sources = database[SourceRecord._meta["collection"]]
        self._pulls = database[PullRecord._meta["collection"]]
        self._conflicts = database[PullConflictRecord._meta["collection"]]

    def reseal_secrets(self) -> int:
        return reseal_secrets(self._sources, self._cipher, "auth_secret")

    def add_source(self, source: Source, state: PullState) -> None:
        record = to_bson(SourceRecord(id=source.id, **self._values(source)))
        pull = to_bson(PullRecord(source_id=source.id, **_state_values(state)))

        def add(session: ClientSession) -> None:
            self._sources.insert_one(record, session=session)
            self._pulls.insert_one(pull, session=session)

        with unique(f"source {source.id} or its name exists"):
            run_transaction(self._client, add)

    def replace_source(self, source: Source) -> bool:
        values = to_bson(SourceRecord(id=source.id, **self._values(source)))
        del values["_id"]
        with unique(f"a source named {source.name} exists"):
            return self._sources.update_one({"_id": source.id}, {"$set": values},
                                            session=writing(self._client)).matched_count == 1

    def remove_source(self, source_id: str) -> bool:
        def remove(session: ClientSession) -> bool:
            self._conflicts.delete_many({"source_id": source_id}, session=session)
            self._pulls.delete_one({"_id": source_id}, session=session)
            return self._sources.delete_one({"_id": source_id},
                                            session=session).deleted_count == 1

        return run_transaction(self._client, remove)

    def get_source(self, source_id: str) -> Source | None:
        son = self._sources.find_one({"_id": source_id}, session=reading(self._client))
        return self._source(son) if son else None

    def list_sources(self, *, enabled_only: bool = False) -> list[Source]:
        query: dict[str, Any] = {"enabled": True} if enabled_only else {}
        found = self._sources.find(query, sort=[("name", ASCENDING)],
                                   session=reading(self._client))
        return [self._source(son) for son in found]

    def pull_state(self, source_id: str) -> PullState | None:
        son = self._pulls.find_one({"_id": source_id}, session=reading(self._client))
        if son is None:
            return None
        record = from_bson(PullRecord, son)
        return PullState(cursor=instant(record.cursor), more=record.more,
                         attempts=record.attempts, retry_at=instant(record.retry_at),
                         last_error=record.last_error, pulled=record.pulled,
                         polled_at=instant(record.polled_at))

    def save_pull_state(self, source_id: str, state: PullState) -> None:
        values = to_bson(PullRecord(source_id=source_id, **_state_values(state)))
        del values["_id"]
        self._pulls.update_one({"_id": source_id}, {"$set": values},
                               session=writing(self._client))

    def add_pull_conflicts(self, new: Sequence[PullConflict]) -> int:
        rows: dict[_Seen, PullConflict] = {
            (c.source_id, c.statement_id, c.kind, _digest(c.statement)): c for c in new}
        if not rows:
            return 0

        def add(session: ClientSession) -> list[tuple[_Seen, PullConflict]]:
            seen = self._seen(list(rows), session)
            fresh = [(key, c) for key, c in rows.items() if key not in seen]
            if fresh:
                first = allocate(self._database, CONFLICT_IDS, len(fresh))
                records = [to_bson(PullConflictRecord(
                    id=first + n, source_id=c.source_id, statement_id=c.statement_id,
                    kind=c.kind, message=c.message, statement=json_codec.dumps(c.statement),
                    digest=key[3], noticed_at=micros(c.noticed_at)))
                    for n, (key, c) in enumerate(fresh)]
                try:
                    self._conflicts.insert_many(records, session=session)
                except DuplicateKeyError as error:
                    # A concurrent pull recorded one of them after this snapshot was taken.
                    raise Contended(str(error)) from error
            return fresh

        return len(run_transaction(self._client, add))

    def pull_conflicts(self, source_id: str | None = None, *,
                       limit: int = 100) -> list[PullConflict]:
        query: dict[str, Any] = {} if source_id is None else {"source_id": source_id}
        found = self._conflicts.find(query, sort=[("_id", ASCENDING)], limit=limit,
                                     session=reading(self._client))
        return [_conflict(son) for son in found]

    def _seen(self, keys: list[_Seen], session: ClientSession) -> set[_Seen]:
        seen: set[_Seen] = set()
        for start in range(0, len(keys), _BATCH):
            chunk = keys[start:start + _BATCH]
            query = {"$or": [{"source_id": s, "statement_id": i, "kind": k, "digest": d}
                             for s, i, k, d in chunk]}
            projection = {"source_id": 1, "statement_id": 1, "kind": 1, "digest": 1}
            seen.update((r["source_id"], r["statement_id"], r["kind"], r["digest"])
                        for r in self._conflicts.find(query, projection, session=session))
        return seen

    def _values(self, source: Source) -> dict[str, Any]:
        return {**partner_values(source, self._cipher), "credential": source.credential,
                "poll_seconds": source.poll_seconds, "page_limit": source.page_limit,
                "enabled": source.enabled, "start": micros(source.start), "poll": source.poll}

    def _source(self, son: dict[str, Any]) -> Source:
        record = from_bson(SourceRecord, son)
        return Source(
            id=record.id, name=record.name, endpoint=record.endpoint, version=record.version,
            auth=remote_auth_of(record, self._cipher), credential=record.credential,
            poll_seconds=record.poll_seconds, page_limit=record.page_limit,
            enabled=record.enabled, start=instant(record.start), poll=record.poll,
            created_at=instant(record.created_at), updated_at=instant(record.updated_at))


def _state_values(state: PullState) -> dict[str, Any]:
    return {"cursor": micros(state.cursor), "more": state.more, "attempts": state.attempts,
            "retry_at": micros(state.retry_at), "last_error": state.last_error,
            "pulled": state.pulled, "polled_at": micros(state.polled_at)}


def _conflict(son: dict[str, Any]) -> PullConflict:
    record = from_bson(PullConflictRecord, son)
    return PullConflict(id=record.id, source_id=record.source_id,
                        statement_id=record.statement_id, kind=record.kind,
                        message=record.message, statement=json_codec.loads(record.statement),
                        noticed_at=instant(record.noticed_at))


def _digest(statement: dict[str, Any]) -> str:
    # The same statement seen again (each poll re-reads an overlap) is not a new conflict;
    # the same digest as on SQL.
    canonical = json.dumps(statement, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()
