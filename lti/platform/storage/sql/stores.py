"""SQL stores for the LTI platform role: partner tools, placements, used client
assertions, learners, contexts, members, resource links, AGS line items and results."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Row, Table, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from hub.storage.contract import AlreadyExists
from hub.storage.sql.common import aware, connection, transaction, upsert, utc
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
from lti.platform.storage.sql.tables import (
    lti_platform_assertions,
    lti_platform_contexts,
    lti_platform_learners,
    lti_platform_line_items,
    lti_platform_links,
    lti_platform_members,
    lti_platform_placements,
    lti_platform_results,
    lti_platform_tools,
)

tools = lti_platform_tools
placements = lti_platform_placements


def _words(values: Iterable[str]) -> str:
    return " ".join(sorted(values))


def _tool(row: Row[Any]) -> PartnerTool:
    return PartnerTool(
        id=row.id, client_id=row.client_id, deployment_id=row.deployment_id, name=row.name,
        organisation=row.organisation, login_url=row.login_url,
        target_link_uri=row.target_link_uri, redirect_uris=tuple(row.redirect_uris),
        jwks_url=row.jwks_url, deep_linking_url=row.deep_linking_url, custom=dict(row.custom),
        services=frozenset(row.services.split()),
        personal_data=frozenset(row.personal_data.split()), sub_salt=row.sub_salt,
        created_at=aware(row.created_at), disabled_at=aware(row.disabled_at))


def _placement(row: Row[Any]) -> ToolPlacement:
    return ToolPlacement(catalogue_id=row.catalogue_id, tool_id=row.tool_id, url=row.url,
                         custom=dict(row.custom), lesson_hours=row.lesson_hours,
                         passing_score=row.passing_score, created_at=aware(row.created_at))


class SqlLtiPlatformToolStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def insert_tool(self, tool: PartnerTool) -> PartnerTool:
        try:
            with transaction(self._engine) as conn:
                tool_id = conn.execute(insert(tools).values(
                    client_id=tool.client_id, deployment_id=tool.deployment_id,
                    name=tool.name, organisation=tool.organisation, login_url=tool.login_url,
                    target_link_uri=tool.target_link_uri,
                    redirect_uris=list(tool.redirect_uris), jwks_url=tool.jwks_url,
                    deep_linking_url=tool.deep_linking_url, custom=dict(tool.custom),
                    services=_words(tool.services), personal_data=_words(tool.personal_data),
                    sub_salt=tool.sub_salt, created_at=utc(tool.created_at),
                ).returning(tools.c.id)).scalar_one()
        except IntegrityError:
            raise AlreadyExists(tool.client_id) from None
        stored = self.get_tool(tool_id)
        if stored is None:  # committed just above
            raise RuntimeError(f"partner tool {tool_id} was not stored")
        return stored

    def get_tool(self, tool_id: int) -> PartnerTool | None:
        with connection(self._engine) as conn:
            row = conn.execute(select(tools).where(tools.c.id == tool_id)).first()
        return _tool(row) if row else None

    def find_tool(self, client_id: str) -> PartnerTool | None:
        with connection(self._engine) as conn:
            row = conn.execute(select(tools).where(tools.c.client_id == client_id)).first()
        return _tool(row) if row else None

    def list_tools(self) -> list[PartnerTool]:
        with connection(self._engine) as conn:
            return [_tool(row) for row in conn.execute(select(tools).order_by(tools.c.id))]

    def update_tool(self, tool: PartnerTool) -> PartnerTool | None:
        if tool.id is None:  # never stored: there is no such tool
            return None
        with transaction(self._engine) as conn:
            changed = conn.execute(update(tools).where(tools.c.id == tool.id).values(
                name=tool.name, organisation=tool.organisation, login_url=tool.login_url,
                target_link_uri=tool.target_link_uri, redirect_uris=list(tool.redirect_uris),
                jwks_url=tool.jwks_url, deep_linking_url=tool.deep_linking_url,
                custom=dict(tool.custom), services=_words(tool.services),
                personal_data=_words(tool.personal_data))).rowcount
        return self.get_tool(tool.id) if changed == 1 else None

    def set_tool_disabled(self, tool_id: int, when: datetime | None) -> bool:
        with transaction(self._engine) as conn:
            query = update(tools).where(tools.c.id == tool_id)
            if when is not None:  # keep the first disable time; still "found"
                found = conn.execute(select(tools.c.id).where(tools.c.id == tool_id)).first()
                conn.execute(query.where(tools.c.disabled_at.is_(None))
                             .values(disabled_at=utc(when)))
                return found is not None
            return conn.execute(query.values(disabled_at=None)).rowcount == 1

    def put_placement(self, placement: ToolPlacement) -> None:
        values = {"catalogue_id": placement.catalogue_id, "tool_id": placement.tool_id,
                  "url": placement.url, "custom": dict(placement.custom),
                  "lesson_hours": placement.lesson_hours,
                  "passing_score": placement.passing_score,
                  "created_at": utc(placement.created_at)}
        with transaction(self._engine) as conn:
            statement = upsert(conn, placements).values(**values)
            conn.execute(statement.on_conflict_do_update(
                index_elements=[placements.c.catalogue_id],
                set_={k: statement.excluded[k] for k in values if k != "catalogue_id"}))

    def get_placement(self, catalogue_id: str) -> ToolPlacement | None:
        with connection(self._engine) as conn:
            row = conn.execute(select(placements).where(
                placements.c.catalogue_id == catalogue_id)).first()
        return _placement(row) if row else None

    def list_placements(self, tool_id: int | None = None) -> list[ToolPlacement]:
        query = select(placements).order_by(placements.c.catalogue_id)
        if tool_id is not None:
            query = query.where(placements.c.tool_id == tool_id)
        with connection(self._engine) as conn:
            return [_placement(row) for row in conn.execute(query)]

    def remember_assertion(self, client_id: str, jti: str, expires_at: datetime) -> bool:
        with transaction(self._engine) as conn:
            added = conn.execute(upsert(conn, lti_platform_assertions).values(
                client_id=client_id, jti=jti, expires_at=utc(expires_at),
            ).on_conflict_do_nothing().returning(lti_platform_assertions.c.jti)).first()
        return added is not None

    def purge_assertions(self, now: datetime) -> int:
        with transaction(self._engine) as conn:
            return conn.execute(delete(lti_platform_assertions).where(
                lti_platform_assertions.c.expires_at <= utc(now))).rowcount


learners = lti_platform_learners
contexts = lti_platform_contexts
members = lti_platform_members
links = lti_platform_links


def _upsert_all(conn: Connection, table: Table, rows: list[dict[str, Any]],
                keys: list[str]) -> None:
    for values in rows:
        statement = upsert(conn, table).values(**values)
        conn.execute(statement.on_conflict_do_update(
            index_elements=[table.c[k] for k in keys],
            set_={k: statement.excluded[k] for k in values if k not in keys}))


class SqlLtiPlatformRosterStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def upsert_learners(self, new: Sequence[PlatformLearner]) -> None:
        rows = [{"tool_id": x.tool_id, "sub": x.sub, "issuer": x.issuer,
                 "learner_sub": x.learner_sub, "name": x.name, "given_name": x.given_name,
                 "family_name": x.family_name, "email": x.email, "nip": x.nip,
                 "updated": utc(x.updated)} for x in new]
        with transaction(self._engine) as conn:
            _upsert_all(conn, learners, rows, ["tool_id", "sub"])

    def find_learners(self, tool_id: int, subs: Iterable[str]) -> dict[str, PlatformLearner]:
        wanted = list(dict.fromkeys(subs))
        if not wanted:
            return {}
        with connection(self._engine) as conn:
            rows = conn.execute(select(learners).where(learners.c.tool_id == tool_id,
                                                       learners.c.sub.in_(wanted))).all()
        return {row.sub: PlatformLearner(
            tool_id=row.tool_id, sub=row.sub, issuer=row.issuer, learner_sub=row.learner_sub,
            name=row.name, given_name=row.given_name, family_name=row.family_name,
            email=row.email, nip=row.nip, updated=aware(row.updated)) for row in rows}

    def upsert_context(self, context: PlatformContext) -> None:
        with transaction(self._engine) as conn:
            _upsert_all(conn, contexts, [{
                "id": context.id, "kind": context.kind,
                "lms_platform_id": context.lms_platform_id,
                "lms_context_id": context.lms_context_id, "title": context.title,
                "label": context.label, "updated": utc(context.updated)}], ["id"])

    def get_context(self, context_id: str) -> PlatformContext | None:
        with connection(self._engine) as conn:
            row = conn.execute(select(contexts).where(contexts.c.id == context_id)).first()
        if row is None:
            return None
        return PlatformContext(id=row.id, kind=row.kind, lms_platform_id=row.lms_platform_id,
                               lms_context_id=row.lms_context_id, title=row.title,
                               label=row.label, updated=aware(row.updated))

    def upsert_members(self, new: Sequence[PlatformMember]) -> None:
        rows = [{"tool_id": m.tool_id, "context_id": m.context_id, "sub": m.sub,
                 "roles": list(m.roles), "updated": utc(m.updated)} for m in new]
        with transaction(self._engine) as conn:
            _upsert_all(conn, members, rows, ["tool_id", "context_id", "sub"])

    def list_members(self, tool_id: int, context_id: str, *, after_sub: str | None = None,
                     limit: int = 100) -> list[PlatformMember]:
        query = (select(members).where(members.c.tool_id == tool_id,
                                       members.c.context_id == context_id)
                 .order_by(members.c.sub).limit(limit))
        if after_sub is not None:
            query = query.where(members.c.sub > after_sub)
        with connection(self._engine) as conn:
            return [PlatformMember(tool_id=row.tool_id, context_id=row.context_id,
                                   sub=row.sub, roles=tuple(row.roles),
                                   updated=aware(row.updated)) for row in conn.execute(query)]

    def upsert_link(self, link: PlatformLink) -> None:
        with transaction(self._engine) as conn:
            _upsert_all(conn, links, [{
                "id": link.id, "tool_id": link.tool_id, "context_id": link.context_id,
                "catalogue_id": link.catalogue_id, "title": link.title,
                "lms_platform_id": link.lms_platform_id,
                "lms_resource_link_id": link.lms_resource_link_id,
                "updated": utc(link.updated)}], ["id"])

    def get_link(self, link_id: str) -> PlatformLink | None:
        with connection(self._engine) as conn:
            row = conn.execute(select(links).where(links.c.id == link_id)).first()
        if row is None:
            return None
        return PlatformLink(id=row.id, tool_id=row.tool_id, context_id=row.context_id,
                            catalogue_id=row.catalogue_id, title=row.title,
                            lms_platform_id=row.lms_platform_id,
                            lms_resource_link_id=row.lms_resource_link_id,
                            updated=aware(row.updated))


items = lti_platform_line_items
results = lti_platform_results


def _item(row: Row[Any]) -> PlatformLineItem:
    return PlatformLineItem(
        id=row.id, tool_id=row.tool_id, context_id=row.context_id, label=row.label,
        score_maximum=row.score_maximum, resource_id=row.resource_id,
        resource_link_id=row.resource_link_id, tag=row.tag,
        start_date_time=row.start_date_time, end_date_time=row.end_date_time,
        created_at=aware(row.created_at))


def _item_values(item: PlatformLineItem) -> dict[str, Any]:
    return {"tool_id": item.tool_id, "context_id": item.context_id, "label": item.label,
            "score_maximum": item.score_maximum, "resource_id": item.resource_id,
            "resource_link_id": item.resource_link_id, "tag": item.tag,
            "start_date_time": item.start_date_time, "end_date_time": item.end_date_time,
            "created_at": utc(item.created_at)}


def _result(row: Row[Any]) -> PlatformResult:
    return PlatformResult(
        line_item_id=row.line_item_id, sub=row.sub, score_given=row.score_given,
        score_maximum=row.score_maximum, comment=row.comment,
        activity_progress=row.activity_progress, grading_progress=row.grading_progress,
        timestamp=aware(row.timestamp), updated=aware(row.updated))


class SqlLtiPlatformGradebookStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def insert_line_item(self, item: PlatformLineItem) -> PlatformLineItem:
        with transaction(self._engine) as conn:
            item_id = conn.execute(insert(items).values(**_item_values(item))
                                   .returning(items.c.id)).scalar_one()
        stored = self.get_line_item(item_id)
        if stored is None:  # committed just above
            raise RuntimeError(f"line item {item_id} was not stored")
        return stored

    def get_line_item(self, item_id: int) -> PlatformLineItem | None:
        with connection(self._engine) as conn:
            row = conn.execute(select(items).where(items.c.id == item_id)).first()
        return _item(row) if row else None

    def update_line_item(self, item: PlatformLineItem) -> bool:
        values = _item_values(item)
        for fixed in ("tool_id", "context_id", "created_at"):
            values.pop(fixed)
        with transaction(self._engine) as conn:
            return conn.execute(update(items).where(items.c.id == item.id)
                                .values(**values)).rowcount == 1

    def delete_line_item(self, item_id: int) -> bool:
        with transaction(self._engine) as conn:
            conn.execute(delete(results).where(results.c.line_item_id == item_id))
            return conn.execute(delete(items).where(items.c.id == item_id)).rowcount == 1

    def query_line_items(self, query: LineItemQuery) -> list[PlatformLineItem]:
        statement = (select(items).where(items.c.tool_id == query.tool_id,
                                         items.c.context_id == query.context_id)
                     .order_by(items.c.id).limit(query.limit))
        for column, value in ((items.c.resource_link_id, query.resource_link_id),
                              (items.c.resource_id, query.resource_id),
                              (items.c.tag, query.tag)):
            if value is not None:
                statement = statement.where(column == value)
        if query.after_id is not None:
            statement = statement.where(items.c.id > query.after_id)
        with connection(self._engine) as conn:
            return [_item(row) for row in conn.execute(statement)]

    def save_result(self, result: PlatformResult, *,
                    implausible_after: datetime | None = None) -> bool:
        values = {"line_item_id": result.line_item_id, "sub": result.sub,
                  "score_given": result.score_given, "score_maximum": result.score_maximum,
                  "comment": result.comment, "activity_progress": result.activity_progress,
                  "grading_progress": result.grading_progress,
                  "timestamp": utc(result.timestamp), "updated": utc(result.updated)}
        with transaction(self._engine) as conn:
            statement = upsert(conn, results).values(**values)
            # AGS 2.0 §3.4.9: never replace a result with a score that is not newer; a
            # stored far-future timestamp (accepted before it was checked) blocks nothing.
            newer = results.c.timestamp < statement.excluded.timestamp
            if implausible_after is not None:
                newer = or_(newer, results.c.timestamp > utc(implausible_after))
            stored = conn.execute(statement.on_conflict_do_update(
                index_elements=[results.c.line_item_id, results.c.sub],
                set_={k: statement.excluded[k] for k in values
                      if k not in ("line_item_id", "sub")},
                where=newer,
            ).returning(results.c.sub)).first()
        return stored is not None

    def list_results(self, line_item_id: int, *, user_id: str | None = None,
                     after_sub: str | None = None, limit: int = 100) -> list[PlatformResult]:
        query = (select(results).where(results.c.line_item_id == line_item_id)
                 .order_by(results.c.sub).limit(limit))
        if user_id is not None:
            query = query.where(results.c.sub == user_id)
        if after_sub is not None:
            query = query.where(results.c.sub > after_sub)
        with connection(self._engine) as conn:
            return [_result(row) for row in conn.execute(query)]
