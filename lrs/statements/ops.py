"""Statement operations: the xAPI rules between the HTTP inputs and the store."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from hub.auth import VOID_ANY_SCOPE, effective_scopes
from hub.errors import BadRequest, Conflict, Forbidden, HubError, NotFound
from hub.storage.contract import Credential, Storage
from lrs.identifiers import agent_key
from lrs.statements.attachments import check_attachments
from lrs.statements.records import build_record, comparison_digest, complete_statement
from lrs.statements.signatures import verify_signatures
from lrs.statements.storing import save_statements
from lrs.storage import stores as lrs_stores
from lrs.storage.contract import (
    Attachment,
    StatementConflict,
    StatementPage,
    StatementQuery,
    StatementRecord,
    StatementStore,
    StoredStatement,
)

# How far behind "now" the hub promises completeness (X-Experience-API-Consistent-Through):
# a PostgreSQL writer may commit a statement whose `stored` was taken a moment earlier.
CONSISTENCY_MARGIN = timedelta(seconds=1)
# The hub's own rule (issue 13.1), named in the 403 so a partner can look it up.
VOID_OWN_RULE = "hub: a credential voids only statements stored under its own authority " \
    "(docs/security.md, Voiding)"


@dataclass(frozen=True)
class Submission:
    statements: list[Any]
    version: str
    attachments: dict[str, Attachment]  # by sha2, from multipart/mixed parts
    statement_id: str | None = None  # PUT ?statementId=


def store_statements(
    storage: Storage, validator, submission: Submission, credential: Credential,
    on_stored: Callable[[list[dict[str, Any]]], None] | None = None,
) -> list[str]:
    """Validate all, then store all or nothing; returns every id in request order.
    `on_stored` is handed the statements that were new (as stored), after commit."""
    received = submission.statements
    for position, statement in enumerate(received):
        try:
            validator.validate_statement(statement, submission.version)
        except BadRequest as error:
            raise (error.at(f"/{position}") if len(received) > 1 else error) from None
    if submission.statement_id is not None:
        _match_put_id(received[0], submission.statement_id)
    _reject_duplicate_ids(received)
    used_hashes = check_attachments(received, submission.attachments)
    verify_signatures(received, submission.attachments)

    now = datetime.now(UTC)
    # `stored` is served with millisecond precision; keep the column equal to what
    # clients see so that since/until with a served value are exact.
    stored = now.replace(microsecond=now.microsecond // 1000 * 1000)
    held = effective_scopes(credential.scopes)
    can_define = "define" in held
    voids_any = VOID_ANY_SCOPE in held
    records = []
    for statement in received:
        full = complete_statement(statement, version=submission.version, stored=stored,
                                  authority=credential.authority)
        hashes = tuple(a["sha2"] for a in full.get("attachments") or () if a["sha2"] in used_hashes)
        records.append(build_record(full, received=statement, stored=stored,
                                    attachment_hashes=hashes, learn_definitions=can_define,
                                    voids_any_authority=voids_any))
    _check_voiding(lrs_stores(storage).statements, records, voids_any=voids_any)
    try:
        fresh = save_statements(storage, records,
                                [submission.attachments[h] for h in used_hashes])
    except StatementConflict as conflict:
        raise Conflict(f"statement {conflict.statement_id} is already stored with "
                       "different content", rule="xAPI 1.0.3 Communication 2.1.2.s2.b5") from None
    if fresh and on_stored is not None:
        new = set(fresh)
        on_stored([r.document for r in records if r.id in new])
    return [r.id for r in records]


@dataclass(frozen=True)
class StoreReport:
    """What `store_each` did with each statement it was handed (ids in the order given)."""

    stored: list[str]  # newly stored
    present: list[str]  # already stored with the same content: a no-op
    conflicts: list[str]  # already stored with other content: left as it was
    refused: list[tuple[int, HubError]]  # position in the batch, and why


# How often a batch is compared and saved again when a concurrent writer stores one of its
# ids with other content in between (the comparison then sees that conflict).
_CONFLICT_RETRIES = 3


def store_each(
    storage: Storage, validator, statements: Sequence[dict[str, Any]], version: str,
    credential: Credential, *, dry_run: bool = False,
    on_stored: Callable[[list[dict[str, Any]]], None] | None = None,
) -> StoreReport:
    """Store statements one by one on their own merits, as a batch in one unit of work:
    each is validated like a partner's POST, and one that fails is refused alone instead
    of refusing the batch.  An id already stored with the same content changes nothing
    (xAPI 1.0.3 Communication 2.1.2.s2.b4); with other content it is a conflict, reported
    and never overwritten (2.1.2.s2.b5).  `dry_run`: everything but the storing."""
    refused: list[tuple[int, HubError]] = []
    accepted: list[tuple[int, dict[str, Any]]] = []
    seen: set[str] = set()
    unchanged = _stored_unchanged(lrs_stores(storage).statements, statements)
    for position, statement in enumerate(statements):
        try:
            statement_id = str(statement.get("id", "")).lower()
            if statement_id in seen:
                raise BadRequest(f"statement id {statement_id} appears twice in the batch",
                                 pointer="/id", rule="xAPI 1.0.3 Communication 2.1.2.s2.b6")
            if position not in unchanged:
                validator.validate_statement(statement, version)
                check_attachments([statement], {})  # no attachment parts come with these
                verify_signatures([statement], {})
        except BadRequest as error:
            refused.append((position, error))
            continue
        if statement_id:
            seen.add(statement_id)
        if position not in unchanged:
            accepted.append((position, statement))
    records = _records_for([s for _, s in accepted], version, credential)
    kept = []
    for (position, _), record in zip(accepted, records, strict=True):
        try:
            if record.voiding_target:
                _check_voiding(lrs_stores(storage).statements, [record],
                               voids_any=VOID_ANY_SCOPE in effective_scopes(credential.scopes))
        except HubError as error:
            refused.append((position, error))
            continue
        kept.append(record)
    refused.sort(key=lambda entry: entry[0])
    for _ in range(_CONFLICT_RETRIES):
        known = lrs_stores(storage).statements.comparison_digests([r.id for r in kept])
        conflicts = [r.id for r in kept if r.id in known and known[r.id] != r.comparison_digest]
        candidates = [r for r in kept if r.id not in set(conflicts)]
        if dry_run:
            fresh = [r.id for r in candidates if r.id not in known]
            break
        try:
            fresh = save_statements(storage, candidates) if candidates else []
            break
        except StatementConflict:  # stored meanwhile by another writer: compare again
            continue
    else:
        raise Conflict("statements kept being stored with other content while this batch "
                       "was stored; try again", rule="xAPI 1.0.3 Communication 2.1.2.s2.b5")
    new = set(fresh)
    if new and on_stored is not None:
        on_stored([r.document for r in candidates if r.id in new])
    kept_ids = {r.id for r in candidates}
    present = {position: r.id for (position, _), r in zip(accepted, records, strict=True)
               if r.id in kept_ids and r.id not in new}
    present.update(unchanged)
    return StoreReport(stored=[r.id for r in candidates if r.id in new],
                       present=[present[p] for p in sorted(present)],
                       conflicts=conflicts, refused=refused)


def _stored_unchanged(store: StatementStore, statements: Sequence[dict[str, Any]],
                      ) -> dict[int, str]:
    """Position → id of the statements already stored with the same content: storing them
    is a no-op (xAPI 1.0.3 Communication 2.1.2.s2.b4), and they were valid when stored, so
    they are neither validated nor prepared again (a re-import is mostly these)."""
    digests: dict[int, tuple[str, str]] = {}
    for position, statement in enumerate(statements):
        statement_id = statement.get("id") if isinstance(statement, dict) else None
        if not isinstance(statement_id, str):
            continue
        try:
            digests[position] = (statement_id.lower(), comparison_digest(statement))
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError):
            continue  # malformed: validation will say how
    known = store.comparison_digests({i for i, _ in digests.values()}) if digests else {}
    return {position: i for position, (i, digest) in digests.items() if known.get(i) == digest}


def _records_for(statements: list[dict[str, Any]], version: str, credential: Credential,
                 ) -> list[StatementRecord]:
    now = datetime.now(UTC)
    stored = now.replace(microsecond=now.microsecond // 1000 * 1000)  # as served: ms
    held = effective_scopes(credential.scopes)
    return [build_record(complete_statement(s, version=version, stored=stored,
                                            authority=credential.authority),
                         received=s, stored=stored, attachment_hashes=(),
                         learn_definitions="define" in held,
                         voids_any_authority=VOID_ANY_SCOPE in held)
            for s in statements]


def _match_put_id(statement: Any, statement_id: str) -> None:
    if isinstance(statement, dict) and "id" in statement \
            and statement["id"].lower() != statement_id.lower():
        raise BadRequest("the statement id differs from the statementId parameter",
                         pointer="/id", rule="xAPI 1.0.3 Communication 2.1.1.s3.b3")
    statement.setdefault("id", statement_id.lower())


def _reject_duplicate_ids(statements: Sequence[dict[str, Any]]) -> None:
    seen: set[str] = set()
    for position, statement in enumerate(statements):
        statement_id = str(statement.get("id", "")).lower()
        if statement_id and statement_id in seen:
            raise BadRequest(f"statement id {statement_id} appears twice in the batch",
                             pointer=f"/{position}/id", rule="xAPI 1.0.3 Communication 2.1.2.s2.b6")
        seen.add(statement_id)


def _check_voiding(store: StatementStore, records, *, voids_any: bool) -> None:
    """xAPI 1.0.3 Data 2.3.2: a voiding statement's target cannot be a voiding statement;
    and a partner voids only statements its own authority stored (docs/security.md)."""
    targets = {r.voiding_target: position for position, r in enumerate(records) if r.voiding_target}
    if not targets:
        return
    in_batch = {r.id: r for r in records}
    known = store.find_statements(t for t in targets if t not in in_batch)
    for target, position in targets.items():
        pointer = f"/{position}/object/id" if len(records) > 1 else "/object/id"
        found = in_batch.get(target) or known.get(target)
        if found is not None and found.voiding_target:
            raise BadRequest("a voiding statement cannot void another voiding statement",
                             pointer=pointer, rule="xAPI 1.0.3 Data 2.3.2")
        owner = (agent_key(known[target].document["authority"]) or "") if target in known else None
        if owner is not None and not voids_any and owner != records[position].authority_key:
            raise Forbidden(f"statement {target} was stored under another authority; a "
                            "credential voids only statements stored under its own authority",
                            pointer=pointer, rule=VOID_OWN_RULE)


# --- reads -------------------------------------------------------------------
def readable_authority(credential: Credential) -> str | None:
    """None: every statement; a key: only statements this authority stored."""
    scopes = effective_scopes(credential.scopes)
    if "statements/read" in scopes:
        return None
    if "statements/read/mine" in scopes:
        return agent_key(credential.authority)
    raise Forbidden("this credential cannot read statements (statements/read, "
                    "statements/read/mine, all/read or all)")


def get_statement(store: StatementStore, statement_id: str, *, voided: bool,
                  credential: Credential) -> StoredStatement:
    """xAPI Communication 2.1.4: voided statements only by voidedStatementId."""
    authority = readable_authority(credential)
    found = store.find_statements([statement_id.lower()]).get(statement_id.lower())
    if found is None or found.voided != voided:
        raise NotFound(f"no {'voided ' if voided else ''}statement with id {statement_id}")
    if authority is not None and agent_key(found.document["authority"]) != authority:
        raise NotFound(f"no statement with id {statement_id}")
    return found


def query_statements(store: StatementStore, query: StatementQuery) -> StatementPage:
    return store.query_statements(query)


def consistent_through() -> datetime:
    return datetime.now(UTC) - CONSISTENCY_MARGIN
