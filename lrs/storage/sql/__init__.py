"""The lrs slice on SQL (SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import dataclass

from hub.storage.contract import SqlHandle
from lrs.storage.sql.activities import SqlActivityStore
from lrs.storage.sql.documents import SqlDocumentStore
from lrs.storage.sql.statements import SqlStatementStore


@dataclass(frozen=True)
class SqlLrsStores:
    statements: SqlStatementStore
    documents: SqlDocumentStore
    activities: SqlActivityStore


def open_sql(handle: SqlHandle) -> SqlLrsStores:
    return SqlLrsStores(statements=SqlStatementStore(handle.engine),
                        documents=SqlDocumentStore(handle.engine),
                        activities=SqlActivityStore(handle.engine))
