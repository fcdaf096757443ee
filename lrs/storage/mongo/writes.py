"""A failed bulk write in the contract's terms."""

from __future__ import annotations

from pymongo.errors import BulkWriteError

from hub.storage.contract import Contended
from hub.storage.mongo.common import WRITE_CONFLICT

DUPLICATE_KEY = 11000


def bulk_failure(error: BulkWriteError, on_duplicate: Exception) -> Exception | None:
    """`on_duplicate` for a duplicate key, Contended for a write conflict with a
    concurrent transaction, None for anything else (the caller re-raises it)."""
    codes = {e.get("code") for e in error.details.get("writeErrors", [])}
    if DUPLICATE_KEY in codes:
        return on_duplicate
    if WRITE_CONFLICT in codes or "TransientTransactionError" in error.details.get(
            "errorLabels", []):
        return Contended(str(error))
    return None
