"""Storing statements: the xAPI rules the statements and activity stores' primitives are
combined by, all in one unit of work (the statements, their attachments, the voiding
they cause and the definitions they teach commit or roll back together).

Conflicts: xAPI 1.0.3 Communication 2.1.2.s2.b5 (same id, other content).  Voiding: xAPI
1.0.3 Data 2.3.2, and the hub's rule that a partner voids only what its own authority
stored (docs/security.md).  Definitions: `lrs.activities.merge_definition`.
"""

from __future__ import annotations

import random
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from hub.storage.contract import AlreadyExists, Contended, Storage
from lrs.activities import merge_definition
from lrs.storage import stores as lrs_stores
from lrs.storage.contract import (
    Attachment,
    StatementConflict,
    StatementRecord,
    StatementStore,
)

# A batch is run again when a concurrent writer got there first (on MongoDB, a write
# conflict on a shared record such as a newly learned activity; docs/operations.md).
SAVE_ATTEMPTS = 6


def save_statements(storage: Storage, records: Sequence[StatementRecord],
                    attachments: Iterable[Attachment] = ()) -> list[str]:
    """Store all or nothing and return the ids newly stored.

    Ids already stored with the same comparison digest are skipped; a different digest
    raises StatementConflict and stores nothing.  Targets of voiding records are voided
    when they were stored under the voiding record's authority_key (any authority with
    `voids_any_authority`), also when the target arrives after the voiding (then only
    under the same authority_key).  The records' activity definitions are learned.
    """
    stores = lrs_stores(storage)
    attachments = list(attachments)
    # SQLite has one writer: what can be made before taking its lock is made here.
    prepared = stores.statements.prepare_statement_rows(records)
    learned = _recently_learned(stores.statements)
    for attempt in range(SAVE_ATTEMPTS):
        try:
            fresh, taught = _save_once(storage, records, prepared, attachments, learned)
            break
        except (AlreadyExists, Contended):
            # A concurrent writer stored one of these ids first (compare against it), or
            # (MongoDB) wrote the same record first and this unit was abandoned whole.
            if attempt == SAVE_ATTEMPTS - 1:
                raise
            if attempt:
                time.sleep(random.uniform(0, 0.01 * 2 ** attempt))
    learned.remember(taught)  # only once committed
    return fresh


def _save_once(storage: Storage, records: Sequence[StatementRecord], prepared: Any,
               attachments: list[Attachment], learned: RecentlyLearned,
               ) -> tuple[list[str], dict[str, list[dict[str, Any]]]]:
    stores = lrs_stores(storage)
    statements = stores.statements
    with storage.begin(write=True):
        known = statements.comparison_digests([r.id for r in records])
        for record in records:
            if record.id in known and known[record.id] != record.comparison_digest:
                raise StatementConflict(record.id)
        fresh = [r for r in records if r.id not in known]
        if not fresh:
            return [], {}
        seqs = statements.insert_statement_rows(prepared, skip=known)
        statements.insert_attachments(attachments)
        _apply_voiding(statements, fresh)
        statements.inherit_statement_ref_index(fresh, seqs)
        taught = _definitions_taught(fresh, learned)
        if taught:
            stores.activities.upsert_activity_definitions(
                {activity_id: _folded(seen) for activity_id, seen in taught.items()},
                merge_definition)
    return [r.id for r in fresh], taught


def _apply_voiding(statements: StatementStore, records: list[StatementRecord]) -> None:
    # xAPI Data 2.3.2: a voiding statement cannot itself be voided (`mark_voided` skips
    # voiding statements).  A partner voids only what its own authority stored
    # (docs/security.md), unless the record was stored with the operator scope.
    by_authority: dict[str | None, list[str]] = {}
    for r in records:
        if r.voiding_target:
            owner = None if r.voids_any_authority else r.authority_key
            by_authority.setdefault(owner, []).append(r.voiding_target)
    for owner, targets in by_authority.items():
        statements.mark_voided(targets, authority_key=owner)
    # A target that arrives after its voiding statement is voided on arrival, only when
    # both came with the same authority.
    fresh = {r.id: r.authority_key for r in records if r.voiding_target is None}
    voided_early = [target for target, authority in statements.voiding_statements_of(fresh)
                    if fresh.get(target) == authority]
    if voided_early:
        statements.mark_voided(voided_early)


def _definitions_taught(records: list[StatementRecord], learned: RecentlyLearned,
                        ) -> dict[str, list[dict[str, Any]]]:
    """What the records teach about their activities, in record order, less what this
    process committed lately (`RecentlyLearned`)."""
    received: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        for activity_id, definition in record.activity_definitions.items():
            received.setdefault(activity_id, []).append(definition)
    return {activity_id: seen for activity_id, seen in received.items()
            if not learned.holds_all(activity_id, seen)}


def _folded(seen: list[dict[str, Any]]) -> dict[str, Any]:
    merged = seen[0]
    for definition in seen[1:]:
        merged = merge_definition(merged, definition) if merged else definition
    return merged


# One cache per statements store (a process opens one storage; tests open many, and
# what one database learned says nothing about another's).
_LEARNED: weakref.WeakKeyDictionary[object, RecentlyLearned] = weakref.WeakKeyDictionary()
_LEARNED_LOCK = threading.Lock()


def _recently_learned(store: object) -> RecentlyLearned:
    with _LEARNED_LOCK:
        learned = _LEARNED.get(store)
        if learned is None:
            learned = _LEARNED[store] = RecentlyLearned()
        return learned


class RecentlyLearned:
    """Activity definitions this process committed lately, exactly as they arrived.

    Partners send the same course definition with every statement; merging it again
    changes nothing but costs a locked read per activity per batch, which serialises
    concurrent writers on popular activities.  A definition equal to one this process
    committed less than `ttl` seconds ago is therefore not merged again.  The price:
    when two partners alternate different definitions of one activity within `ttl`,
    the canonical one may keep the other's wording until the entry expires (xAPI leaves
    the choice of canonical definition to the LRS).
    """

    def __init__(self, ttl: float = 60.0, capacity: int = 20_000) -> None:
        self._ttl, self._capacity = ttl, capacity
        self._entries: OrderedDict[str, tuple[float, dict[str, Any]]] = OrderedDict()
        self._lock = threading.Lock()

    def holds_all(self, activity_id: str, definitions: list[dict[str, Any]]) -> bool:
        """True when merging `definitions` would teach nothing new: each is empty (the id
        is known) or the definition committed lately."""
        with self._lock:
            entry = self._entries.get(activity_id)
        return entry is not None and entry[0] >= time.monotonic() \
            and all(not definition or definition == entry[1] for definition in definitions)

    def remember(self, definitions: Mapping[str, list[dict[str, Any]]]) -> None:
        """Each activity's definitions, in the order they were merged and committed."""
        expires = time.monotonic() + self._ttl
        with self._lock:
            for activity_id, merged in definitions.items():
                entry = self._entries.get(activity_id)
                last = next((d for d in reversed(merged) if d), entry[1] if entry else {})
                self._entries[activity_id] = (expires, last)
                self._entries.move_to_end(activity_id)
            while len(self._entries) > self._capacity:
                self._entries.popitem(last=False)
