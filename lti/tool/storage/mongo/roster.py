"""MongoDB stores for LTI users, contexts, memberships, resource links and the catalogue."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from mongoengine import Document
from pymongo import ASCENDING, MongoClient
from pymongo.client_session import ClientSession
from pymongo.database import Database

from hub.storage.mongo.common import (
    instant,
    micros,
    reading,
    run_transaction,
    unique,
    writing,
)
from hub.storage.mongo.records import from_bson, to_bson
from lti.tool.storage.contract import (
    CatalogueEntry,
    LtiContext,
    LtiMember,
    LtiResourceLink,
    LtiUser,
)
from lti.tool.storage.mongo.records import (
    CatalogueRecord,
    ContextRecord,
    LinkLaunchRecord,
    MembershipRecord,
    PlatformRecord,
    ResourceLinkRecord,
    UserRecord,
)

_USER_FIELDS = ("name", "given_name", "family_name", "email", "sourcedid", "nip",
                "hub_identity")


def _keeping_stored(record: Document, key: Iterable[str], kept: Iterable[str]
                    ) -> dict[str, Any]:
    """An upsert of `record` that keeps the stored value of each `kept` field where the
    record's is None (SQL: ON CONFLICT ... SET x = COALESCE(excluded.x, x))."""
    son = to_bson(record)
    son.pop("_id", None)
    key, kept = set(key), set(kept)
    keep = {name for name in kept if son.get(name) is None}
    update: dict[str, Any] = {"$set": {k: v for k, v in son.items()
                                       if k not in key and k not in keep}}
    if keep:
        update["$setOnInsert"] = {name: None for name in keep}
    return update


Write = Callable[[ClientSession], object]


def _together(client: MongoClient[Any], writes: list[Write]) -> None:
    """Several upserts that land together, as in the SQL store's one transaction."""
    if not writes:
        return

    def apply(session: ClientSession) -> None:
        for write in writes:
            write(session)

    run_transaction(client, apply)


class MongoLtiRosterStore:
    def __init__(self, database: Database[Any]) -> None:
        self._client: MongoClient[Any] = database.client
        self._users = database[UserRecord._meta["collection"]]
        self._contexts = database[ContextRecord._meta["collection"]]
        self._members = database[MembershipRecord._meta["collection"]]
        self._links = database[ResourceLinkRecord._meta["collection"]]
        self._launches = database[LinkLaunchRecord._meta["collection"]]
        self._platforms = database[PlatformRecord._meta["collection"]]

    # --- users -----------------------------------------------------------------
    def upsert_users(self, users: Sequence[LtiUser]) -> None:
        def upsert(user: LtiUser) -> Write:
            record = UserRecord(issuer=user.issuer, sub=user.sub, updated=micros(user.updated),
                                email_key=user.email.lower() if user.email else None,
                                **{name: getattr(user, name) for name in _USER_FIELDS})
            update = _keeping_stored(record, ("issuer", "sub"), (*_USER_FIELDS, "email_key"))
            return lambda session: self._users.update_one(
                {"issuer": user.issuer, "sub": user.sub}, update, upsert=True, session=session)

        _together(self._client, [upsert(user) for user in users])

    def find_user(self, issuer: str, sub: str) -> LtiUser | None:
        return self.find_users(issuer, [sub]).get(sub)

    def find_users(self, issuer: str, subs: Iterable[str]) -> dict[str, LtiUser]:
        subs = list(subs)
        if not subs:
            return {}
        found = self._users.find({"issuer": issuer, "sub": {"$in": subs}},
                                 session=reading(self._client))
        return {son["sub"]: _user(son) for son in found}

    def find_users_by_email(self, email: str) -> list[LtiUser]:
        found = self._users.find({"email_key": email.lower()},
                                 sort=[("issuer", ASCENDING), ("sub", ASCENDING)],
                                 session=reading(self._client))
        return [_user(son) for son in found]

    # --- contexts and memberships ------------------------------------------------
    def upsert_context(self, context: LtiContext) -> None:
        record = ContextRecord(platform_id=context.platform_id, context_id=context.context_id,
                               title=context.title, label=context.label,
                               memberships_url=context.memberships_url,
                               updated=micros(context.updated))
        update = _keeping_stored(record, ("platform_id", "context_id"),
                                 ("title", "label", "memberships_url"))
        self._contexts.update_one(
            {"platform_id": context.platform_id, "context_id": context.context_id}, update,
            upsert=True, session=writing(self._client))

    def get_context(self, platform_id: int, context_id: str) -> LtiContext | None:
        son = self._contexts.find_one({"platform_id": platform_id, "context_id": context_id},
                                      session=reading(self._client))
        if son is None:
            return None
        record = from_bson(ContextRecord, son)
        return LtiContext(platform_id=record.platform_id, context_id=record.context_id,
                          title=record.title, label=record.label,
                          memberships_url=record.memberships_url,
                          updated=instant(record.updated))

    def upsert_members(self, members: Sequence[LtiMember]) -> None:
        def upsert(member: LtiMember) -> Write:
            son = to_bson(MembershipRecord(
                platform_id=member.platform_id, context_id=member.context_id, sub=member.sub,
                roles=list(member.roles), status=member.status, launched=member.launched,
                updated=micros(member.updated)))
            son.pop("_id", None)
            # `launched` only ever turns on: a False is written only by the insert.
            update: dict[str, Any] = {"$set": son}
            if not member.launched:
                update["$setOnInsert"] = {"launched": son.pop("launched")}
            return lambda session: self._members.update_one(
                {"platform_id": member.platform_id, "context_id": member.context_id,
                 "sub": member.sub}, update, upsert=True, session=session)

        _together(self._client, [upsert(member) for member in members])

    def list_members(self, platform_id: int, context_id: str) -> list[LtiMember]:
        found = self._members.find({"platform_id": platform_id, "context_id": context_id},
                                   sort=[("sub", ASCENDING)], session=reading(self._client))
        members = []
        for son in found:
            record = from_bson(MembershipRecord, son)
            members.append(LtiMember(
                platform_id=record.platform_id, context_id=record.context_id, sub=record.sub,
                roles=tuple(record.roles), status=record.status, launched=record.launched,
                updated=instant(record.updated)))
        return members

    # --- resource links ------------------------------------------------------------
    def upsert_resource_link(self, link: LtiResourceLink) -> None:
        record = ResourceLinkRecord(
            platform_id=link.platform_id, resource_link_id=link.resource_link_id,
            deployment_id=link.deployment_id, context_id=link.context_id, title=link.title,
            activity_key=link.activity_key, catalogue_id=link.catalogue_id,
            lineitem_url=link.lineitem_url, lineitems_url=link.lineitems_url,
            ags_scopes=list(link.ags_scopes), updated=micros(link.updated))
        update = _keeping_stored(record, ("platform_id", "resource_link_id"),
                                 ("context_id", "title", "catalogue_id", "lineitem_url",
                                  "lineitems_url"))
        self._links.update_one(
            {"platform_id": link.platform_id, "resource_link_id": link.resource_link_id},
            update, upsert=True, session=writing(self._client))

    def get_resource_link(self, platform_id: int, resource_link_id: str
                          ) -> LtiResourceLink | None:
        son = self._links.find_one({"platform_id": platform_id,
                                    "resource_link_id": resource_link_id},
                                   session=reading(self._client))
        return _link(son) if son else None

    def list_resource_links(self, platform_id: int, context_id: str) -> list[LtiResourceLink]:
        found = self._links.find({"platform_id": platform_id, "context_id": context_id},
                                 sort=[("title", ASCENDING), ("resource_link_id", ASCENDING)],
                                 session=reading(self._client))
        return [_link(son) for son in found]

    def set_lineitem_url(self, platform_id: int, resource_link_id: str, url: str) -> None:
        self._links.update_one(
            {"platform_id": platform_id, "resource_link_id": resource_link_id},
            {"$set": {"lineitem_url": url}}, session=writing(self._client))

    def record_link_launch(self, platform_id: int, resource_link_id: str, sub: str,
                           when: datetime) -> None:
        self._launches.update_one(
            {"platform_id": platform_id, "resource_link_id": resource_link_id, "sub": sub},
            {"$set": {"last_launch": micros(when)},
             "$setOnInsert": {"first_launch": micros(when)}},
            upsert=True, session=writing(self._client))

    def find_launched_links(self, issuer: str, subs: Iterable[str],
                            activity_keys: Iterable[str], catalogue_ids: Iterable[str]
                            ) -> list[tuple[str, LtiResourceLink]]:
        subs, keys, entries = list(subs), list(activity_keys), list(catalogue_ids)
        if not subs or not (keys or entries):
            return []
        session = reading(self._client)
        platform_ids = [son["_id"] for son in self._platforms.find(
            {"issuer": issuer}, {"_id": 1}, session=session)]
        if not platform_ids:
            return []
        matches: list[dict[str, Any]] = []
        if keys:
            matches.append({"activity_key": {"$in": keys}})
        if entries:
            matches.append({"catalogue_id": {"$in": entries}})
        links = {(son["platform_id"], son["resource_link_id"]): _link(son)
                 for son in self._links.find(
                     {"platform_id": {"$in": platform_ids}, "$or": matches},
                     session=session)}
        if not links:
            return []
        launched = self._launches.find(
            {"sub": {"$in": subs}, "platform_id": {"$in": platform_ids},
             "resource_link_id": {"$in": sorted({link_id for _, link_id in links})}},
            {"sub": 1, "platform_id": 1, "resource_link_id": 1},
            sort=[("sub", ASCENDING), ("platform_id", ASCENDING),
                  ("resource_link_id", ASCENDING)], session=session)
        found = []
        for son in launched:
            link = links.get((son["platform_id"], son["resource_link_id"]))
            if link is not None:
                found.append((son["sub"], link))
        return found


def _user(son: dict[str, Any]) -> LtiUser:
    record = from_bson(UserRecord, son)
    return LtiUser(issuer=record.issuer, sub=record.sub, updated=instant(record.updated),
                   **{name: getattr(record, name) for name in _USER_FIELDS})


def _link(son: dict[str, Any]) -> LtiResourceLink:
    record = from_bson(ResourceLinkRecord, son)
    return LtiResourceLink(
        platform_id=record.platform_id, resource_link_id=record.resource_link_id,
        deployment_id=record.deployment_id, context_id=record.context_id, title=record.title,
        activity_key=record.activity_key, catalogue_id=record.catalogue_id,
        lineitem_url=record.lineitem_url, lineitems_url=record.lineitems_url,
        ags_scopes=tuple(record.ags_scopes), updated=instant(record.updated))


class MongoLtiCatalogueStore:
    def __init__(self, database: Database[Any]) -> None:
        self._client: MongoClient[Any] = database.client
        self._entries = database[CatalogueRecord._meta["collection"]]

    def insert_entry(self, entry: CatalogueEntry) -> None:
        record = CatalogueRecord(
            id=entry.id, title=entry.title, description=entry.description,
            activity_id=entry.activity_id, launch_url=entry.launch_url,
            keywords=entry.keywords, graded=entry.graded, score_maximum=entry.score_maximum,
            created_at=micros(entry.created_at),
            haystack=" ".join((entry.title, entry.description, entry.keywords,
                               entry.id)).lower())
        with unique(entry.id):
            self._entries.insert_one(to_bson(record), session=writing(self._client))

    def get_entry(self, entry_id: str) -> CatalogueEntry | None:
        son = self._entries.find_one({"_id": entry_id}, session=reading(self._client))
        return _entry(son) if son else None

    def find_entries_by_activity(self, activity_ids: Iterable[str]) -> list[CatalogueEntry]:
        activity_ids = list(activity_ids)
        if not activity_ids:
            return []
        found = self._entries.find({"activity_id": {"$in": activity_ids}},
                                   sort=[("activity_id", ASCENDING), ("_id", ASCENDING)],
                                   session=reading(self._client))
        return [_entry(son) for son in found]

    def search_entries(self, text: str, limit: int) -> list[CatalogueEntry]:
        # Every word a substring of the entry's lower-cased text (SQL: LIKE '%word%'); the
        # catalogue is curated by hand, so the walk of its title index stays short.
        if limit <= 0:  # pymongo reads a limit of 0 as none
            return []
        words = [{"haystack": {"$regex": re.escape(word)}} for word in text.lower().split()]
        found = self._entries.find({"$and": words} if words else {},
                                   sort=[("title", ASCENDING), ("_id", ASCENDING)],
                                   limit=limit, session=reading(self._client))
        return [_entry(son) for son in found]


def _entry(son: dict[str, Any]) -> CatalogueEntry:
    record = from_bson(CatalogueRecord, son)
    return CatalogueEntry(id=record.id, title=record.title, description=record.description,
                          activity_id=record.activity_id, launch_url=record.launch_url,
                          keywords=record.keywords, graded=record.graded,
                          score_maximum=record.score_maximum,
                          created_at=instant(record.created_at))
