"""State, Activity Profile and Agent Profile documents on SQLite and PostgreSQL.

Every write runs in one transaction that first locks the document's scope: on
PostgreSQL a transaction-scoped advisory lock on the scope key, on SQLite the
database write lock (BEGIN IMMEDIATE).  The caller's callback then sees the current
document under that lock, so a precondition it checks still holds when the write
lands and two writers holding the same ETag can never both succeed.  The scope (not
the row) is locked so that creating a document and clearing a whole scope serialize
too, which a row lock cannot do for rows that do not exist yet.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select, update

from hub.storage.sql.common import aware, connection, write_transaction
from lrs.storage.contract import DocumentContent, DocumentListing, DocumentScope, StoredDocument
from lrs.storage.keys import document_key, scope_key
from lrs.storage.sql.tables import documents


class SqlDocumentStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    # --- reads -------------------------------------------------------------
    def get_document(self, scope: DocumentScope, document_id: str) -> StoredDocument | None:
        with connection(self._engine) as conn:
            return _select_document(conn, scope, document_id)

    def list_document_ids(
        self, scope: DocumentScope, since: datetime | None = None
    ) -> list[DocumentListing]:
        with connection(self._engine) as conn:
            return _select_listing(conn, scope, since)

    # --- writes ------------------------------------------------------------
    def save_document(
        self, scope: DocumentScope, document_id: str,
        write: Callable[[StoredDocument | None], DocumentContent],
    ) -> StoredDocument:
        with write_transaction(self._engine, lock=scope_key(scope)) as conn:
            current = _select_document(conn, scope, document_id)
            new = write(current)
            values: dict[str, Any] = {"content": new.content, "content_type": new.content_type,
                      "etag": new.etag, "updated": new.updated.astimezone(UTC)}
            if current is None:
                conn.execute(insert(documents).values(
                    key=document_key(scope, document_id), scope_key=scope_key(scope),
                    kind=scope.kind, activity_id=scope.activity_id, agent_key=scope.agent_key,
                    registration=scope.registration, document_id=document_id, **values))
            else:
                conn.execute(update(documents)
                             .where(documents.c.key == document_key(scope, document_id))
                             .values(**values))
        return StoredDocument(document_id=document_id, **values)

    def delete_document(
        self, scope: DocumentScope, document_id: str,
        check: Callable[[StoredDocument | None], None] | None = None,
    ) -> bool:
        with write_transaction(self._engine, lock=scope_key(scope)) as conn:
            if check is not None:
                check(_select_document(conn, scope, document_id))
            result = conn.execute(
                delete(documents).where(documents.c.key == document_key(scope, document_id)))
        return result.rowcount > 0

    def delete_documents(
        self, scope: DocumentScope,
        check: Callable[[list[DocumentListing]], None] | None = None,
    ) -> int:
        with write_transaction(self._engine, lock=scope_key(scope)) as conn:
            if check is not None:
                check(_select_listing(conn, scope, None))
            result = conn.execute(
                delete(documents).where(documents.c.scope_key == scope_key(scope)))
        return result.rowcount


# --- rows ----------------------------------------------------------------------
def _select_document(conn: Connection, scope: DocumentScope,
                     document_id: str) -> StoredDocument | None:
    row = conn.execute(
        select(documents.c.document_id, documents.c.content, documents.c.content_type,
               documents.c.etag, documents.c.updated)
        .where(documents.c.key == document_key(scope, document_id))
    ).first()
    if row is None:
        return None
    return StoredDocument(document_id=row.document_id, content=bytes(row.content),
                          content_type=row.content_type, etag=row.etag,
                          updated=aware(row.updated))


def _select_listing(conn: Connection, scope: DocumentScope,
                    since: datetime | None) -> list[DocumentListing]:
    query = (select(documents.c.document_id, documents.c.updated)
             .where(documents.c.scope_key == scope_key(scope)))
    if since is not None:
        # SQLite compares the stored UTC wall-clock text, so compare in UTC.
        query = query.where(documents.c.updated > since.astimezone(UTC))
    # Ordered here, by code point, so both engines agree whatever the collation.
    return sorted((DocumentListing(document_id=row.document_id, updated=aware(row.updated))
                   for row in conn.execute(query)), key=lambda listing: listing.document_id)


