"""The keys every engine stores documents and activities under: SHA-256 digests of the
canonical scope (and document id) or of the activity id.  IRIs, agent keys and document
ids are unbounded text, longer than a PostgreSQL btree entry may be."""

from __future__ import annotations

import hashlib
import json

from lrs.storage.contract import DocumentScope


def scope_key(scope: DocumentScope) -> str:
    return _digest([scope.kind, scope.activity_id, scope.agent_key, scope.registration])


def document_key(scope: DocumentScope, document_id: str) -> str:
    return _digest([scope.kind, scope.activity_id, scope.agent_key, scope.registration,
                    document_id])


def activity_key(activity_id: str) -> str:
    return hashlib.sha256(activity_id.encode("utf-8")).hexdigest()


def _digest(parts: list[str | None]) -> str:
    canonical = json.dumps(parts, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
