"""The transcripts processor bound to the running app: the statement listener, and what
`flask transcripts sync [--follow]|rebuild` run.  The feed is
`lrs.service.statements_after`.

For other features (through this module only): `add_transcript_listener(app, listener)`
registers a listener told of every change of a person's yearly totals
(`TranscriptChange`: NIP, year, JP per competency type before and after, the JP the
person must reach), inside the transaction that saves them (transcripts.announce)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from lrs import service as lrs_service
from transcripts import ingest
from transcripts.announce import (
    TranscriptChange,
    TranscriptListener,
    YearTotals,
    add_transcript_listener,
    announcer,
)
from transcripts.policy import current_policy
from transcripts.storage import stores as transcript_stores

log = logging.getLogger(__name__)

__all__ = ["TranscriptChange", "TranscriptListener", "YearTotals", "add_transcript_listener",
           "follow", "on_statements_stored", "rebuild_now", "sync_now"]


def sync_now(*, max_batches: int | None = None,
             progress: Callable[[int], None] | None = None) -> ingest.SyncReport:
    return ingest.sync(transcript_stores().transcripts, lrs_service.statements_after,
                       current_policy(), max_batches=max_batches, progress=progress,
                       on_change=announcer())


def rebuild_now(progress: Callable[[int], None] | None = None) -> ingest.SyncReport:
    return ingest.rebuild(transcript_stores().transcripts, lrs_service.statements_after,
                          current_policy(), progress=progress, on_change=announcer())


def on_statements_stored(statements: list[dict[str, Any]]) -> None:
    """Statement listener (lrs.listeners): runs after each commit of new statements.
    It only nudges the feed — the durable cursor, not these ids, decides what is
    processed — and does a bounded amount of work so ingest stays fast; a backlog is
    left to the next call or to `flask transcripts sync`."""
    report = sync_now(max_batches=ingest.LISTENER_BATCHES)
    log.debug("transcripts: %d statements processed after %d new (cursor %d)",
              report.statements, len(statements), report.cursor)


def follow(stopped: Callable[[], bool], wait: Callable[[float], object], *,
           interval: float = 1.0, pause: float = 0.05) -> None:
    """The follower of HUB_TRANSCRIPTS_SYNC=follower: process the feed until `stopped()`.

    One batch at a time: on SQLite each batch holds the only write lock, and a follower
    that took it again at once starved the ingest requests.  While statements keep
    arriving it waits twice as long as its last batch took (ingest keeps two thirds of
    the time), else `pause` between batches and `interval` when the feed is empty.
    """
    log.info("transcripts follower started (every %.2f s when idle)", interval)
    while not stopped():
        try:
            newest_before, began = lrs_service.newest_seq(), time.monotonic()
            report = sync_now(max_batches=1)
            took = time.monotonic() - began
            ingesting = lrs_service.newest_seq() > newest_before
        except Exception:  # the database may be restarting: try again, never die
            log.exception("transcripts follower: sync failed; retrying")
            wait(max(interval, 5.0))
            continue
        if not report.statements:
            wait(interval)
            continue
        log.debug("transcripts follower: %d statements, cursor %d", report.statements,
                  report.cursor)
        wait(max(pause, 2 * took) if ingesting else pause)
    log.info("transcripts follower stopped")
