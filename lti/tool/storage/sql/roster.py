"""SQL stores for LTI users, contexts, memberships, resource links and the catalogue."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Row, Table, and_, func, insert, or_, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from hub.storage.contract import AlreadyExists
from hub.storage.sql.common import aware, connection, transaction, upsert, utc
from lti.tool.storage.contract import (
    CatalogueEntry,
    LtiContext,
    LtiMember,
    LtiResourceLink,
    LtiUser,
)
from lti.tool.storage.sql.tables import (
    lti_catalogue,
    lti_contexts,
    lti_link_launches,
    lti_memberships,
    lti_platforms,
    lti_resource_links,
    lti_users,
)

_USER_FIELDS = ("name", "given_name", "family_name", "email", "sourcedid", "nip",
                "hub_identity")


def _keep_stored(statement: postgresql.Insert | sqlite.Insert, table: Table,
                 fields: Iterable[str]) -> dict[str, Any]:
    """ON CONFLICT assignments that keep the stored value where the new one is NULL."""
    return {name: func.coalesce(getattr(statement.excluded, name), table.c[name])
            for name in fields}


class SqlLtiRosterStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    # --- users -----------------------------------------------------------------
    def upsert_users(self, users: Sequence[LtiUser]) -> None:
        if not users:
            return
        with transaction(self._engine) as conn:
            for user in users:
                statement = upsert(conn, lti_users).values(
                    issuer=user.issuer, sub=user.sub, updated=utc(user.updated),
                    **{name: getattr(user, name) for name in _USER_FIELDS})
                conn.execute(statement.on_conflict_do_update(
                    index_elements=[lti_users.c.issuer, lti_users.c.sub],
                    set_={"updated": statement.excluded.updated,
                          **_keep_stored(statement, lti_users, _USER_FIELDS)}))

    def find_user(self, issuer: str, sub: str) -> LtiUser | None:
        return self.find_users(issuer, [sub]).get(sub)

    def find_users(self, issuer: str, subs: Iterable[str]) -> dict[str, LtiUser]:
        subs = list(subs)
        if not subs:
            return {}
        with connection(self._engine) as conn:
            rows = conn.execute(select(lti_users).where(
                lti_users.c.issuer == issuer, lti_users.c.sub.in_(subs))).all()
        return {row.sub: _user(row) for row in rows}

    def find_users_by_email(self, email: str) -> list[LtiUser]:
        with connection(self._engine) as conn:
            rows = conn.execute(select(lti_users).where(
                func.lower(lti_users.c.email) == email.lower())).all()
        return [_user(row) for row in rows]

    # --- contexts and memberships ------------------------------------------------
    def upsert_context(self, context: LtiContext) -> None:
        with transaction(self._engine) as conn:
            statement = upsert(conn, lti_contexts).values(
                platform_id=context.platform_id, context_id=context.context_id,
                title=context.title, label=context.label,
                memberships_url=context.memberships_url, updated=utc(context.updated))
            conn.execute(statement.on_conflict_do_update(
                index_elements=[lti_contexts.c.platform_id, lti_contexts.c.context_id],
                set_={"updated": statement.excluded.updated,
                      **_keep_stored(statement, lti_contexts,
                                     ("title", "label", "memberships_url"))}))

    def get_context(self, platform_id: int, context_id: str) -> LtiContext | None:
        with connection(self._engine) as conn:
            row = conn.execute(select(lti_contexts).where(
                lti_contexts.c.platform_id == platform_id,
                lti_contexts.c.context_id == context_id)).first()
        if row is None:
            return None
        return LtiContext(platform_id=row.platform_id, context_id=row.context_id,
                          title=row.title, label=row.label,
                          memberships_url=row.memberships_url, updated=aware(row.updated))

    def upsert_members(self, members: Sequence[LtiMember]) -> None:
        if not members:
            return
        with transaction(self._engine) as conn:
            for member in members:
                statement = upsert(conn, lti_memberships).values(
                    platform_id=member.platform_id, context_id=member.context_id,
                    sub=member.sub, roles=list(member.roles), status=member.status,
                    launched=member.launched, updated=utc(member.updated))
                conn.execute(statement.on_conflict_do_update(
                    index_elements=[lti_memberships.c.platform_id,
                                    lti_memberships.c.context_id, lti_memberships.c.sub],
                    set_={"roles": statement.excluded.roles,
                          "status": statement.excluded.status,
                          "updated": statement.excluded.updated,
                          "launched": or_(lti_memberships.c.launched,
                                          statement.excluded.launched)}))

    def list_members(self, platform_id: int, context_id: str) -> list[LtiMember]:
        with connection(self._engine) as conn:
            rows = conn.execute(select(lti_memberships).where(
                lti_memberships.c.platform_id == platform_id,
                lti_memberships.c.context_id == context_id)
                .order_by(lti_memberships.c.sub)).all()
        return [LtiMember(platform_id=row.platform_id, context_id=row.context_id,
                          sub=row.sub, roles=tuple(row.roles), status=row.status,
                          launched=bool(row.launched), updated=aware(row.updated))
                for row in rows]

    # --- resource links ------------------------------------------------------------
    def upsert_resource_link(self, link: LtiResourceLink) -> None:
        with transaction(self._engine) as conn:
            statement = upsert(conn, lti_resource_links).values(
                platform_id=link.platform_id, resource_link_id=link.resource_link_id,
                deployment_id=link.deployment_id, context_id=link.context_id,
                title=link.title, activity_key=link.activity_key,
                catalogue_id=link.catalogue_id, lineitem_url=link.lineitem_url,
                lineitems_url=link.lineitems_url, ags_scopes=" ".join(link.ags_scopes),
                updated=utc(link.updated))
            conn.execute(statement.on_conflict_do_update(
                index_elements=[lti_resource_links.c.platform_id,
                                lti_resource_links.c.resource_link_id],
                set_={"deployment_id": statement.excluded.deployment_id,
                      "activity_key": statement.excluded.activity_key,
                      "ags_scopes": statement.excluded.ags_scopes,
                      "updated": statement.excluded.updated,
                      **_keep_stored(statement, lti_resource_links,
                                     ("context_id", "title", "catalogue_id", "lineitem_url",
                                      "lineitems_url"))}))

    def get_resource_link(self, platform_id: int, resource_link_id: str
                          ) -> LtiResourceLink | None:
        with connection(self._engine) as conn:
            row = conn.execute(select(lti_resource_links).where(
                lti_resource_links.c.platform_id == platform_id,
                lti_resource_links.c.resource_link_id == resource_link_id)).first()
        return _link(row) if row else None

    def list_resource_links(self, platform_id: int, context_id: str) -> list[LtiResourceLink]:
        with connection(self._engine) as conn:
            rows = conn.execute(select(lti_resource_links).where(
                lti_resource_links.c.platform_id == platform_id,
                lti_resource_links.c.context_id == context_id)
                .order_by(lti_resource_links.c.title, lti_resource_links.c.resource_link_id)
            ).all()
        return [_link(row) for row in rows]

    def set_lineitem_url(self, platform_id: int, resource_link_id: str, url: str) -> None:
        with transaction(self._engine) as conn:
            conn.execute(update(lti_resource_links).where(
                lti_resource_links.c.platform_id == platform_id,
                lti_resource_links.c.resource_link_id == resource_link_id,
            ).values(lineitem_url=url))

    def record_link_launch(self, platform_id: int, resource_link_id: str, sub: str,
                           when: datetime) -> None:
        with transaction(self._engine) as conn:
            statement = upsert(conn, lti_link_launches).values(
                platform_id=platform_id, resource_link_id=resource_link_id, sub=sub,
                first_launch=utc(when), last_launch=utc(when))
            conn.execute(statement.on_conflict_do_update(
                index_elements=[lti_link_launches.c.platform_id,
                                lti_link_launches.c.resource_link_id,
                                lti_link_launches.c.sub],
                set_={"last_launch": statement.excluded.last_launch}))

    def find_launched_links(self, issuer: str, subs: Iterable[str],
                            activity_keys: Iterable[str], catalogue_ids: Iterable[str]
                            ) -> list[tuple[str, LtiResourceLink]]:
        subs, keys, entries = list(subs), list(activity_keys), list(catalogue_ids)
        if not subs or not (keys or entries):
            return []
        links, launches = lti_resource_links, lti_link_launches
        matches = []
        if keys:
            matches.append(links.c.activity_key.in_(keys))
        if entries:
            matches.append(links.c.catalogue_id.in_(entries))
        query = (
            select(launches.c.sub, links)
            .join(links, and_(links.c.platform_id == launches.c.platform_id,
                              links.c.resource_link_id == launches.c.resource_link_id))
            .join(lti_platforms, lti_platforms.c.id == links.c.platform_id)
            .where(lti_platforms.c.issuer == issuer, launches.c.sub.in_(subs),
                   or_(*matches) if matches else true())
            .order_by(launches.c.sub, links.c.platform_id, links.c.resource_link_id)
        )
        with connection(self._engine) as conn:
            rows = conn.execute(query).all()
        return [(row.sub, _link(row)) for row in rows]


def _user(row: Row[Any]) -> LtiUser:
    return LtiUser(issuer=row.issuer, sub=row.sub, updated=aware(row.updated),
                   **{name: getattr(row, name) for name in _USER_FIELDS})


def _link(row: Row[Any]) -> LtiResourceLink:
    return LtiResourceLink(
        platform_id=row.platform_id, resource_link_id=row.resource_link_id,
        deployment_id=row.deployment_id, context_id=row.context_id, title=row.title,
        activity_key=row.activity_key, catalogue_id=row.catalogue_id,
        lineitem_url=row.lineitem_url, lineitems_url=row.lineitems_url,
        ags_scopes=tuple(row.ags_scopes.split()), updated=aware(row.updated))


class SqlLtiCatalogueStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def insert_entry(self, entry: CatalogueEntry) -> None:
        try:
            with transaction(self._engine) as conn:
                conn.execute(insert(lti_catalogue).values(
                    id=entry.id, title=entry.title, description=entry.description,
                    activity_id=entry.activity_id, launch_url=entry.launch_url,
                    keywords=entry.keywords, graded=entry.graded,
                    score_maximum=entry.score_maximum, created_at=utc(entry.created_at)))
        except IntegrityError:
            raise AlreadyExists(entry.id) from None

    def get_entry(self, entry_id: str) -> CatalogueEntry | None:
        with connection(self._engine) as conn:
            row = conn.execute(select(lti_catalogue).where(lti_catalogue.c.id == entry_id)
                               ).first()
        return _entry(row) if row else None

    def find_entries_by_activity(self, activity_ids: Iterable[str]) -> list[CatalogueEntry]:
        activity_ids = list(activity_ids)
        if not activity_ids:
            return []
        with connection(self._engine) as conn:
            rows = conn.execute(select(lti_catalogue).where(
                lti_catalogue.c.activity_id.in_(activity_ids))).all()
        return [_entry(row) for row in rows]

    def search_entries(self, text: str, limit: int) -> list[CatalogueEntry]:
        haystack = func.lower(lti_catalogue.c.title + " " + lti_catalogue.c.description
                              + " " + lti_catalogue.c.keywords + " " + lti_catalogue.c.id)
        query = select(lti_catalogue).order_by(lti_catalogue.c.title, lti_catalogue.c.id)
        for word in text.lower().split():
            escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            query = query.where(haystack.like(f"%{escaped}%", escape="\\"))
        with connection(self._engine) as conn:
            rows = conn.execute(query.limit(limit)).all()
        return [_entry(row) for row in rows]


def _entry(row: Row[Any]) -> CatalogueEntry:
    return CatalogueEntry(id=row.id, title=row.title, description=row.description,
                          activity_id=row.activity_id, launch_url=row.launch_url,
                          keywords=row.keywords, graded=bool(row.graded),
                          score_maximum=row.score_maximum, created_at=aware(row.created_at))
