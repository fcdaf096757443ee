"""Forwarding destinations, their delivery positions and dead letters on MongoDB.

A destination's secret is sealed with the storage cipher, as on SQL.  The delivery
position is a document of its own, written in the session of the open unit of work:
it moves in the transaction of the step whose work it records.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, MongoClient
from pymongo.client_session import ClientSession
from pymongo.database import Database

from connectors.storage.contract import (
    DeadLetter,
    DeliveryState,
    Destination,
    ForwardFilter,
)
from connectors.storage.mongo.feed import gaps_bson, gaps_of
from connectors.storage.mongo.partner_rows import partner_values, remote_auth_of
from connectors.storage.mongo.records import DeadLetterRecord, DeliveryRecord, DestinationRecord
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
from lrs.service import FeedState

DEAD_LETTER_IDS = "connector_dead_letters"  # the allocate() counter


class MongoDestinationStore:
    def __init__(self, database: Database[Any], cipher: KeyCipher) -> None:
        self._client: MongoClient[Any] = database.client
        self._database = database
        self._cipher = cipher
        self._destinations = database[DestinationRecord._meta["collection"]]
        self._deliveries = database[DeliveryRecord._meta["collection"]]
        self._letters = database[DeadLetterRecord._meta["collection"]]

    def add_destination(self, destination: Destination, start: FeedState) -> None:
        record = to_bson(DestinationRecord(id=destination.id, **self._values(destination)))
        delivery = to_bson(DeliveryRecord(destination_id=destination.id,
                                          **_state_values(DeliveryState(feed=start))))

        def add(session: ClientSession) -> None:
            self._destinations.insert_one(record, session=session)
            self._deliveries.insert_one(delivery, session=session)

        with unique(f"destination {destination.id} or its name exists"):
            run_transaction(self._client, add)

    def replace_destination(self, destination: Destination) -> bool:
        values = to_bson(DestinationRecord(id=destination.id, **self._values(destination)))
        del values["_id"]
        with unique(f"a destination named {destination.name} exists"):
            return self._destinations.update_one(
                {"_id": destination.id}, {"$set": values},
                session=writing(self._client)).matched_count == 1

    def remove_destination(self, destination_id: str) -> bool:
        def remove(session: ClientSession) -> bool:
            self._letters.delete_many({"destination_id": destination_id}, session=session)
            self._deliveries.delete_one({"_id": destination_id}, session=session)
            return self._destinations.delete_one({"_id": destination_id},
                                                 session=session).deleted_count == 1

        return run_transaction(self._client, remove)

    def get_destination(self, destination_id: str) -> Destination | None:
        son = self._destinations.find_one({"_id": destination_id},
                                          session=reading(self._client))
        return self._destination(son) if son else None

    def list_destinations(self, *, enabled_only: bool = False) -> list[Destination]:
        query: dict[str, Any] = {"enabled": True} if enabled_only else {}
        found = self._destinations.find(query, sort=[("name", ASCENDING)],
                                        session=reading(self._client))
        return [self._destination(son) for son in found]

    def delivery_state(self, destination_id: str) -> DeliveryState | None:
        son = self._deliveries.find_one({"_id": destination_id}, session=reading(self._client))
        if son is None:
            return None
        record = from_bson(DeliveryRecord, son)
        return DeliveryState(feed=FeedState(cursor=record.cursor, gaps=gaps_of(record.gaps)),
                             attempts=record.attempts, retry_at=instant(record.retry_at),
                             last_error=record.last_error, delivered=record.delivered)

    def save_delivery_state(self, destination_id: str, state: DeliveryState) -> None:
        values = to_bson(DeliveryRecord(destination_id=destination_id, **_state_values(state)))
        del values["_id"]
        self._deliveries.update_one({"_id": destination_id}, {"$set": values},
                                    session=writing(self._client))

    def add_dead_letters(self, new: Sequence[DeadLetter]) -> None:
        if not new:
            return
        first = allocate(self._database, DEAD_LETTER_IDS, len(new))
        records = [to_bson(DeadLetterRecord(
            id=first + n, destination_id=letter.destination_id,
            statement_id=letter.statement_id, seq=letter.seq, status=letter.status,
            answer=letter.answer, failed_at=micros(letter.failed_at)))
            for n, letter in enumerate(new)]

        def add(session: ClientSession) -> None:
            self._letters.insert_many(records, session=session)

        run_transaction(self._client, add)

    def dead_letters(self, destination_id: str | None = None, *, include_resent: bool = False,
                     limit: int = 100) -> list[DeadLetter]:
        query: dict[str, Any] = {}
        if destination_id is not None:
            query["destination_id"] = destination_id
        if not include_resent:
            query["resent_at"] = None
        found = self._letters.find(query, sort=[("_id", ASCENDING)], limit=limit,
                                   session=reading(self._client))
        return [_dead_letter(son) for son in found]

    def mark_resent(self, letter_ids: Sequence[int], when: datetime) -> int:
        if not letter_ids:
            return 0

        def mark(session: ClientSession) -> int:
            return self._letters.update_many(
                {"_id": {"$in": sorted(set(letter_ids))}, "resent_at": None},
                {"$set": {"resent_at": micros(when)}}, session=session).modified_count

        return run_transaction(self._client, mark)

    def reseal_secrets(self) -> int:
        return reseal_secrets(self._destinations, self._cipher, "auth_secret")

    def _values(self, destination: Destination) -> dict[str, Any]:
        rules = destination.filter
        return {**partner_values(destination, self._cipher),
                "filter": {"credentials": list(rules.credentials), "verbs": list(rules.verbs),
                           "activity_prefix": rules.activity_prefix,
                           "agencies": list(rules.agencies)},
                "batch_size": destination.batch_size, "enabled": destination.enabled}

    def _destination(self, son: dict[str, Any]) -> Destination:
        record = from_bson(DestinationRecord, son)
        rules = record.filter
        return Destination(
            id=record.id, name=record.name, endpoint=record.endpoint, version=record.version,
            auth=remote_auth_of(record, self._cipher),
            filter=ForwardFilter(credentials=tuple(rules["credentials"]),
                                 verbs=tuple(rules["verbs"]),
                                 activity_prefix=rules["activity_prefix"],
                                 agencies=tuple(rules["agencies"])),
            batch_size=record.batch_size, enabled=record.enabled,
            created_at=instant(record.created_at), updated_at=instant(record.updated_at))


def _state_values(state: DeliveryState) -> dict[str, Any]:
    return {"cursor": state.feed.cursor,
            "gaps": gaps_bson(state.feed.gaps),
            "attempts": state.attempts, "retry_at": micros(state.retry_at),
            "last_error": state.last_error, "delivered": state.delivered}


def _dead_letter(son: dict[str, Any]) -> DeadLetter:
    record = from_bson(DeadLetterRecord, son)
    return DeadLetter(id=record.id, destination_id=record.destination_id,
                      statement_id=record.statement_id, seq=record.seq, status=record.status,
                      answer=record.answer, failed_at=instant(record.failed_at),
                      resent_at=instant(record.resent_at))
