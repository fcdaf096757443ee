"""MongoDB stores for the LTI platform role: partner tools, placements, used client
assertions, learners, contexts, members, resource links, AGS line items and results."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from mongoengine import Document
from pymongo import ASCENDING, MongoClient
from pymongo.client_session import ClientSession
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from hub.storage import json_codec
from hub.storage.mongo.common import (
    allocate,
    instant,
    micros,
    reading,
    run_transaction,
    unique,
    writing,
)
from hub.storage.mongo.records import from_bson, to_bson
from lti.platform.storage.contract import (
    LineItemQuery,
    PartnerTool,
    PlatformContext,
    PlatformLearner,
    PlatformLineItem,
    PlatformLink,
    PlatformMember,
    PlatformResult,
    ToolPlacement,
)
from lti.platform.storage.mongo.records import (
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

TOOLS = ToolRecord._meta["collection"]
LINE_ITEMS = LineItemRecord._meta["collection"]


def _tool(son: dict[str, Any]) -> PartnerTool:
    record = from_bson(ToolRecord, son)
    return PartnerTool(
        id=record.id, client_id=record.client_id, deployment_id=record.deployment_id,
        name=record.name, organisation=record.organisation, login_url=record.login_url,
        target_link_uri=record.target_link_uri, redirect_uris=tuple(record.redirect_uris),
        jwks_url=record.jwks_url, deep_linking_url=record.deep_linking_url,
        custom=json_codec.loads(record.custom), services=frozenset(record.services),
        personal_data=frozenset(record.personal_data), sub_salt=record.sub_salt,
        created_at=instant(record.created_at), disabled_at=instant(record.disabled_at))


def _placement(son: dict[str, Any]) -> ToolPlacement:
    record = from_bson(PlacementRecord, son)
    return ToolPlacement(catalogue_id=record.catalogue_id, tool_id=record.tool_id,
                         url=record.url, custom=json_codec.loads(record.custom),
                         lesson_hours=record.lesson_hours, passing_score=record.passing_score,
                         created_at=instant(record.created_at))


def _replace(collection: Collection[Any], key: Iterable[str], record: Document,
             session: ClientSession | None) -> None:
    """Insert `record`, or replace every other field of the one stored under its key
    (SQL: ON CONFLICT (key) DO UPDATE SET every other column)."""
    son = to_bson(record)
    where = {name: son[name] for name in key}
    if "_id" not in where:
        son.pop("_id", None)
    collection.replace_one(where, son, upsert=True, session=session)


def _replace_all(client: MongoClient[Any], collection: Collection[Any], key: Iterable[str],
                 records: Sequence[Document]) -> None:
    """`_replace` for each record, all in one transaction (as the SQL store's)."""
    if not records:
        return

    def replace(session: ClientSession) -> None:
        for record in records:
            _replace(collection, key, record, session)

    run_transaction(client, replace)


class MongoLtiPlatformToolStore:
    def __init__(self, database: Database[Any]) -> None:
        self._client: MongoClient[Any] = database.client
        self._database = database
        self._tools = database[TOOLS]
        self._placements = database[PlacementRecord._meta["collection"]]
        self._assertions = database[AssertionRecord._meta["collection"]]

    def insert_tool(self, tool: PartnerTool) -> PartnerTool:
        tool_id = allocate(self._database, TOOLS, 1)
        record = ToolRecord(
            id=tool_id, client_id=tool.client_id, deployment_id=tool.deployment_id,
            name=tool.name, organisation=tool.organisation, login_url=tool.login_url,
            target_link_uri=tool.target_link_uri, redirect_uris=list(tool.redirect_uris),
            jwks_url=tool.jwks_url, deep_linking_url=tool.deep_linking_url,
            custom=json_codec.dumps(dict(tool.custom)), services=sorted(tool.services),
            personal_data=sorted(tool.personal_data), sub_salt=tool.sub_salt,
            created_at=micros(tool.created_at), disabled_at=None)
        with unique(tool.client_id):
            self._tools.insert_one(to_bson(record), session=writing(self._client))
        stored = self.get_tool(tool_id)
        if stored is None:  # written just above
            raise RuntimeError(f"partner tool {tool_id} was not stored")
        return stored

    def get_tool(self, tool_id: int) -> PartnerTool | None:
        son = self._tools.find_one({"_id": tool_id}, session=reading(self._client))
        return _tool(son) if son else None

    def find_tool(self, client_id: str) -> PartnerTool | None:
        son = self._tools.find_one({"client_id": client_id}, session=reading(self._client))
        return _tool(son) if son else None

    def list_tools(self) -> list[PartnerTool]:
        found = self._tools.find({}, sort=[("_id", ASCENDING)], session=reading(self._client))
        return [_tool(son) for son in found]

    def update_tool(self, tool: PartnerTool) -> PartnerTool | None:
        if tool.id is None:  # never stored: there is no such tool
            return None
        result = self._tools.update_one({"_id": tool.id}, {"$set": {
            "name": tool.name, "organisation": tool.organisation, "login_url": tool.login_url,
            "target_link_uri": tool.target_link_uri, "redirect_uris": list(tool.redirect_uris),
            "jwks_url": tool.jwks_url, "deep_linking_url": tool.deep_linking_url,
            "custom": json_codec.dumps(dict(tool.custom)), "services": sorted(tool.services),
            "personal_data": sorted(tool.personal_data)}}, session=writing(self._client))
        return self.get_tool(tool.id) if result.matched_count == 1 else None

    def set_tool_disabled(self, tool_id: int, when: datetime | None) -> bool:
        # Disabling keeps the first disable time; the tool is still "found".
        disabled_at: Any = (None if when is None
                            else {"$ifNull": ["$disabled_at", micros(when)]})
        result = self._tools.update_one({"_id": tool_id},
                                        [{"$set": {"disabled_at": disabled_at}}],
                                        session=writing(self._client))
        return result.matched_count == 1

    def put_placement(self, placement: ToolPlacement) -> None:
        record = PlacementRecord(
            catalogue_id=placement.catalogue_id, tool_id=placement.tool_id, url=placement.url,
            custom=json_codec.dumps(dict(placement.custom)),
            lesson_hours=placement.lesson_hours, passing_score=placement.passing_score,
            created_at=micros(placement.created_at))
        _replace(self._placements, ("_id",), record, writing(self._client))

    def get_placement(self, catalogue_id: str) -> ToolPlacement | None:
        son = self._placements.find_one({"_id": catalogue_id}, session=reading(self._client))
        return _placement(son) if son else None

    def list_placements(self, tool_id: int | None = None) -> list[ToolPlacement]:
        found = self._placements.find({} if tool_id is None else {"tool_id": tool_id},
                                      sort=[("_id", ASCENDING)],
                                      session=reading(self._client))
        return [_placement(son) for son in found]

    def remember_assertion(self, client_id: str, jti: str, expires_at: datetime) -> bool:
        record = AssertionRecord(client_id=client_id, jti=jti, expires_at=micros(expires_at))
        son = to_bson(record)
        son.pop("_id", None)
        try:
            # An upsert, not an insert: a duplicate key would abort an open transaction.
            result = self._assertions.update_one({"client_id": client_id, "jti": jti},
                                                 {"$setOnInsert": son}, upsert=True,
                                                 session=writing(self._client))
        except DuplicateKeyError:  # a concurrent upsert of the same id won
            return False
        return result.upserted_id is not None

    def purge_assertions(self, now: datetime) -> int:
        result = self._assertions.delete_many({"expires_at": {"$lte": micros(now)}},
                                              session=writing(self._client))
        return result.deleted_count


class MongoLtiPlatformRosterStore:
    def __init__(self, database: Database[Any]) -> None:
        self._client: MongoClient[Any] = database.client
        self._learners = database[LearnerRecord._meta["collection"]]
        self._contexts = database[ContextRecord._meta["collection"]]
        self._members = database[MemberRecord._meta["collection"]]
        self._links = database[LinkRecord._meta["collection"]]

    def upsert_learners(self, new: Sequence[PlatformLearner]) -> None:
        _replace_all(self._client, self._learners, ("tool_id", "sub"), [LearnerRecord(
            tool_id=x.tool_id, sub=x.sub, issuer=x.issuer, learner_sub=x.learner_sub,
            name=x.name, given_name=x.given_name, family_name=x.family_name, email=x.email,
            nip=x.nip, updated=micros(x.updated)) for x in new])

    def find_learners(self, tool_id: int, subs: Iterable[str]) -> dict[str, PlatformLearner]:
        wanted = list(dict.fromkeys(subs))
        if not wanted:
            return {}
        found = self._learners.find({"tool_id": tool_id, "sub": {"$in": wanted}},
                                    session=reading(self._client))
        learners = {}
        for son in found:
            record = from_bson(LearnerRecord, son)
            learners[record.sub] = PlatformLearner(
                tool_id=record.tool_id, sub=record.sub, issuer=record.issuer,
                learner_sub=record.learner_sub, name=record.name,
                given_name=record.given_name, family_name=record.family_name,
                email=record.email, nip=record.nip, updated=instant(record.updated))
        return learners

    def upsert_context(self, context: PlatformContext) -> None:
        _replace(self._contexts, ("_id",), ContextRecord(
            id=context.id, kind=context.kind, lms_platform_id=context.lms_platform_id,
            lms_context_id=context.lms_context_id, title=context.title, label=context.label,
            updated=micros(context.updated)), writing(self._client))

    def get_context(self, context_id: str) -> PlatformContext | None:
        son = self._contexts.find_one({"_id": context_id}, session=reading(self._client))
        if son is None:
            return None
        record = from_bson(ContextRecord, son)
        return PlatformContext(id=record.id, kind=record.kind,
                               lms_platform_id=record.lms_platform_id,
                               lms_context_id=record.lms_context_id, title=record.title,
                               label=record.label, updated=instant(record.updated))

    def upsert_members(self, new: Sequence[PlatformMember]) -> None:
        _replace_all(self._client, self._members, ("tool_id", "context_id", "sub"), [
            MemberRecord(tool_id=m.tool_id, context_id=m.context_id, sub=m.sub,
                         roles=list(m.roles), updated=micros(m.updated)) for m in new])

    def list_members(self, tool_id: int, context_id: str, *, after_sub: str | None = None,
                     limit: int = 100) -> list[PlatformMember]:
        if limit <= 0:  # pymongo reads a limit of 0 as none
            return []
        where: dict[str, Any] = {"tool_id": tool_id, "context_id": context_id}
        if after_sub is not None:
            where["sub"] = {"$gt": after_sub}
        found = self._members.find(where, sort=[("sub", ASCENDING)], limit=limit,
                                   session=reading(self._client))
        members = []
        for son in found:
            record = from_bson(MemberRecord, son)
            members.append(PlatformMember(tool_id=record.tool_id, context_id=record.context_id,
                                          sub=record.sub, roles=tuple(record.roles),
                                          updated=instant(record.updated)))
        return members

    def upsert_link(self, link: PlatformLink) -> None:
        _replace(self._links, ("_id",), LinkRecord(
            id=link.id, tool_id=link.tool_id, context_id=link.context_id,
            catalogue_id=link.catalogue_id, title=link.title,
            lms_platform_id=link.lms_platform_id,
            lms_resource_link_id=link.lms_resource_link_id, updated=micros(link.updated)),
            writing(self._client))

    def get_link(self, link_id: str) -> PlatformLink | None:
        son = self._links.find_one({"_id": link_id}, session=reading(self._client))
        if son is None:
            return None
        record = from_bson(LinkRecord, son)
        return PlatformLink(id=record.id, tool_id=record.tool_id, context_id=record.context_id,
                            catalogue_id=record.catalogue_id, title=record.title,
                            lms_platform_id=record.lms_platform_id,
                            lms_resource_link_id=record.lms_resource_link_id,
                            updated=instant(record.updated))


def _item(son: dict[str, Any]) -> PlatformLineItem:
    record = from_bson(LineItemRecord, son)
    return PlatformLineItem(
        id=record.id, tool_id=record.tool_id, context_id=record.context_id,
        label=record.label, score_maximum=record.score_maximum,
        resource_id=record.resource_id, resource_link_id=record.resource_link_id,
        tag=record.tag, start_date_time=record.start_date_time,
        end_date_time=record.end_date_time, created_at=instant(record.created_at))


def _item_record(item: PlatformLineItem, item_id: int | None) -> LineItemRecord:
    return LineItemRecord(
        id=item_id, tool_id=item.tool_id, context_id=item.context_id, label=item.label,
        score_maximum=item.score_maximum, resource_id=item.resource_id,
        resource_link_id=item.resource_link_id, tag=item.tag,
        start_date_time=item.start_date_time, end_date_time=item.end_date_time,
        created_at=micros(item.created_at))


def _result(son: dict[str, Any]) -> PlatformResult:
    record = from_bson(ResultRecord, son)
    return PlatformResult(
        line_item_id=record.line_item_id, sub=record.sub, score_given=record.score_given,
        score_maximum=record.score_maximum, comment=record.comment,
        activity_progress=record.activity_progress, grading_progress=record.grading_progress,
        timestamp=instant(record.timestamp), updated=instant(record.updated))


class MongoLtiPlatformGradebookStore:
    def __init__(self, database: Database[Any]) -> None:
        self._client: MongoClient[Any] = database.client
        self._database = database
        self._items = database[LINE_ITEMS]
        self._results = database[ResultRecord._meta["collection"]]

    def insert_line_item(self, item: PlatformLineItem) -> PlatformLineItem:
        item_id = allocate(self._database, LINE_ITEMS, 1)
        self._items.insert_one(to_bson(_item_record(item, item_id)),
                               session=writing(self._client))
        stored = self.get_line_item(item_id)
        if stored is None:  # written just above
            raise RuntimeError(f"line item {item_id} was not stored")
        return stored

    def get_line_item(self, item_id: int) -> PlatformLineItem | None:
        son = self._items.find_one({"_id": item_id}, session=reading(self._client))
        return _item(son) if son else None

    def update_line_item(self, item: PlatformLineItem) -> bool:
        if item.id is None:  # never stored: there is no such line item
            return False
        values = to_bson(_item_record(item, item.id))
        for fixed in ("_id", "tool_id", "context_id", "created_at"):
            values.pop(fixed)
        result = self._items.update_one({"_id": item.id}, {"$set": values},
                                        session=writing(self._client))
        return result.matched_count == 1

    def delete_line_item(self, item_id: int) -> bool:
        def delete(session: ClientSession) -> bool:
            self._results.delete_many({"line_item_id": item_id}, session=session)
            return self._items.delete_one({"_id": item_id}, session=session).deleted_count == 1

        return run_transaction(self._client, delete)

    def query_line_items(self, query: LineItemQuery) -> list[PlatformLineItem]:
        if query.limit <= 0:  # pymongo reads a limit of 0 as none
            return []
        where: dict[str, Any] = {"tool_id": query.tool_id, "context_id": query.context_id}
        for name, value in (("resource_link_id", query.resource_link_id),
                            ("resource_id", query.resource_id), ("tag", query.tag)):
            if value is not None:
                where[name] = value
        if query.after_id is not None:
            where["_id"] = {"$gt": query.after_id}
        found = self._items.find(where, sort=[("_id", ASCENDING)], limit=query.limit,
                                 session=reading(self._client))
        return [_item(son) for son in found]

    def save_result(self, result: PlatformResult, *,
                    implausible_after: datetime | None = None) -> bool:
        record = ResultRecord(
            line_item_id=result.line_item_id, sub=result.sub, score_given=result.score_given,
            score_maximum=result.score_maximum, comment=result.comment,
            activity_progress=result.activity_progress,
            grading_progress=result.grading_progress, timestamp=micros(result.timestamp),
            updated=micros(result.updated))
        son = to_bson(record)
        son.pop("_id", None)
        key = {"line_item_id": result.line_item_id, "sub": result.sub}

        def save(session: ClientSession) -> bool:
            stored = self._results.find_one(key, {"timestamp": 1}, session=session)
            # AGS 2.0 §3.4.9: never replace a result with a score that is not newer; a
            # stored far-future timestamp (accepted before it was checked) blocks nothing.
            if stored is not None and stored["timestamp"] >= son["timestamp"] and not (
                    implausible_after is not None
                    and stored["timestamp"] > micros(implausible_after)):
                return False
            # In a transaction: a concurrent save of the same result is a write conflict,
            # and the later one is run again and reads the earlier one's timestamp.
            self._results.replace_one(key, son, upsert=True, session=session)
            return True

        return run_transaction(self._client, save)

    def list_results(self, line_item_id: int, *, user_id: str | None = None,
                     after_sub: str | None = None, limit: int = 100) -> list[PlatformResult]:
        if limit <= 0:  # pymongo reads a limit of 0 as none
            return []
        where: dict[str, Any] = {"line_item_id": line_item_id}
        sub: dict[str, Any] = {}
        if user_id is not None:
            sub["$eq"] = user_id
        if after_sub is not None:
            sub["$gt"] = after_sub
        if sub:
            where["sub"] = sub
        found = self._results.find(where, sort=[("sub", ASCENDING)], limit=limit,
                                   session=reading(self._client))
        return [_result(son) for son in found]
