"""The connectors slice on SQL (SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import dataclass

from connectors.storage.sql.import_jobs import SqlImportJobStore
from hub.storage.contract import SqlHandle


@dataclass(frozen=True)
class SqlConnectorStores:
    imports: SqlImportJobStore


def open_sql(handle: SqlHandle) -> SqlConnectorStores:
    return SqlConnectorStores(imports=SqlImportJobStore(handle.engine))
