"""The transcripts access log (append-only), auditors' agency limits and the issuer's
signing keys, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Row, delete, select, update

from hub.storage.key_encryption import KeyCipher
from hub.storage.sql.common import connection, write_transaction
from hub.storage.sql.sealed_keys import reseal_private_keys
from transcripts.storage.contract import AccessEntry, AccessQuery, IssuerKey
from transcripts.storage.sql import rows
from transcripts.storage.sql.tables import (
    transcript_access_log,
    transcript_auditor_agencies,
    transcript_issuer_keys,
)


class SqlAccessStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def append_access(self, entries: Sequence[AccessEntry]) -> None:
        values = [{"at": rows.utc(e.at), "credential_key": e.credential_key,
                   "credential_name": e.credential_name, "action": e.action,
                   "subject": e.subject[:250], "year": e.year, "detail": e.detail,
                   "request_id": e.request_id} for e in entries]
        if values:
            with write_transaction(self._engine) as conn:
                conn.execute(transcript_access_log.insert(), values)

    def query_access(self, query: AccessQuery) -> list[AccessEntry]:
        c = transcript_access_log.c
        conditions = []
        for column, value in ((c.subject, query.subject), (c.credential_key,
                                                           query.credential_key),
                              (c.action, query.action)):
            if value is not None:
                conditions.append(column == value)
        if query.since is not None:
            conditions.append(c.at >= rows.utc(query.since))
        if query.until is not None:
            conditions.append(c.at < rows.utc(query.until))
        if query.after_id is not None:
            conditions.append(c.id > query.after_id)
        statement = (select(transcript_access_log).where(*conditions)
                     .order_by(c.id).limit(query.limit))
        with connection(self._engine) as conn:
            return [AccessEntry(at=rows.aware(r.at), credential_key=r.credential_key,
                                credential_name=r.credential_name, action=r.action,
                                subject=r.subject, year=r.year, detail=r.detail,
                                request_id=r.request_id, id=r.id)
                    for r in conn.execute(statement)]

    def set_agency_limits(self, credential_key: str, agencies: Iterable[str] | None) -> None:
        values = sorted(set(agencies or ()))
        with write_transaction(self._engine) as conn:
            conn.execute(delete(transcript_auditor_agencies).where(
                transcript_auditor_agencies.c.credential_key == credential_key))
            if values:
                conn.execute(transcript_auditor_agencies.insert(),
                             [{"credential_key": credential_key, "agency": a} for a in values])

    def agency_limits(self, credential_key: str) -> frozenset[str] | None:
        with connection(self._engine) as conn:
            agencies = conn.execute(select(transcript_auditor_agencies.c.agency).where(
                transcript_auditor_agencies.c.credential_key == credential_key)).scalars().all()
        return frozenset(agencies) or None

    def list_agency_limits(self) -> dict[str, frozenset[str]]:
        limits: dict[str, set[str]] = {}
        with connection(self._engine) as conn:
            for row in conn.execute(select(transcript_auditor_agencies)):
                limits.setdefault(row.credential_key, set()).add(row.agency)
        return {key: frozenset(agencies) for key, agencies in sorted(limits.items())}


def _key_of(row: Row[Any], cipher: KeyCipher) -> IssuerKey:
    return IssuerKey(kid=row.kid, algorithm=row.algorithm,
                     private_pem=cipher.open(row.private_pem), public_jwk=row.public_jwk,
                     created_at=rows.aware(row.created_at),
                     retired_at=rows.aware(row.retired_at))


class SqlIssuerKeyStore:
    def __init__(self, engine: Engine, cipher: KeyCipher | None = None) -> None:
        self._engine = engine
        self._cipher = cipher or KeyCipher()

    def insert_key(self, key: IssuerKey, *, retire_others_at: datetime) -> None:
        with write_transaction(self._engine) as conn:
            conn.execute(update(transcript_issuer_keys)
                         .where(transcript_issuer_keys.c.retired_at.is_(None))
                         .values(retired_at=rows.utc(retire_others_at)))
            conn.execute(transcript_issuer_keys.insert().values(
                kid=key.kid, algorithm=key.algorithm,
                private_pem=self._cipher.seal(key.private_pem),
                public_jwk=key.public_jwk, created_at=rows.utc(key.created_at),
                retired_at=rows.utc(key.retired_at)))

    def list_keys(self) -> list[IssuerKey]:
        with connection(self._engine) as conn:
            result = conn.execute(select(transcript_issuer_keys)
                                  .order_by(transcript_issuer_keys.c.created_at.desc()))
            return [_key_of(row, self._cipher) for row in result]

    def active_key(self) -> IssuerKey | None:
        return next((key for key in self.list_keys() if key.retired_at is None), None)

    def get_key(self, kid: str) -> IssuerKey | None:
        with connection(self._engine) as conn:
            row = conn.execute(select(transcript_issuer_keys)
                               .where(transcript_issuer_keys.c.kid == kid)).first()
        return _key_of(row, self._cipher) if row else None

    def reseal_private_keys(self) -> int:
        return reseal_private_keys(self._engine, transcript_issuer_keys, self._cipher)
