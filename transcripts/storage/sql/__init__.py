"""The transcripts slice on SQL (SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import dataclass

from hub.storage.contract import SqlHandle
from transcripts.storage.sql.access import SqlAccessStore, SqlIssuerKeyStore
from transcripts.storage.sql.frameworks import SqlFrameworkStore
from transcripts.storage.sql.people import SqlPersonStore
from transcripts.storage.sql.transcripts import SqlTranscriptStore


@dataclass(frozen=True)
class SqlTranscriptStores:
    people: SqlPersonStore
    frameworks: SqlFrameworkStore
    transcripts: SqlTranscriptStore
    access: SqlAccessStore
    issuer_keys: SqlIssuerKeyStore

    def reseal_private_keys(self) -> dict[str, int]:
        return {"issuer_keys": self.issuer_keys.reseal_private_keys()}


def open_sql(handle: SqlHandle) -> SqlTranscriptStores:
    engine = handle.engine
    return SqlTranscriptStores(people=SqlPersonStore(engine),
                               frameworks=SqlFrameworkStore(engine),
                               transcripts=SqlTranscriptStore(engine),
                               access=SqlAccessStore(engine),
                               issuer_keys=SqlIssuerKeyStore(engine, handle.cipher))
