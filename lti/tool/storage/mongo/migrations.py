"""The LTI tool slice's MongoDB schema steps: its collections and one index per query
shape (hub.storage.mongo.migrations)."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.database import Database

from hub.storage.mongo.migrations import MongoMigration, ensure_collections
from hub.storage.mongo.signing_keys import create_signing_keys_indexes
from lti.tool.storage.mongo.records import (
    KEYS,
    CatalogueRecord,
    ContextRecord,
    CursorRecord,
    GradeJobRecord,
    InviteRecord,
    LinkLaunchRecord,
    MembershipRecord,
    PlatformRecord,
    ResourceLinkRecord,
    SessionValueRecord,
    UserRecord,
)

RECORDS = (PlatformRecord, InviteRecord, SessionValueRecord, UserRecord, ContextRecord,
           MembershipRecord, ResourceLinkRecord, LinkLaunchRecord, CatalogueRecord,
           GradeJobRecord, CursorRecord)


def _lti_0001_tool(database: Database[Any]) -> None:
    ensure_collections(database, KEYS, *(record._meta["collection"] for record in RECORDS))
    create_signing_keys_indexes(database, KEYS)
    platforms = database[PlatformRecord._meta["collection"]]
    # find_platforms (by issuer) uses its prefix
    platforms.create_index([("issuer", ASCENDING), ("client_id", ASCENDING)], unique=True,
                           name="issuer_client")
    database[SessionValueRecord._meta["collection"]].create_index("expires_at",
                                                                  name="expires_at")
    users = database[UserRecord._meta["collection"]]
    users.create_index([("issuer", ASCENDING), ("sub", ASCENDING)], unique=True,
                       name="issuer_sub")
    users.create_index([("email_key", ASCENDING), ("issuer", ASCENDING), ("sub", ASCENDING)],
                       name="email")
    database[ContextRecord._meta["collection"]].create_index(
        [("platform_id", ASCENDING), ("context_id", ASCENDING)], unique=True,
        name="platform_context")
    database[MembershipRecord._meta["collection"]].create_index(
        [("platform_id", ASCENDING), ("context_id", ASCENDING), ("sub", ASCENDING)],
        unique=True, name="platform_context_sub")
    links = database[ResourceLinkRecord._meta["collection"]]
    links.create_index([("platform_id", ASCENDING), ("resource_link_id", ASCENDING)],
                       unique=True, name="platform_link")
    links.create_index([("platform_id", ASCENDING), ("context_id", ASCENDING),
                        ("title", ASCENDING), ("resource_link_id", ASCENDING)],
                       name="platform_context_title")
    links.create_index([("activity_key", ASCENDING), ("platform_id", ASCENDING)],
                       name="activity_key")
    links.create_index([("catalogue_id", ASCENDING), ("platform_id", ASCENDING)],
                       name="catalogue_id")
    database[LinkLaunchRecord._meta["collection"]].create_index(
        [("sub", ASCENDING), ("platform_id", ASCENDING), ("resource_link_id", ASCENDING)],
        unique=True, name="sub_platform_link")
    catalogue = database[CatalogueRecord._meta["collection"]]
    catalogue.create_index([("activity_id", ASCENDING), ("_id", ASCENDING)],
                           name="activity_id")
    catalogue.create_index([("title", ASCENDING), ("_id", ASCENDING)], name="title")
    jobs = database[GradeJobRecord._meta["collection"]]
    jobs.create_index([("statement_id", ASCENDING), ("platform_id", ASCENDING),
                       ("resource_link_id", ASCENDING), ("sub", ASCENDING)], unique=True,
                      name="statement_link_user")
    jobs.create_index([("status", ASCENDING), ("next_attempt_at", ASCENDING),
                       ("_id", ASCENDING)], name="due")
    jobs.create_index([("status", ASCENDING), ("_id", ASCENDING)], name="status")
    jobs.create_index([("platform_id", ASCENDING), ("resource_link_id", ASCENDING),
                       ("sub", ASCENDING), ("_id", DESCENDING)], name="link_user_newest")


MIGRATIONS = (MongoMigration("lti_0001_tool", _lti_0001_tool),)
