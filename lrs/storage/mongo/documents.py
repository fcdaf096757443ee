"""State, Activity Profile and Agent Profile documents on MongoDB.

Every write is one transaction that first takes the scope's lock
(hub.storage.mongo.common.lock, the SQL engines' advisory lock): the caller's callback
sees the current document under it, so two writers holding the same ETag never both
succeed, and creating a document and clearing its whole scope serialise too.  The
callback may run again when a write conflict retries the transaction; the callers'
(lrs.documents) only check preconditions and build the new content.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from bson import Binary
from pymongo import ASCENDING, MongoClient
from pymongo.client_session import ClientSession
from pymongo.collection import Collection as MongoCollection
from pymongo.database import Database

from hub.storage.mongo.common import instant, lock, micros, reading, run_transaction
from hub.storage.mongo.records import from_bson, to_bson
from lrs.storage.contract import DocumentContent, DocumentListing, DocumentScope, StoredDocument
from lrs.storage.keys import document_key, scope_key
from lrs.storage.mongo.records import DOCUMENTS, DocumentEntry

BY_SCOPE = "scope_updated"


def create_document_indexes(database: Database[Any]) -> None:
    database[DOCUMENTS].create_index([("scope_key", ASCENDING), ("updated", ASCENDING)],
                                     name=BY_SCOPE)


class MongoDocumentStore:
    def __init__(self, database: Database[Any]) -> None:
        self._client: MongoClient[Any] = database.client
        self._database = database
        self._documents: MongoCollection[Any] = database[DOCUMENTS]

    # --- reads -------------------------------------------------------------
    def get_document(self, scope: DocumentScope, document_id: str) -> StoredDocument | None:
        return self._find(scope, document_id, reading(self._client))

    def list_document_ids(
        self, scope: DocumentScope, since: datetime | None = None
    ) -> list[DocumentListing]:
        return self._listing(scope, since, reading(self._client))

    # --- writes ------------------------------------------------------------
    def save_document(
        self, scope: DocumentScope, document_id: str,
        write: Callable[[StoredDocument | None], DocumentContent],
    ) -> StoredDocument:
        def save(session: ClientSession) -> StoredDocument:
            self._lock(scope, session)
            new = write(self._find(scope, document_id, session))
            record = DocumentEntry(
                key=document_key(scope, document_id), scope_key=scope_key(scope),
                kind=scope.kind, activity_id=scope.activity_id, agent_key=scope.agent_key,
                registration=scope.registration, document_id=document_id,
                content=new.content, content_type=new.content_type, etag=new.etag,
                updated=micros(new.updated))
            son = to_bson(record)
            son["content"] = Binary(new.content)
            self._documents.replace_one({"_id": record.key}, son, upsert=True,
                                        session=session)
            return _document(son)

        return run_transaction(self._client, save)

    def delete_document(
        self, scope: DocumentScope, document_id: str,
        check: Callable[[StoredDocument | None], None] | None = None,
    ) -> bool:
        def delete(session: ClientSession) -> bool:
            self._lock(scope, session)
            if check is not None:
                check(self._find(scope, document_id, session))
            result = self._documents.delete_one({"_id": document_key(scope, document_id)},
                                                session=session)
            return result.deleted_count > 0

        return run_transaction(self._client, delete)

    def delete_documents(
        self, scope: DocumentScope,
        check: Callable[[list[DocumentListing]], None] | None = None,
    ) -> int:
        def delete(session: ClientSession) -> int:
            self._lock(scope, session)
            if check is not None:
                check(self._listing(scope, None, session))
            result = self._documents.delete_many({"scope_key": scope_key(scope)},
                                                 hint=BY_SCOPE, session=session)
            return result.deleted_count

        return run_transaction(self._client, delete)

    # --- helpers -----------------------------------------------------------
    def _lock(self, scope: DocumentScope, session: ClientSession) -> None:
        lock(session, self._database, f"lrs.documents:{scope_key(scope)}")

    def _find(self, scope: DocumentScope, document_id: str,
              session: ClientSession | None) -> StoredDocument | None:
        son = self._documents.find_one({"_id": document_key(scope, document_id)},
                                       session=session)
        return _document(son) if son else None

    def _listing(self, scope: DocumentScope, since: datetime | None,
                 session: ClientSession | None) -> list[DocumentListing]:
        condition: dict[str, Any] = {"scope_key": scope_key(scope)}
        if since is not None:
            condition["updated"] = {"$gt": micros(since)}
        found = self._documents.find(condition, {"document_id": 1, "updated": 1},
                                     hint=BY_SCOPE, session=session)
        # Ordered here, by code point, as the SQL engines do.
        return sorted((DocumentListing(document_id=son["document_id"],
                                       updated=instant(son["updated"])) for son in found),
                      key=lambda listing: listing.document_id)


def _document(son: dict[str, Any]) -> StoredDocument:
    record = from_bson(DocumentEntry, son)
    return StoredDocument(document_id=record.document_id, content=bytes(record.content),
                          content_type=record.content_type, etag=record.etag,
                          updated=instant(record.updated))
