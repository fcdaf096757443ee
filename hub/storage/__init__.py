"""The storage contract: one `typing.Protocol` per resource family, several engines.

Operations above this package see only the protocols in `hub.storage.contract`;
SQL lives in `hub.storage.sql` (SQLite and PostgreSQL through SQLAlchemy Core),
MongoDB in `hub.storage.mongo` (mongoengine and pymongo); the URL scheme selects one
in `open_storage`.
"""

from __future__ import annotations

from flask import current_app

from hub.storage.contract import Storage
from hub.storage.key_encryption import KeyCipher


def open_storage(url: str, cipher: KeyCipher | None = None) -> Storage:
    """`cipher` seals the private signing keys at rest (docs/security.md "Keys at rest")."""
    if url.startswith(("sqlite", "postgresql")):
        from hub.storage.sql import SqlStorage

        return SqlStorage(url, cipher)
    if url.startswith("mongodb"):
        from hub.storage.mongo import MongoStorage

        return MongoStorage(url, cipher)
    raise ValueError(f"no storage engine for {url!r}")


def current_storage() -> Storage:
    return current_app.extensions["hub.storage"]
