from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select, update

from hub.storage.contract import Credential
from hub.storage.sql.tables import credentials


class SqlCredentialStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def insert_credential(self, credential: Credential) -> None:
        with self._engine.begin() as conn:
            conn.execute(
                insert(credentials).values(
                    key=credential.key,
                    secret_digest=credential.secret_digest,
                    name=credential.name,
                    owner=credential.owner,
                    authority=credential.authority,
                    scopes=" ".join(sorted(credential.scopes)),
                    created_at=_utc(credential.created_at),
                    revoked_at=_utc(credential.revoked_at),
                )
            )

    def find_credential(self, key: str) -> Credential | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(credentials).where(credentials.c.key == key)).first()
        return _credential(row) if row else None

    def list_credentials(self) -> list[Credential]:
        with self._engine.connect() as conn:
            rows = conn.execute(select(credentials).order_by(credentials.c.created_at)).all()
        return [_credential(row) for row in rows]

    def revoke_credential(self, key: str, when: datetime) -> bool:
        with self._engine.begin() as conn:
            result = conn.execute(
                update(credentials)
                .where(credentials.c.key == key, credentials.c.revoked_at.is_(None))
                .values(revoked_at=_utc(when))
            )
        return result.rowcount == 1


def _credential(row) -> Credential:
    return Credential(
        key=row.key,
        secret_digest=row.secret_digest,
        name=row.name,
        owner=row.owner,
        authority=row.authority,
        scopes=frozenset(row.scopes.split()),
        created_at=_aware(row.created_at),
        revoked_at=_aware(row.revoked_at),
    )


def _utc(value: datetime | None) -> datetime | None:
    """SQLite drops the offset when it stores a datetime, so store every instant as UTC."""
    return value.astimezone(UTC) if value is not None else None


def _aware(value: datetime | None) -> datetime | None:
    """UTC out: SQLite hands back naive UTC, PostgreSQL the session's time zone."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
