"""SQL stores for the platforms registered with the hub as a tool and its short-lived
session values."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from hub.storage.contract import AlreadyExists
from hub.storage.sql.common import aware, connection, transaction, upsert, utc, write_transaction
from lti.tool.storage.contract import LtiPlatform
from lti.tool.storage.sql.tables import (
    lti_deployments,
    lti_platforms,
    lti_registration_invites,
    lti_session_values,
)


class SqlLtiPlatformStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def insert_platform(self, platform: LtiPlatform) -> LtiPlatform:
        try:
            with transaction(self._engine) as conn:
                platform_id = conn.execute(insert(lti_platforms).values(
                    issuer=platform.issuer, client_id=platform.client_id, name=platform.name,
                    auth_login_url=platform.auth_login_url, token_url=platform.token_url,
                    jwks_url=platform.jwks_url, auth_audience=platform.auth_audience,
                    created_at=utc(platform.created_at),
                ).returning(lti_platforms.c.id)).scalar_one()
                for deployment_id in dict.fromkeys(platform.deployment_ids):
                    conn.execute(insert(lti_deployments).values(
                        platform_id=platform_id, deployment_id=deployment_id,
                        created_at=utc(platform.created_at)))
        except IntegrityError:
            raise AlreadyExists(f"{platform.issuer} {platform.client_id}") from None
        stored = self.get_platform(platform_id)
        if stored is None:  # committed just above
            raise RuntimeError(f"LTI platform {platform_id} was not stored")
        return stored

    def get_platform(self, platform_id: int) -> LtiPlatform | None:
        found = self._platforms(lti_platforms.c.id == platform_id)
        return found[0] if found else None

    def find_platforms(self, issuer: str) -> list[LtiPlatform]:
        return self._platforms(lti_platforms.c.issuer == issuer)

    def list_platforms(self) -> list[LtiPlatform]:
        return self._platforms(None)

    def _platforms(self, where: ColumnElement[bool] | None) -> list[LtiPlatform]:
        query = select(lti_platforms).order_by(lti_platforms.c.id)
        if where is not None:
            query = query.where(where)
        with connection(self._engine) as conn:
            rows = conn.execute(query).all()
            ids = [row.id for row in rows]
            deployments: dict[int, list[str]] = {i: [] for i in ids}
            if ids:
                for dep in conn.execute(select(lti_deployments).where(
                        lti_deployments.c.platform_id.in_(ids))
                        .order_by(lti_deployments.c.created_at,
                                  lti_deployments.c.deployment_id)):
                    deployments[dep.platform_id].append(dep.deployment_id)
        return [LtiPlatform(id=row.id, issuer=row.issuer, client_id=row.client_id,
                            name=row.name, auth_login_url=row.auth_login_url,
                            token_url=row.token_url, jwks_url=row.jwks_url,
                            auth_audience=row.auth_audience, created_at=aware(row.created_at),
                            deployment_ids=tuple(deployments[row.id]),
                            disabled_at=aware(row.disabled_at)) for row in rows]

    def update_platform(self, platform: LtiPlatform) -> LtiPlatform | None:
        if platform.id is None:  # never stored: there is no such platform
            return None
        wanted = list(dict.fromkeys(platform.deployment_ids))
        try:
            with transaction(self._engine) as conn:
                changed = conn.execute(update(lti_platforms).where(
                    lti_platforms.c.id == platform.id).values(
                    client_id=platform.client_id, name=platform.name,
                    auth_login_url=platform.auth_login_url, token_url=platform.token_url,
                    jwks_url=platform.jwks_url, auth_audience=platform.auth_audience,
                )).rowcount
                if changed != 1:
                    return None
                kept = set(conn.execute(select(lti_deployments.c.deployment_id).where(
                    lti_deployments.c.platform_id == platform.id)).scalars())
                conn.execute(delete(lti_deployments).where(
                    lti_deployments.c.platform_id == platform.id,
                    lti_deployments.c.deployment_id.not_in(wanted)))
                now = utc(datetime.now(UTC))
                for deployment_id in wanted:
                    if deployment_id not in kept:
                        conn.execute(insert(lti_deployments).values(
                            platform_id=platform.id, deployment_id=deployment_id,
                            created_at=now))
        except IntegrityError:
            raise AlreadyExists(f"{platform.issuer} {platform.client_id}") from None
        return self.get_platform(platform.id)

    def set_platform_disabled(self, platform_id: int, when: datetime | None) -> bool:
        with transaction(self._engine) as conn:
            query = update(lti_platforms).where(lti_platforms.c.id == platform_id)
            if when is not None:  # keep the first disable time; still "found"
                found = conn.execute(select(lti_platforms.c.id).where(
                    lti_platforms.c.id == platform_id)).first()
                query = query.where(lti_platforms.c.disabled_at.is_(None))
                conn.execute(query.values(disabled_at=utc(when)))
                return found is not None
            return conn.execute(query.values(disabled_at=None)).rowcount == 1

    def add_deployment(self, platform_id: int, deployment_id: str, when: datetime) -> bool:
        with transaction(self._engine) as conn:
            added = conn.execute(upsert(conn, lti_deployments).values(
                platform_id=platform_id, deployment_id=deployment_id, created_at=utc(when),
            ).on_conflict_do_nothing().returning(lti_deployments.c.deployment_id)).first()
        return added is not None

    def remove_deployment(self, platform_id: int, deployment_id: str) -> bool:
        with transaction(self._engine) as conn:
            result = conn.execute(delete(lti_deployments).where(
                lti_deployments.c.platform_id == platform_id,
                lti_deployments.c.deployment_id == deployment_id))
        return result.rowcount == 1

    def insert_invite(self, token_digest: str, note: str, created_at: datetime,
                      expires_at: datetime) -> None:
        with transaction(self._engine) as conn:
            conn.execute(insert(lti_registration_invites).values(
                token_digest=token_digest, note=note, created_at=utc(created_at),
                expires_at=utc(expires_at)))

    def invite_is_open(self, token_digest: str, now: datetime) -> bool:
        with connection(self._engine) as conn:
            row = conn.execute(select(lti_registration_invites.c.token_digest).where(
                *_open_invite(token_digest, now))).first()
        return row is not None

    def close_invite(self, token_digest: str, platform_id: int, when: datetime) -> bool:
        with transaction(self._engine) as conn:
            result = conn.execute(update(lti_registration_invites)
                                  .where(*_open_invite(token_digest, when))
                                  .values(used_at=utc(when), platform_id=platform_id))
        return result.rowcount == 1


def _open_invite(token_digest: str, now: datetime) -> Iterable:
    table = lti_registration_invites
    return (table.c.token_digest == token_digest, table.c.used_at.is_(None),
            table.c.expires_at > utc(now))


class SqlLtiSessionStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def put_value(self, key: str, value: Any, expires_at: datetime) -> None:
        with transaction(self._engine) as conn:
            statement = upsert(conn, lti_session_values).values(
                key=key, value=value, expires_at=utc(expires_at))
            conn.execute(statement.on_conflict_do_update(
                index_elements=[lti_session_values.c.key],
                set_={"value": statement.excluded.value,
                      "expires_at": statement.excluded.expires_at}))

    def get_value(self, key: str, now: datetime) -> Any | None:
        with connection(self._engine) as conn:
            return conn.execute(select(lti_session_values.c.value).where(
                lti_session_values.c.key == key,
                lti_session_values.c.expires_at > utc(now))).scalar()

    def take_value(self, key: str, now: datetime) -> Any | None:
        with write_transaction(self._engine) as conn:
            value = conn.execute(select(lti_session_values.c.value).where(
                lti_session_values.c.key == key,
                lti_session_values.c.expires_at > utc(now))).scalar()
            # On PostgreSQL a concurrent DELETE of the same row waits for ours and then
            # deletes nothing: only the caller whose DELETE removed the row gets the value.
            deleted = conn.execute(delete(lti_session_values).where(
                lti_session_values.c.key == key)).rowcount
        return value if deleted == 1 else None

    def purge_expired(self, now: datetime) -> int:
        with transaction(self._engine) as conn:
            return conn.execute(delete(lti_session_values).where(
                lti_session_values.c.expires_at <= utc(now))).rowcount
