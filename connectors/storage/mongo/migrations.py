"""The connectors slice's index steps on MongoDB, one per SQL migration (a released step
never changes: a new index is a new step).  One index per query shape of the stores."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING as UP
from pymongo.database import Database

from hub.storage.mongo.migrations import MongoMigration, ensure_collections


def _connectors_0001_worker_and_forwarding(database: Database[Any]) -> None:
    ensure_collections(database, "connector_workers", "connector_leases",
                       "connector_destinations", "connector_deliveries",
                       "connector_dead_letters")
    database.connector_workers.create_index(
        [("stopped_at", UP), ("started_at", UP), ("_id", UP)], name="open_by_start")
    database.connector_leases.create_index([("holder", UP), ("expires_at", UP)],
                                           name="holder_expires")
    database.connector_destinations.create_index("name", name="name", unique=True)
    database.connector_destinations.create_index([("enabled", UP), ("name", UP)],
                                                 name="enabled_name")
    letters = database.connector_dead_letters
    letters.create_index([("destination_id", UP), ("resent_at", UP), ("_id", UP)],
                         name="destination_open")
    letters.create_index([("resent_at", UP), ("_id", UP)], name="open")


def _connectors_0002_sources(database: Database[Any]) -> None:
    ensure_collections(database, "connector_sources", "connector_pulls",
                       "connector_pull_conflicts")
    database.connector_sources.create_index("name", name="name", unique=True)
    database.connector_sources.create_index([("enabled", UP), ("name", UP)],
                                            name="enabled_name")
    conflicts = database.connector_pull_conflicts
    conflicts.create_index([("source_id", UP), ("statement_id", UP), ("kind", UP),
                            ("digest", UP)], name="seen", unique=True)
    conflicts.create_index([("source_id", UP), ("_id", UP)], name="source_order")


def _connectors_0003_webhooks(database: Database[Any]) -> None:
    ensure_collections(database, "webhook_subscriptions", "webhook_outbox")
    database.webhook_subscriptions.create_index(
        [("enabled", UP), ("created_at", UP), ("_id", UP)], name="enabled_created")
    database.webhook_subscriptions.create_index([("created_at", UP), ("_id", UP)],
                                                name="created")
    outbox = database.webhook_outbox
    outbox.create_index([("subscription_id", UP), ("event_key", UP)], name="event",
                        unique=True)
    outbox.create_index([("state", UP), ("next_attempt_at", UP), ("_id", UP)], name="due")
    outbox.create_index([("subscription_id", UP), ("state", UP), ("next_attempt_at", UP),
                         ("_id", UP)], name="subscription_due")
    outbox.create_index([("state", UP), ("_id", UP)], name="state_order")
    outbox.create_index([("subscription_id", UP), ("state", UP), ("_id", UP)],
                        name="subscription_state_order")
    outbox.create_index([("state", UP), ("finished_at", UP)], name="finished")
    outbox.create_index([("state", UP), ("created_at", UP)], name="state_created")
    outbox.create_index([("subscription_id", UP), ("state", UP), ("created_at", UP)],
                        name="subscription_state_created")


def _connectors_0004_imports(database: Database[Any]) -> None:
    ensure_collections(database, "connector_imports")
    database.connector_imports.create_index(
        [("status", UP), ("created_at", UP), ("_id", UP)], name="status_created")


MIGRATIONS = (
    MongoMigration("connectors_0001_worker_and_forwarding", _connectors_0001_worker_and_forwarding),
    MongoMigration("connectors_0002_sources", _connectors_0002_sources),
    MongoMigration("connectors_0003_webhooks", _connectors_0003_webhooks),
    MongoMigration("connectors_0004_imports", _connectors_0004_imports),
)
