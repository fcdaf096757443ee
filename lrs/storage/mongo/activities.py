"""Canonical Activity definitions on MongoDB (lrs.storage.sql.activities says what they
are; `merge` is lrs.activities.merge_definition).

Learning runs in one transaction (the caller's unit of work when one is open): ids are
made known with upserts, then each non-empty definition is read, merged and written
back.  The activity's document is its own lock: of two transactions merging into the
same activity, the later writer gets a write conflict and its unit runs again on the
merged definition, so no language is lost.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from pymongo import MongoClient, UpdateOne
from pymongo.client_session import ClientSession
from pymongo.collection import Collection as MongoCollection
from pymongo.database import Database
from pymongo.errors import BulkWriteError, DuplicateKeyError

from hub.storage import json_codec
from hub.storage.contract import Contended
from hub.storage.mongo.common import instant, micros, reading, run_transaction
from hub.storage.mongo.records import from_bson
from lrs.storage.contract import DefinitionMerge, StoredActivity
from lrs.storage.keys import activity_key
from lrs.storage.mongo.records import ACTIVITIES, ActivityEntry
from lrs.storage.mongo.writes import bulk_failure

EMPTY_DEFINITION = "{}"


class MongoActivityStore:
    def __init__(self, database: Database[Any]) -> None:
        self._client: MongoClient[Any] = database.client
        self._activities: MongoCollection[Any] = database[ACTIVITIES]

    def get_activity(self, activity_id: str) -> StoredActivity | None:
        return self.find_activities([activity_id]).get(activity_id)

    def find_activities(self, activity_ids: Iterable[str]) -> dict[str, StoredActivity]:
        keys = list({activity_key(activity_id) for activity_id in activity_ids})
        if not keys:
            return {}
        found = self._activities.find({"_id": {"$in": keys}}, session=reading(self._client))
        return {activity.activity_id: activity for activity in map(_activity, found)}

    def upsert_activity_definitions(
        self, definitions: Mapping[str, dict[str, Any]], merge: DefinitionMerge
    ) -> None:
        if not definitions:
            return
        when = micros(datetime.now(UTC))
        keyed = sorted((activity_key(activity_id), activity_id, definition)
                       for activity_id, definition in definitions.items())

        def learn(session: ClientSession) -> None:
            self._insert_missing(session, [(key, activity_id) for key, activity_id, _ in keyed],
                                 when)
            incoming = {key: definition for key, _, definition in keyed if definition}
            if not incoming:
                return
            stored = {son["_id"]: son["definition"] for son in self._activities.find(
                {"_id": {"$in": list(incoming)}}, {"definition": 1}, session=session)}
            for key, definition in incoming.items():
                current = json_codec.loads(stored[key])
                merged = merge(current or None, definition)
                if merged != current:
                    self._activities.update_one(
                        {"_id": key},
                        {"$set": {"definition": json_codec.dumps(merged), "updated": when}},
                        session=session)

        run_transaction(self._client, learn)

    def _insert_missing(self, session: ClientSession, ids: list[tuple[str, str]],
                        when: int) -> None:
        writes = [UpdateOne({"_id": key}, {"$setOnInsert": {
            "activity_id": activity_id, "definition": EMPTY_DEFINITION, "updated": when}},
            upsert=True) for key, activity_id in ids]
        # A concurrent transaction that created one of these activities after this
        # one's snapshot makes it contended: the unit runs again and finds it.
        created_meanwhile = Contended("an activity was created meanwhile")
        try:
            self._activities.bulk_write(writes, ordered=True, session=session)
        except DuplicateKeyError as error:
            raise created_meanwhile from error
        except BulkWriteError as error:
            mapped = bulk_failure(error, created_meanwhile)
            if mapped is None:
                raise
            raise mapped from error


def _activity(son: dict[str, Any]) -> StoredActivity:
    record = from_bson(ActivityEntry, son)
    return StoredActivity(activity_id=record.activity_id,
                          definition=json_codec.loads(record.definition),
                          updated=instant(record.updated))
