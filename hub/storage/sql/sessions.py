from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Row, delete, insert, or_, select, update

from hub.storage.contract import SignInSession
from hub.storage.sql.common import aware, connection, transaction, utc
from hub.storage.sql.tables import sign_in_sessions as sessions


class SqlSessionStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def insert_session(self, session: SignInSession) -> None:
        with transaction(self._engine) as conn:
            conn.execute(insert(sessions).values(
                id_digest=session.id_digest, kind=session.kind,
                credential_key=session.credential_key, started_at=utc(session.started_at),
                last_seen_at=utc(session.last_seen_at), expires_at=utc(session.expires_at),
                ended_at=utc(session.ended_at), end_reason=session.end_reason))

    def find_session(self, id_digest: str) -> SignInSession | None:
        with connection(self._engine) as conn:
            row = conn.execute(select(sessions).where(sessions.c.id_digest == id_digest)).first()
        return _session(row) if row else None

    def touch_session(self, id_digest: str, seen_at: datetime) -> None:
        with transaction(self._engine) as conn:
            conn.execute(update(sessions).where(
                sessions.c.id_digest == id_digest, sessions.c.ended_at.is_(None),
                sessions.c.last_seen_at < utc(seen_at)).values(last_seen_at=utc(seen_at)))

    def end_session(self, id_digest: str, when: datetime, reason: str) -> bool:
        with transaction(self._engine) as conn:
            result = conn.execute(update(sessions).where(
                sessions.c.id_digest == id_digest, sessions.c.ended_at.is_(None),
            ).values(ended_at=utc(when), end_reason=reason))
        return result.rowcount == 1

    def end_sessions_of(self, credential_key: str, when: datetime, reason: str) -> int:
        with transaction(self._engine) as conn:
            return conn.execute(update(sessions).where(
                sessions.c.credential_key == credential_key, sessions.c.ended_at.is_(None),
            ).values(ended_at=utc(when), end_reason=reason)).rowcount

    def purge_sessions(self, before: datetime) -> int:
        cutoff = utc(before)
        with transaction(self._engine) as conn:
            return conn.execute(delete(sessions).where(or_(
                sessions.c.ended_at < cutoff, sessions.c.expires_at < cutoff,
                sessions.c.last_seen_at < cutoff))).rowcount


def _session(row: Row[Any]) -> SignInSession:
    return SignInSession(
        id_digest=row.id_digest, kind=row.kind, credential_key=row.credential_key,
        started_at=aware(row.started_at), last_seen_at=aware(row.last_seen_at),
        expires_at=aware(row.expires_at), ended_at=aware(row.ended_at),
        end_reason=row.end_reason)
