"""Following the statement feed from a durable position, without losing a statement.

Statements get increasing sequence numbers (`seq`); a reader keeps a cursor and reads
`statements_after(cursor)`.  PostgreSQL hands out sequence numbers before commit, so a
later number can become visible first.  A skipped number is remembered as a *gap* and
looked for again on every read for GAP_TTL; after that it is taken to belong to a
rolled-back transaction (which also leaves gaps).  The transcripts follower, the
forwarding connectors and the webhooks read the feed this way, each with its own
`FeedState` kept in its own store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from lrs.storage.contract import StoredStatement

Feed = Callable[[int, int], list[StoredStatement]]  # (after seq, limit) → statements

GAP_TTL = timedelta(minutes=5)
MAX_GAPS = 10_000
MAX_GAP_QUERIES = 20
GAP_SPAN_ONE_READ = 2_000


@dataclass(frozen=True)
class FeedState:
    cursor: int  # every statement with seq <= cursor was processed, except `gaps`
    gaps: Mapping[int, datetime]  # seqs skipped while possibly uncommitted → when noticed


START = FeedState(cursor=0, gaps={})


def _gap_runs(seqs: Iterable[int]) -> list[tuple[int, int]]:
    """Consecutive runs as (first, length)."""
    runs: list[list[int]] = []
    for seq in sorted(seqs):
        if runs and seq == runs[-1][0] + runs[-1][1]:
            runs[-1][1] += 1
        else:
            runs.append([seq, 1])
    return [(first, length) for first, length in runs]


def fill_gaps(feed: Feed, gaps: Mapping[int, datetime], now: datetime
              ) -> tuple[list[StoredStatement], dict[int, datetime]]:
    """Statements that have appeared in the gaps, and the gaps still open.  At most
    MAX_GAP_QUERIES feed reads per call: one when the gaps are close together, else one
    per run of consecutive gaps, the newest runs first (older ones expire anyway)."""
    found: list[StoredStatement] = []
    open_gaps = dict(gaps)
    low, high = min(gaps), max(gaps)
    if high - low < GAP_SPAN_ONE_READ:
        reads = [(low, high - low + 1)]
    else:
        reads = _gap_runs(gaps)[-MAX_GAP_QUERIES:]
    for first, length in reads:
        for statement in feed(first - 1, length):
            if statement.seq in open_gaps:
                found.append(statement)
                del open_gaps[statement.seq]
    open_gaps = {seq: when for seq, when in open_gaps.items() if now - when < GAP_TTL}
    return found, open_gaps


def advance(cursor: int, gaps: Mapping[int, datetime], batch: Sequence[StoredStatement],
            now: datetime) -> FeedState:
    """The feed state after `batch`: the cursor at its last statement, every skipped
    sequence number remembered as a gap (the newest MAX_GAPS of them)."""
    gaps = dict(gaps)
    expected = cursor + 1
    for statement in batch:
        for missing in range(expected, min(statement.seq, expected + MAX_GAPS)):
            gaps[missing] = now
        expected = statement.seq + 1
    if len(gaps) > MAX_GAPS:
        gaps = dict(sorted(gaps.items())[-MAX_GAPS:])
    return FeedState(cursor=batch[-1].seq if batch else cursor, gaps=gaps)


def read_feed(feed: Feed, state: FeedState, moment: datetime, batch_size: int
              ) -> tuple[list[StoredStatement], dict[int, datetime], list[StoredStatement]]:
    """(statements found in gaps, gaps still open, the next batch after the cursor)."""
    filled, gaps = fill_gaps(feed, state.gaps, moment) if state.gaps else ([], {})
    return filled, gaps, feed(state.cursor, batch_size)
