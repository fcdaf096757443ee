"""The person registry on SQLite and PostgreSQL: people by NIP, linked identifiers,
identity conflicts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import Engine, delete, select, update

from hub.storage.sql.common import connection, write_transaction
from transcripts.storage.contract import IdentityConflict, IdentityLink, Person
from transcripts.storage.sql import rows
from transcripts.storage.sql.tables import transcript_identities, transcript_identity_conflicts


class SqlPersonStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def upsert_people(self, people: Sequence[Person]) -> None:
        with write_transaction(self._engine) as conn:
            rows.upsert_people(conn, people)

    def insert_missing_people(self, people: Sequence[Person]) -> None:
        with write_transaction(self._engine) as conn:
            rows.insert_missing_people(conn, people)

    def get_person(self, nip: str) -> Person | None:
        return self.find_people([nip]).get(nip)

    def find_people(self, nips: Iterable[str]) -> dict[str, Person]:
        with connection(self._engine) as conn:
            return rows.find_people(conn, nips)

    def link_identities(self, links: Sequence[IdentityLink]) -> dict[str, IdentityLink]:
        with write_transaction(self._engine) as conn:
            return rows.link_identities(conn, links)

    def relink_identity(self, link: IdentityLink) -> IdentityLink | None:
        with write_transaction(self._engine) as conn:
            previous = rows.find_links(conn, [link.key]).get(link.key)
            if previous is None:
                rows.link_identities(conn, [link])
            else:
                conn.execute(update(transcript_identities)
                             .where(transcript_identities.c.key == link.key)
                             .values(nip=link.nip, source=link.source,
                                     linked_at=rows.utc(link.linked_at)))
            return previous

    def unlink_identity(self, key: str) -> IdentityLink | None:
        with write_transaction(self._engine) as conn:
            previous = rows.find_links(conn, [key]).get(key)
            if previous is not None:
                conn.execute(delete(transcript_identities)
                             .where(transcript_identities.c.key == key))
            return previous

    def find_links(self, keys: Iterable[str]) -> dict[str, IdentityLink]:
        with connection(self._engine) as conn:
            return rows.find_links(conn, keys)

    def links_of(self, nip: str) -> list[IdentityLink]:
        with connection(self._engine) as conn:
            result = conn.execute(select(transcript_identities)
                                  .where(transcript_identities.c.nip == nip)
                                  .order_by(transcript_identities.c.linked_at,
                                            transcript_identities.c.identifier))
            return [rows.link_of(row) for row in result]

    def report_conflicts(self, conflicts: Sequence[IdentityConflict]) -> list[IdentityConflict]:
        with write_transaction(self._engine) as conn:
            return rows.report_conflicts(conn, conflicts)

    def list_conflicts(self, *, open_only: bool = True, after_id: int | None = None,
                       limit: int = 100) -> list[IdentityConflict]:
        c = transcript_identity_conflicts.c
        query = select(transcript_identity_conflicts).order_by(c.id).limit(limit)
        if open_only:
            query = query.where(c.resolved_at.is_(None))
        if after_id is not None:
            query = query.where(c.id > after_id)
        with connection(self._engine) as conn:
            return [rows.conflict_of(row) for row in conn.execute(query)]

    def resolve_conflicts(self, key: str, when: datetime) -> int:
        with write_transaction(self._engine) as conn:
            return rows.resolve_conflicts(conn, key, when)
