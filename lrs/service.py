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

from hub.storage import current_storage
from hub.storage.contract import Credential
from lrs.agents import PersonResolver, set_person_resolver
from lrs.feed import Feed, FeedState, advance, read_feed
from lrs.identifiers import agent_key
from lrs.listeners import add_statements_listener, notify_stored
from lrs.statements import ops
from lrs.storage import stores as lrs_stores
from lrs.storage.contract import Attachment, StoredStatement

# StoredStatement: the record other features read statements as (lrs.storage.contract).
__all__ = ["Attachment", "Feed", "FeedState", "PersonResolver", "StoredStatement",
           "add_statements_listener", "advance", "agent_key", "find_statements",
           "get_attachments", "newest_seq", "read_feed", "record_statements",
           "set_person_resolver", "statements_after"]


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
