"""The transcripts processor bound to the running app: the statement listener, and what
`flask transcripts sync [--follow]|rebuild` run.  The feed is
`lrs.service.statements_after`.

For other features (connectors' imports): the hub's NIP rules (`parse_nip`), and how a
statement must look to count — the actor a NIP is recognised by (`nip_actor`), the
verbs that count (`counted_verbs`) and the JP extension (`JP_EXTENSION`)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from lrs import service as lrs_service
from transcripts import ingest
from transcripts.evidence import JP_EXTENSION
from transcripts.nip import InvalidNip, Nip, normalize_nip, parse_nip
from transcripts.policy import current_policy
from transcripts.storage import stores as transcript_stores

__all__ = ["JP_EXTENSION", "InvalidNip", "Nip", "counted_verbs", "follow", "nip_actor",
           "normalize_nip", "on_statements_stored", "parse_nip", "rebuild_now", "sync_now"]

log = logging.getLogger(__name__)


def nip_actor(nip: str) -> dict[str, Any]:
    """The xAPI Agent the registry links to `nip` on sight: an account named by the NIP
    at the first of HUB_TRANSCRIPT_NIP_HOME_PAGES (docs/transcripts.md, Identity)."""
    pages = current_policy().nip_home_pages
    if not pages:
        raise ValueError("HUB_TRANSCRIPT_NIP_HOME_PAGES is empty: no account names a NIP")
    home_page = pages[0]
    return {"objectType": "Agent", "account": {"homePage": home_page, "name": nip}}


def counted_verbs() -> frozenset[str]:
    """The verbs whose statements count for a transcript (HUB_TRANSCRIPT_VERBS)."""
    return current_policy().counted_verbs


def sync_now(*, max_batches: int | None = None,
             progress: Callable[[int], None] | None = None) -> ingest.SyncReport:
    return ingest.sync(transcript_stores().transcripts, lrs_service.statements_after,
                       current_policy(), max_batches=max_batches, progress=progress)


def rebuild_now(progress: Callable[[int], None] | None = None) -> ingest.SyncReport:
    return ingest.rebuild(transcript_stores().transcripts, lrs_service.statements_after,
                          current_policy(), progress=progress)


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
