"""The connectors slice on SQL (SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import dataclass

from connectors.storage.sql.destinations import SqlDestinationStore
from connectors.storage.sql.import_jobs import SqlImportJobStore
from connectors.storage.sql.sources import SqlSourceStore
from connectors.storage.sql.webhooks import SqlWebhookStore
from connectors.storage.sql.worker import SqlWorkerStore
from hub.storage.contract import SqlHandle


@dataclass(frozen=True)
class SqlConnectorStores:
    worker: SqlWorkerStore
    destinations: SqlDestinationStore
    sources: SqlSourceStore
    webhooks: SqlWebhookStore
    imports: SqlImportJobStore

    def reseal_private_keys(self) -> dict[str, int]:
        """Partner secrets, sealed again under the first key (`flask db reencrypt-keys`)."""
        return {"connector_destinations": self.destinations.reseal_secrets(),
                "connector_sources": self.sources.reseal_secrets(),
                "webhook_secrets": self.webhooks.reseal_secrets()}


def open_sql(handle: SqlHandle) -> SqlConnectorStores:
    return SqlConnectorStores(worker=SqlWorkerStore(handle.engine),
                              destinations=SqlDestinationStore(handle.engine, handle.cipher),
                              webhooks=SqlWebhookStore(handle.engine, handle.cipher),
                              sources=SqlSourceStore(handle.engine, handle.cipher),
                              imports=SqlImportJobStore(handle.engine))
