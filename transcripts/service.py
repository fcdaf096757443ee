"""The transcripts processor bound to the running app: the statement listener, and what
`flask transcripts sync|rebuild` run.  The feed is `lrs.service.statements_after`."""

from __future__ import annotations

import logging
from collections.abc import Callable

from hub.storage import current_storage
from lrs import service as lrs_service
from transcripts import ingest
from transcripts.policy import current_policy

log = logging.getLogger(__name__)


def sync_now(*, max_batches: int | None = None,
             progress: Callable[[int], None] | None = None) -> ingest.SyncReport:
    return ingest.sync(current_storage().transcripts, lrs_service.statements_after,
                       current_policy(), max_batches=max_batches, progress=progress)


def rebuild_now(progress: Callable[[int], None] | None = None) -> ingest.SyncReport:
    return ingest.rebuild(current_storage().transcripts, lrs_service.statements_after,
                          current_policy(), progress=progress)


def on_statements_stored(statement_ids: list[str]) -> None:
    """Statement listener (lrs.listeners): runs after each commit of new statements.
    It only nudges the feed — the durable cursor, not these ids, decides what is
    processed — and does a bounded amount of work so ingest stays fast; a backlog is
    left to the next call or to `flask transcripts sync`."""
    report = sync_now(max_batches=ingest.LISTENER_BATCHES)
    log.debug("transcripts: %d statements processed after %d new (cursor %d)",
              report.statements, len(statement_ids), report.cursor)
