"""The LTI platform slice's MongoDB schema steps: its collections and one index per
query shape (hub.storage.mongo.migrations)."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING
from pymongo.database import Database

from hub.storage.mongo.migrations import MongoMigration, ensure_collections
from hub.storage.mongo.signing_keys import create_signing_keys_indexes
from lti.platform.storage.mongo.records import (
    KEYS,
    AssertionRecord,
    ContextRecord,
    LearnerRecord,
    LineItemRecord,
    LinkRecord,
    MemberRecord,
    PlacementRecord,
    ResultRecord,
    ToolRecord,
)

RECORDS = (ToolRecord, PlacementRecord, AssertionRecord, LearnerRecord, ContextRecord,
           MemberRecord, LinkRecord, LineItemRecord, ResultRecord)


def _collection(database: Database[Any], record: Any) -> Any:
    return database[record._meta["collection"]]


def _lti_platform_0001(database: Database[Any]) -> None:
    ensure_collections(database, KEYS, *(record._meta["collection"] for record in RECORDS))
    create_signing_keys_indexes(database, KEYS)
    _collection(database, ToolRecord).create_index("client_id", unique=True, name="client_id")
    _collection(database, PlacementRecord).create_index(
        [("tool_id", ASCENDING), ("_id", ASCENDING)], name="tool")
    assertions = _collection(database, AssertionRecord)
    assertions.create_index([("client_id", ASCENDING), ("jti", ASCENDING)], unique=True,
                            name="client_jti")
    assertions.create_index("expires_at", name="expires_at")
    _collection(database, LearnerRecord).create_index(
        [("tool_id", ASCENDING), ("sub", ASCENDING)], unique=True, name="tool_sub")
    _collection(database, MemberRecord).create_index(
        [("tool_id", ASCENDING), ("context_id", ASCENDING), ("sub", ASCENDING)],
        unique=True, name="tool_context_sub")
    _collection(database, LineItemRecord).create_index(
        [("tool_id", ASCENDING), ("context_id", ASCENDING), ("_id", ASCENDING)],
        name="tool_context")
    _collection(database, ResultRecord).create_index(
        [("line_item_id", ASCENDING), ("sub", ASCENDING)], unique=True, name="item_sub")


MIGRATIONS = (MongoMigration("lti_platform_0001", _lti_platform_0001),)
