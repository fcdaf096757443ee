from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Row, insert, select, update

from hub.storage.contract import Credential
from hub.storage.sql.common import aware, connection, transaction, utc
from hub.storage.sql.tables import credentials


class SqlCredentialStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def insert_credential(self, credential: Credential) -> None:
        with transaction(self._engine) as conn:
            conn.execute(
                insert(credentials).values(
                    key=credential.key,
                    secret_digest=credential.secret_digest,
                    name=credential.name,
                    owner=credential.owner,
                    authority=credential.authority,
                    scopes=" ".join(sorted(credential.scopes)),
                    created_at=utc(credential.created_at),
                    revoked_at=utc(credential.revoked_at),
                )
            )

    def find_credential(self, key: str) -> Credential | None:
        with connection(self._engine) as conn:
            row = conn.execute(select(credentials).where(credentials.c.key == key)).first()
        return _credential(row) if row else None

    def list_credentials(self) -> list[Credential]:
        with connection(self._engine) as conn:
            rows = conn.execute(select(credentials).order_by(credentials.c.created_at)).all()
        return [_credential(row) for row in rows]

    def revoke_credential(self, key: str, when: datetime) -> bool:
        with transaction(self._engine) as conn:
            result = conn.execute(
                update(credentials)
                .where(credentials.c.key == key, credentials.c.revoked_at.is_(None))
                .values(revoked_at=utc(when))
            )
        return result.rowcount == 1


def _credential(row: Row[Any]) -> Credential:
    return Credential(
        key=row.key,
        secret_digest=row.secret_digest,
        name=row.name,
        owner=row.owner,
        authority=row.authority,
        scopes=frozenset(row.scopes.split()),
        created_at=aware(row.created_at),
        revoked_at=aware(row.revoked_at),
    )
