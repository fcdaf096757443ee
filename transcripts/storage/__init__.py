"""The transcripts slice: its contract, its SQL stores and its migrations (issue 18.1)."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, cast

from hub.storage import current_storage
from hub.storage.contract import SqlHandle, Storage, StorageSlice
from transcripts.storage.contract import (
    AccessStore,
    FrameworkStore,
    IssuerKeyStore,
    PersonStore,
    TranscriptStore,
)


class TranscriptStores(Protocol):
    @property
    def people(self) -> PersonStore: ...
    @property
    def frameworks(self) -> FrameworkStore: ...
    @property
    def transcripts(self) -> TranscriptStore: ...
    @property
    def access(self) -> AccessStore: ...
    @property
    def issuer_keys(self) -> IssuerKeyStore: ...


def _open_sql(handle: SqlHandle) -> TranscriptStores:
    from transcripts.storage.sql import open_sql  # SQLAlchemy only when the engine is SQL

    return open_sql(handle)


SLICE = StorageSlice(name="transcripts", migrations=Path(__file__).resolve().parent / "migrations",
                     open_sql=_open_sql)


def stores(storage: Storage | None = None) -> TranscriptStores:
    """This slice's stores on `storage` (default: the running app's)."""
    return cast(TranscriptStores, (storage or current_storage()).slice(SLICE.name))
