"""The LRS as other packages use it (`lti`, `transcripts`, `connectors`): record and
read learning through these functions, never through the tables or over HTTP.

Listeners (`add_statements_listener`) are handed, after commit, the statements that
were newly stored.  They run in the storing request and must be quick and idempotent;
anything that must not be missed reads `statements_after(cursor)` from its own durable
cursor instead of trusting a listener (a process can die between a commit and its
listeners).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from flask import current_app

from hub.auth import effective_scopes
from hub.storage import current_storage
from hub.storage.contract import Credential
from lrs.agents import PersonResolver, set_person_resolver
from lrs.feed import Feed, FeedState, advance, read_feed
from lrs.identifiers import agent_key
from lrs.listeners import add_statements_listener, notify_stored
from lrs.statements import ops
from lrs.statements.ops import StoreReport
from lrs.storage import stores as lrs_stores
from lrs.storage.contract import Attachment, StoredStatement

# StoredStatement: the record other features read statements as (lrs.storage.contract).
__all__ = ["Attachment", "CredentialRefused", "Feed", "FeedState", "PersonResolver",
           "StoreReport", "StoredStatement", "add_statements_listener", "advance", "agent_key",
           "find_statements", "get_attachments", "newest_seq", "read_feed",
           "record_statements", "set_person_resolver", "statements_after", "store_as",
           "writing_credential"]


def record_statements(statements: Sequence[dict[str, Any]], *, authority: dict[str, Any],
                      source: str, version: str = "1.0.3") -> list[str]:
    """Store statements on behalf of a hub component (an LTI launch, a partner score).

    They are validated like any partner's, attributed to `authority`, and may teach
    activity definitions (the hub's own components hold the `define` scope).
    """
    credential = Credential(key=f"hub:{source}", secret_digest="", name=source, owner="hub",
                            authority=authority, scopes=frozenset({"all"}),
                            created_at=datetime.now(UTC))
    submission = ops.Submission(statements=[dict(s) for s in statements], version=version,
                                attachments={})
    return ops.store_statements(current_storage(),
                                current_app.extensions["lrs.validator"], submission, credential,
                                on_stored=notify_stored)


class CredentialRefused(ValueError):
    """The credential named to store statements under is unknown, revoked or cannot write."""


def writing_credential(key: str) -> Credential:
    """The partner credential `key`, when it may store statements (`statements/write`)."""
    credential = current_storage().credentials.find_credential(key)
    if credential is None or credential.is_revoked:
        raise CredentialRefused(f"no credential {key!r} (or it is revoked)")
    if "statements/write" not in effective_scopes(credential.scopes):
        raise CredentialRefused(f"credential {key!r} cannot store statements "
                                "(it needs statements/write or all)")
    return credential


def store_as(credential_key: str, statements: Sequence[dict[str, Any]],
             version: str = "1.0.3", *, dry_run: bool = False) -> StoreReport:
    """Store statements as the partner credential `credential_key` would by POSTing them
    (its authority, its `define` scope), each on its own merits: an invalid one is
    refused alone, an id stored with the same content is a no-op, with other content a
    conflict that is reported and never overwritten.  Listeners hear of the new ones.
    Raises CredentialRefused when the credential may not store statements."""
    credential = writing_credential(credential_key)
    return ops.store_each(current_storage(), current_app.extensions["lrs.validator"],
                          [dict(s) for s in statements], version, credential,
                          dry_run=dry_run, on_stored=notify_stored)


def statements_after(seq: int, limit: int = 500) -> list[StoredStatement]:
    return lrs_stores().statements.statements_after(seq, limit)


def find_statements(ids: Iterable[str]) -> dict[str, StoredStatement]:
    return lrs_stores().statements.find_statements(ids)


def get_attachments(hashes: Iterable[str]) -> dict[str, Attachment]:
    """Stored attachment contents by SHA-256 (a statement's `attachment_hashes`)."""
    return lrs_stores().statements.get_attachments(hashes)


def newest_seq() -> int:
    """The feed position of the newest statement (0 for an empty store)."""
    return lrs_stores().statements.max_statement_seq() or 0
