"""Signing keys in SQL: the table shape and the store both LTI roles use (each with its
own table), private keys sealed at rest (hub.storage.key_encryption)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Engine,
    Row,
    String,
    Table,
    Text,
    insert,
    select,
    update,
)

from hub.storage.key_encryption import KeyCipher
from hub.storage.signing_keys import ToolKey
from hub.storage.sql.common import aware, connection, transaction, utc, write_transaction
from hub.storage.sql.sealed_keys import reseal_private_keys
from hub.storage.sql.tables import metadata


def signing_keys_table(name: str) -> Table:
    """RSA signing keys with their rotation state; the tool and platform roles each
    keep their own (one SqlLtiKeyStore serves both)."""
    return Table(
        name,
        metadata,
        Column("kid", String(64), primary_key=True),
        Column("private_pem", Text, nullable=False),
        Column("public_jwk", JSON, nullable=False),
        Column("status", String(16), nullable=False),  # next | active | retired
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("activated_at", DateTime(timezone=True)),
        Column("retired_at", DateTime(timezone=True)),
    )


class SqlLtiKeyStore:
    # `table`: each role keeps its keys in a table of this shape (signing_keys_table).
    def __init__(self, engine: Engine, table: Table, cipher: KeyCipher | None = None) -> None:
        self._engine = engine
        self._table = table
        self._cipher = cipher or KeyCipher()

    def insert_key(self, key: ToolKey) -> None:
        with transaction(self._engine) as conn:
            conn.execute(insert(self._table).values(**_key_row(key, self._cipher)))

    def list_keys(self) -> list[ToolKey]:
        with connection(self._engine) as conn:
            rows = conn.execute(select(self._table).order_by(
                self._table.c.created_at.desc(), self._table.c.kid)).all()
        return [_key(row, self._cipher) for row in rows]

    def promote_key(self, kid: str, when: datetime) -> bool:
        with write_transaction(self._engine) as conn:
            found = conn.execute(select(self._table.c.kid).where(
                self._table.c.kid == kid, self._table.c.status == "next")).first()
            if found is None:
                return False
            conn.execute(update(self._table).where(self._table.c.status == "active")
                         .values(status="retired", retired_at=utc(when)))
            conn.execute(update(self._table).where(self._table.c.kid == kid)
                         .values(status="active", activated_at=utc(when)))
        return True

    def activate_first_key(self, key: ToolKey) -> ToolKey:
        with write_transaction(self._engine) as conn:
            row = conn.execute(select(self._table).where(self._table.c.status == "active")
                               .order_by(self._table.c.activated_at.desc()).limit(1)).first()
            if row is not None:
                return _key(row, self._cipher)
            conn.execute(insert(self._table).values(**_key_row(key, self._cipher)))
        return key

    def reseal_private_keys(self) -> int:
        return reseal_private_keys(self._engine, self._table, self._cipher)


def _key_row(key: ToolKey, cipher: KeyCipher) -> dict[str, Any]:
    return {"kid": key.kid, "private_pem": cipher.seal(key.private_pem),
            "public_jwk": key.public_jwk,
            "status": key.status, "created_at": utc(key.created_at),
            "activated_at": utc(key.activated_at), "retired_at": utc(key.retired_at)}


def _key(row: Row[Any], cipher: KeyCipher) -> ToolKey:
    return ToolKey(kid=row.kid, private_pem=cipher.open(row.private_pem),
                   public_jwk=row.public_jwk, status=row.status, created_at=aware(row.created_at),
                   activated_at=aware(row.activated_at), retired_at=aware(row.retired_at))
