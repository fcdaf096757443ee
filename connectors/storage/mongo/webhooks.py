"""Webhook subscriptions and their outbox on MongoDB.

A subscription's secret is sealed with the storage cipher, as on SQL.  The feed
position lives on the subscription and moves in the collector's unit of work;
`lock_feed_state` writes the subscription inside it, so of two collectors the later
transaction is aborted as a write conflict instead of reading past the first (FOR
UPDATE on SQL).  Claims take each due entry with a conditional update of its own
lease, so two claimers (workers, or `webhooks deliver` beside one) never take one
entry: an entry another claimer took first no longer matches and is skipped, as SKIP
LOCKED does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, MongoClient, ReturnDocument
from pymongo.client_session import ClientSession
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from connectors.storage.mongo.feed import gaps_bson, gaps_of
from connectors.storage.mongo.records import OutboxRecord, SubscriptionRecord
from connectors.storage.webhook_contract import (
    AttemptOutcome,
    OutboxBacklog,
    OutboxEntry,
    OutboxState,
    StatementFilter,
    Subscription,
    WebhookMessage,
)
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
from lrs.service import FeedState

OUTBOX_IDS = "webhook_outbox"  # the allocate() counter
_BATCH = 500
_DUE_ORDER = [("next_attempt_at", ASCENDING), ("_id", ASCENDING)]


class MongoWebhookStore:
    def __init__(self, database: Database[Any], cipher: KeyCipher) -> None:
        self._client: MongoClient[Any] = database.client
        self._database = database
        self._cipher = cipher
        self._subscriptions = database[SubscriptionRecord._meta["collection"]]
        self._outbox = database[OutboxRecord._meta["collection"]]

    # --- subscriptions ---------------------------------------------------------------
    def add_subscription(self, subscription: Subscription, start: FeedState) -> None:
        now = datetime.now(UTC)
        record = SubscriptionRecord(
            id=subscription.id, url=subscription.url,
            secret=self._cipher.seal(subscription.secret), events=sorted(subscription.events),
            statement_filter=_filter_values(subscription.statement_filter),
            enabled=subscription.enabled, description=subscription.description,
            created_at=micros(subscription.created_at or now),
            updated_at=micros(subscription.updated_at or now), **_feed_values(start))
        with unique(f"subscription {subscription.id} exists"):
            self._subscriptions.insert_one(to_bson(record), session=writing(self._client))

    def get_subscription(self, subscription_id: str) -> Subscription | None:
        son = self._subscriptions.find_one({"_id": subscription_id},
                                           session=reading(self._client))
        return self._subscription(son) if son else None

    def list_subscriptions(self, *, enabled_only: bool = False) -> list[Subscription]:
        query: dict[str, Any] = {"enabled": True} if enabled_only else {}
        found = self._subscriptions.find(query, sort=[("created_at", ASCENDING),
                                                      ("_id", ASCENDING)],
                                         session=reading(self._client))
        return [self._subscription(son) for son in found]

    def set_enabled(self, subscription_id: str, enabled: bool, when: datetime, *,
                    restart: FeedState | None = None) -> bool:
        values: dict[str, Any] = {"enabled": enabled, "updated_at": micros(when)}
        if restart is not None:
            values.update(_feed_values(restart))
        return self._subscriptions.update_one({"_id": subscription_id}, {"$set": values},
                                              session=writing(self._client)).matched_count == 1

    def remove_subscription(self, subscription_id: str) -> bool:
        def remove(session: ClientSession) -> bool:
            self._outbox.delete_many({"subscription_id": subscription_id}, session=session)
            return self._subscriptions.delete_one({"_id": subscription_id},
                                                  session=session).deleted_count == 1

        return run_transaction(self._client, remove)

    # --- the feed ----------------------------------------------------------------------
    def feed_state(self, subscription_id: str) -> FeedState | None:
        son = self._subscriptions.find_one({"_id": subscription_id},
                                           {"feed_cursor": 1, "feed_gaps": 1},
                                           session=reading(self._client))
        return _feed_of(son) if son else None

    def lock_feed_state(self, subscription_id: str) -> FeedState | None:
        session = writing(self._client)
        if session is None:  # no unit of work to hold the lock in: a plain read
            return self.feed_state(subscription_id)
        # The write makes a concurrent collector's transaction conflict with this one;
        # outbox inserts (the transcripts listener's) do not touch the subscription.
        son = self._subscriptions.find_one_and_update(
            {"_id": subscription_id}, {"$inc": {"feed_locks": 1}},
            projection={"feed_cursor": 1, "feed_gaps": 1},
            return_document=ReturnDocument.AFTER, session=session)
        return _feed_of(son) if son else None

    def save_feed_state(self, subscription_id: str, state: FeedState) -> None:
        self._subscriptions.update_one({"_id": subscription_id},
                                       {"$set": _feed_values(state)},
                                       session=writing(self._client))

    # --- the outbox --------------------------------------------------------------------
    def enqueue(self, messages: Sequence[WebhookMessage]) -> int:
        # The first message of each (subscription, event key), as ON CONFLICT DO NOTHING.
        unique_messages: dict[tuple[str, str], WebhookMessage] = {}
        for message in messages:
            unique_messages.setdefault((message.subscription_id, message.event_key), message)
        if not unique_messages:
            return 0

        def add(session: ClientSession) -> int:
            keys = list(unique_messages)
            queued = self._queued(keys, session)
            fresh = [unique_messages[key] for key in keys if key not in queued]
            if not fresh:
                return 0
            first = allocate(self._database, OUTBOX_IDS, len(fresh))
            records = [to_bson(OutboxRecord(
                id=first + n, subscription_id=m.subscription_id, event_key=m.event_key,
                message_id=m.message_id, type=m.type, body=m.body, state="pending",
                attempts=0, next_attempt_at=micros(m.created_at),
                created_at=micros(m.created_at))) for n, m in enumerate(fresh)]
            try:
                for start in range(0, len(records), _BATCH):
                    self._outbox.insert_many(records[start:start + _BATCH], session=session)
            except DuplicateKeyError as error:
                # Queued by a concurrent transaction after this one's snapshot.
                raise Contended(str(error)) from error
            return len(fresh)

        return run_transaction(self._client, add)

    def claim_due(self, now: datetime, limit: int, leased_until: datetime, *,
                  subscription_id: str | None = None) -> list[OutboxEntry]:
        session = writing(self._client)
        enabled = [son["_id"] for son in self._subscriptions.find(
            {"enabled": True}, {"_id": 1}, session=session)]
        if subscription_id is not None:
            enabled = [s for s in enabled if s == subscription_id]
        at = micros(now)
        due: dict[str, Any] = {
            "state": "pending", "next_attempt_at": {"$lte": at},
            "subscription_id": {"$in": enabled},
            "$or": [{"leased_until": None}, {"leased_until": {"$lte": at}}]}
        claimed: list[dict[str, Any]] = []
        while enabled and len(claimed) < limit:
            candidates = [son["_id"] for son in self._outbox.find(
                due, {"_id": 1}, sort=_DUE_ORDER, limit=limit - len(claimed),
                session=session)]
            took = [son for son in (self._claim(entry_id, due, leased_until, session)
                                    for entry_id in candidates) if son is not None]
            claimed.extend(took)
            if not took:  # nothing left, or every candidate was another claimer's
                break
        claimed.sort(key=lambda son: (son["next_attempt_at"], son["_id"]))
        return [_entry(son) for son in claimed]

    def _claim(self, entry_id: int, due: dict[str, Any], leased_until: datetime,
               session: ClientSession | None) -> dict[str, Any] | None:
        # The due condition again: it no longer matches an entry another claimer took.
        found: dict[str, Any] | None = self._outbox.find_one_and_update(
            {**due, "_id": entry_id}, {"$set": {"leased_until": micros(leased_until)}},
            return_document=ReturnDocument.AFTER, session=session)
        return found

    def record_attempts(self, outcomes: Sequence[AttemptOutcome]) -> None:
        if not outcomes:
            return

        def record(session: ClientSession) -> None:
            for outcome in outcomes:
                finished = outcome.at if outcome.state != "pending" else None
                self._outbox.update_one({"_id": outcome.entry_id}, {"$set": {
                    "state": outcome.state, "attempts": outcome.attempts,
                    "next_attempt_at": micros(outcome.next_attempt_at), "leased_until": None,
                    "response_status": outcome.response_status, "error": outcome.error,
                    "finished_at": micros(finished)}}, session=session)

        run_transaction(self._client, record)

    def entries(self, state: OutboxState, *, subscription_id: str | None = None,
                after_id: int | None = None, limit: int = 100) -> list[OutboxEntry]:
        query: dict[str, Any] = {"state": state}
        if subscription_id is not None:
            query["subscription_id"] = subscription_id
        if after_id is not None:
            query["_id"] = {"$gt": after_id}
        found = self._outbox.find(query, sort=[("_id", ASCENDING)], limit=limit,
                                  session=reading(self._client))
        return [_entry(son) for son in found]

    def requeue_dead(self, entry_ids: Iterable[int] | None, when: datetime, *,
                     subscription_id: str | None = None) -> int:
        conditions: dict[str, Any] = {"state": "dead"}
        if subscription_id is not None:
            conditions["subscription_id"] = subscription_id
        values = {"state": "pending", "attempts": 0, "next_attempt_at": micros(when),
                  "leased_until": None, "finished_at": None}
        ids = None if entry_ids is None else sorted(set(entry_ids))

        def requeue(session: ClientSession) -> int:
            if ids is None:
                return self._outbox.update_many(conditions, {"$set": values},
                                                session=session).modified_count
            changed = 0
            for start in range(0, len(ids), _BATCH):
                changed += self._outbox.update_many(
                    {**conditions, "_id": {"$in": ids[start:start + _BATCH]}},
                    {"$set": values}, session=session).modified_count
            return changed

        return run_transaction(self._client, requeue)

    def purge_delivered(self, before: datetime, *, keep_types: Iterable[str] = (),
                        subscription_id: str | None = None, limit: int = 1000) -> int:
        old: dict[str, Any] = {"state": "delivered", "finished_at": {"$lt": micros(before)},
                               "type": {"$nin": sorted(set(keep_types))}}
        if subscription_id is not None:
            old["subscription_id"] = subscription_id
        if self._outbox.find_one(old, {"_id": 1}, session=reading(self._client)) is None:
            return 0  # the usual case: no write transaction for nothing

        def purge(session: ClientSession) -> int:
            ids = [son["_id"] for son in self._outbox.find(
                old, {"_id": 1}, sort=[("_id", ASCENDING)], limit=limit, session=session)]
            if ids:
                self._outbox.delete_many({"_id": {"$in": ids}}, session=session)
            return len(ids)

        return run_transaction(self._client, purge)

    def backlog(self, subscription_id: str | None = None) -> OutboxBacklog:
        session = reading(self._client)
        scope: dict[str, Any] = {} if subscription_id is None else {
            "subscription_id": subscription_id}
        pending = self._outbox.count_documents({**scope, "state": "pending"}, session=session)
        dead = self._outbox.count_documents({**scope, "state": "dead"}, session=session)
        oldest = self._outbox.find_one({**scope, "state": "pending"}, {"created_at": 1},
                                       sort=[("created_at", ASCENDING)], session=session)
        return OutboxBacklog(pending=pending, dead=dead,
                             oldest_pending_at=instant(oldest["created_at"]) if oldest else None)

    def reseal_secrets(self) -> int:
        return reseal_secrets(self._subscriptions, self._cipher, "secret")

    def _queued(self, keys: list[tuple[str, str]],
                session: ClientSession) -> set[tuple[str, str]]:
        queued: set[tuple[str, str]] = set()
        for start in range(0, len(keys), _BATCH):
            chunk = keys[start:start + _BATCH]
            found = self._outbox.find(
                {"subscription_id": {"$in": sorted({s for s, _ in chunk})},
                 "event_key": {"$in": sorted({k for _, k in chunk})}},
                {"subscription_id": 1, "event_key": 1}, session=session)
            queued.update((son["subscription_id"], son["event_key"]) for son in found)
        return queued

    def _subscription(self, son: dict[str, Any]) -> Subscription:
        record = from_bson(SubscriptionRecord, son)
        f = record.statement_filter or {}
        return Subscription(
            id=record.id, url=record.url, secret=self._cipher.open(record.secret),
            events=frozenset(record.events), enabled=record.enabled,
            description=record.description,
            statement_filter=StatementFilter(
                verb=f.get("verb"), activity_prefix=f.get("activity_prefix"),
                credential_key=f.get("credential_key"), authority_key=f.get("authority_key")),
            created_at=instant(record.created_at), updated_at=instant(record.updated_at))


def _filter_values(value: StatementFilter) -> dict[str, str]:
    fields = {"verb": value.verb, "activity_prefix": value.activity_prefix,
              "credential_key": value.credential_key, "authority_key": value.authority_key}
    return {k: v for k, v in fields.items() if v is not None}


def _feed_values(state: FeedState) -> dict[str, Any]:
    return {"feed_cursor": state.cursor,
            "feed_gaps": gaps_bson(state.gaps)}


def _feed_of(son: dict[str, Any]) -> FeedState:
    return FeedState(cursor=son["feed_cursor"], gaps=gaps_of(son.get("feed_gaps")))


def _entry(son: dict[str, Any]) -> OutboxEntry:
    record = from_bson(OutboxRecord, son)
    return OutboxEntry(id=record.id, subscription_id=record.subscription_id,
                       message_id=record.message_id, type=record.type, body=record.body,
                       state=record.state, attempts=record.attempts,
                       next_attempt_at=instant(record.next_attempt_at),
                       created_at=instant(record.created_at),
                       response_status=record.response_status, error=record.error,
                       finished_at=instant(record.finished_at))
