"""The lrs slice on MongoDB: statements, documents, activities."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pymongo.database import Database

from hub.storage.contract import MongoHandle
from hub.storage.mongo.migrations import MongoMigration, ensure_collections
from lrs.storage.mongo.activities import MongoActivityStore
from lrs.storage.mongo.documents import MongoDocumentStore, create_document_indexes
from lrs.storage.mongo.records import ACTIVITIES, ATTACHMENTS, DOCUMENTS, STATEMENTS
from lrs.storage.mongo.statements import MongoStatementStore, create_statement_indexes


@dataclass(frozen=True)
class MongoLrsStores:
    statements: MongoStatementStore
    documents: MongoDocumentStore
    activities: MongoActivityStore


def open_mongo(handle: MongoHandle) -> MongoLrsStores:
    return MongoLrsStores(statements=MongoStatementStore(handle.database),
                          documents=MongoDocumentStore(handle.database),
                          activities=MongoActivityStore(handle.database))


def _lrs_0001_statements_documents_activities(database: Database[Any]) -> None:
    # Attachments and activities are found by _id only: no index of their own.
    ensure_collections(database, STATEMENTS, ATTACHMENTS, DOCUMENTS, ACTIVITIES)
    create_statement_indexes(database)
    create_document_indexes(database)


MIGRATIONS: tuple[MongoMigration, ...] = (
    MongoMigration("lrs_0001_statements_documents_activities",
                   _lrs_0001_statements_documents_activities),
)
