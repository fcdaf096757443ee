"""The transcripts processor bound to the running app: the statement listener, and what
`flask transcripts sync|rebuild` run, and the worker's follower loop.  The feed is
`lrs.service.statements_after`.

For other features (through this module only): `add_transcript_listener(app, listener)`
registers a listener told of every change of a person's yearly totals
(`TranscriptChange`: NIP, year, JP per competency type before and after, the JP the
person must reach), inside the transaction that saves them (transcripts.announce); and
for connectors' imports, the hub's NIP rules (`parse_nip`) and how a statement must look
to count — the actor a NIP is recognised by (`nip_actor`), the verbs that count
(`counted_verbs`), the JP extension (`JP_EXTENSION`) and the competency extension
(`COMPETENCY_EXTENSION`) with whether it is believed from an authority
(`competency_claims_believed`: its credentials hold scope `competency/claim`)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from hub.auth import COMPETENCY_CLAIM_SCOPE
from hub.loops import Lag, Lease, Loop
from hub.storage import current_storage
from lrs import service as lrs_service
from lrs.service import agent_key
from transcripts import ingest
from transcripts.announce import (
    TranscriptChange,
    TranscriptListener,
    YearTotals,
    add_transcript_listener,
    announcer,
)
from transcripts.evidence import COMPETENCY_EXTENSION, JP_EXTENSION
from transcripts.mapping import trusted_claimants
from transcripts.nip import InvalidNip, Nip, normalize_nip, parse_nip
from transcripts.policy import current_policy
from transcripts.storage import stores as transcript_stores

log = logging.getLogger(__name__)

__all__ = ["COMPETENCY_EXTENSION", "JP_EXTENSION", "InvalidNip", "Nip", "TranscriptChange",
           "TranscriptListener", "YearTotals", "add_transcript_listener",
           "competency_claims_believed", "counted_verbs", "feed_lag", "follower_loop",
           "nip_actor", "nip_actors", "normalize_nip", "on_statements_stored", "parse_nip",
           "rebuild_now", "sync_now"]


def nip_actor(nip: str) -> dict[str, Any]:
    """The xAPI Agent the registry links to `nip` on sight: an account named by the NIP
    at the first of HUB_TRANSCRIPT_NIP_HOME_PAGES (docs/transcripts.md, Identity)."""
    return nip_actors()(nip)


def nip_actors() -> Callable[[str], dict[str, Any]]:
    """`nip_actor` with the settings read once, for many NIPs (an import's rows)."""
    pages = current_policy().nip_home_pages
    if not pages:
        raise ValueError("HUB_TRANSCRIPT_NIP_HOME_PAGES is empty: no account names a NIP")
    home_page = pages[0]
    return lambda nip: {"objectType": "Agent", "account": {"homePage": home_page, "name": nip}}


def competency_claims_believed(authority: dict[str, Any]) -> bool:
    """Whether transcripts believe the competency extension of statements stored under
    `authority` (a credential's): every credential with it holds scope competency/claim."""
    credentials = current_storage().credentials.list_credentials()
    believed = trusted_claimants(((c.authority, c.scopes) for c in credentials),
                                 COMPETENCY_CLAIM_SCOPE)
    return agent_key(authority) in believed


def counted_verbs() -> frozenset[str]:
    """The verbs whose statements count for a transcript (HUB_TRANSCRIPT_VERBS)."""
    return current_policy().counted_verbs


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


def follower_loop() -> Loop:
    """The transcripts follower as a loop of the hub's worker (`flask --app wsgi worker`).

    One batch per step: on SQLite each batch holds the only write lock, and a follower
    that took it again at once starved the ingest requests.  While statements keep
    arriving it waits twice as long as its last batch took (ingest keeps two thirds of
    the time).  Two followers are harmless (a batch runs under the transcripts lock), so
    the step needs no lease check.
    """
    def step(unit: str, lease: Lease) -> int:
        newest_before = lrs_service.newest_seq()
        report = sync_now(max_batches=1)
        ingesting[0] = lrs_service.newest_seq() > newest_before
        return report.statements

    ingesting = [False]
    return Loop(name="transcripts", step=step, lag=lambda unit: feed_lag(),
                pace=lambda done, took: max(PAUSE, 2 * took) if ingesting[0] else PAUSE)


PAUSE = 0.05  # between two batches of a backlog nobody adds to


def feed_lag() -> Lag:
    """Statements after the cursor (open gaps not counted) and the age of the oldest."""
    cursor = transcript_stores().transcripts.feed_state().cursor
    waiting = lrs_service.statements_after(cursor, 1)
    if not waiting:
        return Lag(0, None)
    behind = lrs_service.newest_seq() - cursor
    return Lag(behind, (datetime.now(UTC) - waiting[0].stored).total_seconds())
