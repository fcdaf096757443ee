"""The connectors slice on MongoDB (issue 17)."""

from __future__ import annotations

from dataclasses import dataclass

from connectors.storage.mongo.destinations import MongoDestinationStore
from connectors.storage.mongo.import_jobs import MongoImportJobStore
from connectors.storage.mongo.migrations import MIGRATIONS
from connectors.storage.mongo.sources import MongoSourceStore
from connectors.storage.mongo.webhooks import MongoWebhookStore
from connectors.storage.mongo.worker import MongoWorkerStore
from hub.storage.contract import MongoHandle

__all__ = ["MIGRATIONS", "MongoConnectorStores", "open_mongo"]


@dataclass(frozen=True)
class MongoConnectorStores:
    worker: MongoWorkerStore
    destinations: MongoDestinationStore
    sources: MongoSourceStore
    webhooks: MongoWebhookStore
    imports: MongoImportJobStore

    def reseal_private_keys(self) -> dict[str, int]:
        """Partner secrets, sealed again under the first key (`flask db reencrypt-keys`)."""
        return {"connector_destinations": self.destinations.reseal_secrets(),
                "connector_sources": self.sources.reseal_secrets(),
                "webhook_secrets": self.webhooks.reseal_secrets()}


def open_mongo(handle: MongoHandle) -> MongoConnectorStores:
    return MongoConnectorStores(worker=MongoWorkerStore(handle.database),
                                destinations=MongoDestinationStore(handle.database,
                                                                   handle.cipher),
                                sources=MongoSourceStore(handle.database, handle.cipher),
                                webhooks=MongoWebhookStore(handle.database, handle.cipher),
                                imports=MongoImportJobStore(handle.database))
