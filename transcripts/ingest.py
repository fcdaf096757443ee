"""Keeping transcripts current: the statement feed → evidence → yearly summaries.

Everything here runs inside a `TranscriptSession` (one transaction holding the
transcripts lock), so a batch is applied completely — evidence, summaries and the
advanced cursor — or not at all.

* `sync` follows `lrs.service.statements_after(cursor)` from the durable cursor.  The
  statement listener calls it after every commit; `flask transcripts sync` catches up
  whatever a crash between a commit and its listener left behind.
* PostgreSQL hands out statement sequence numbers before commit, so a later number can
  become visible first: the feed is read with its gaps (`lrs.feed`, through lrs.service).
* `reprocess_identities` runs when identifiers are linked, relinked or unlinked:
  statements waiting for a NIP, and evidence already credited through those
  identifiers, are processed again.
* `remap` applies changed mapping rules or frameworks to stored evidence (facts kept
  with each row, the competency a statement claims among them; no statement is read
  again); `rebuild` recomputes everything from the
  feed and must agree with the incremental path.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from hub.auth import COMPETENCY_CLAIM_SCOPE
from lrs.service import Feed, FeedState, StoredStatement, advance, read_feed
from transcripts.aggregation import summaries_for
from transcripts.announce import SummaryListener, changes_of
from transcripts.evidence import StatementFacts, read_statement
from transcripts.identifiers import nip_account
from transcripts.mapping import (
    ActivityFacts,
    CompetencyClaims,
    Mapped,
    RuleBook,
    trusted_claimants,
)
from transcripts.policy import Policy
from transcripts.storage.contract import (
    EvidenceRecord,
    Person,
    TranscriptSession,
    TranscriptStore,
    UnlinkedStatement,
)

log = logging.getLogger(__name__)

Finder = Callable[[Iterable[str]], Mapping[str, StoredStatement]]

BATCH_SIZE = 500
LISTENER_BATCHES = 2


@dataclass(frozen=True)
class SyncReport:
    statements: int  # read from the feed (gap fills included)
    batches: int
    cursor: int
    open_gaps: int


def _now() -> datetime:
    return datetime.now(UTC)


# --- one batch ------------------------------------------------------------------
def apply_statements(session: TranscriptSession, statements: Sequence[StoredStatement],
                     policy: Policy, now: datetime, rules: RuleBook | None = None,
                     on_change: SummaryListener | None = None) -> int:
    """Apply statements (in feed order) to the evidence; returns how many now count."""
    removed: set[str] = set()
    countable: list[tuple[StoredStatement, StatementFacts]] = []
    for statement in statements:
        if statement.voiding_target:
            removed.add(statement.voiding_target)
        facts = None if statement.voided else _read(statement, policy)
        if isinstance(facts, StatementFacts):
            countable.append((statement, facts))
        else:
            removed.add(statement.id)
    links = _links_for(session, [facts for _, facts in countable], policy, now)
    rules = rules or rule_book(session, claims=any(f.claimed_competency
                                                    for _, f in countable))
    evidence: list[EvidenceRecord] = []
    unlinked: list[UnlinkedStatement] = []
    for statement, facts in countable:
        nip = links.get(facts.actor.key)
        if nip is None:
            unlinked.append(UnlinkedStatement(statement.id, statement.seq, facts.actor.key))
        else:
            evidence.append(evidence_record(statement.seq, facts, nip,
                                            rules.apply(activity_facts(facts),
                                                        policy.minutes_per_jp)))
    pairs = session.delete_evidence(removed | {u.statement_id for u in unlinked}
                                    | {e.statement_id for e in evidence})
    session.delete_unlinked(removed | {e.statement_id for e in evidence})
    session.save_evidence(evidence)
    session.save_unlinked(unlinked)
    refresh_summaries(session, pairs | {(e.nip, e.year) for e in evidence}, policy, now,
                      on_change)
    return len(evidence)


def _read(statement: StoredStatement, policy: Policy) -> StatementFacts | str:
    # One statement the rules cannot read must never stop the feed behind it.
    try:
        return read_statement(statement.document, policy.counted_verbs)
    except Exception:
        log.exception("transcripts: statement %s cannot be read; it does not count",
                      statement.id)
        return "unreadable"


def _links_for(session: TranscriptSession, facts: Sequence[StatementFacts], policy: Policy,
               now: datetime) -> dict[str, str]:
    """identity key → NIP, linking NIP accounts at the configured home pages on sight."""
    keys = {f.actor.key for f in facts}
    if not keys:
        return {}
    links = session.nips_of(keys)
    stubs: dict[str, Person] = {}
    new_links = {}
    for f in facts:
        nip = nip_account(f.actor, policy.nip_home_pages) if f.actor.key not in links else None
        if nip is not None:
            stubs.setdefault(nip, Person(nip=nip, name=f.actor.name or "", employee_type=None,
                                         agency=None, unit=None, source="statement",
                                         updated_at=now))
            new_links[f.actor.key] = f.actor.link(nip, "statement", now)
    if new_links:
        session.insert_missing_people(list(stubs.values()))
        stored = session.link_identities(list(new_links.values()))
        links.update({key: link.nip for key, link in stored.items()})
    return links


def rule_book(session: TranscriptSession, *, claims: bool) -> RuleBook:
    """The rules, and (when some statement claims a competency) the competencies claims
    may name and who may claim, as they are now."""
    if not claims:  # most batches: no claim to resolve, no credentials to read
        return RuleBook(session.mapping_rules())
    claimants = trusted_claimants(session.credential_scopes(), COMPETENCY_CLAIM_SCOPE)
    return RuleBook(session.mapping_rules(),
                    CompetencyClaims.of(session.competencies(), claimants))


def activity_facts(facts: StatementFacts | EvidenceRecord) -> ActivityFacts:
    return ActivityFacts(activity_id=facts.activity_id, activity_type=facts.activity_type,
                         authority=facts.authority, claimed_jp_centi=facts.claimed_jp_centi,
                         duration_seconds=facts.duration_seconds,
                         claimed_competency=facts.claimed_competency)


def evidence_record(seq: int, facts: StatementFacts, nip: str, mapped: Mapped) -> EvidenceRecord:
    return EvidenceRecord(
        statement_id=facts.statement_id, seq=seq, nip=nip, year=facts.year,
        identity_key=facts.actor.key, activity_id=facts.activity_id,
        activity_name=facts.activity_name, activity_type=facts.activity_type, verb=facts.verb,
        timestamp=facts.timestamp, authority=facts.authority, provider=facts.provider,
        platform=facts.platform, score_centi=facts.score_centi,
        claimed_jp_centi=facts.claimed_jp_centi, duration_seconds=facts.duration_seconds,
        competency_id=mapped.competency_id, level=mapped.level, jp_centi=mapped.jp_centi,
        jp_source=mapped.jp_source, claimed_competency=facts.claimed_competency,
        claim_outcome=mapped.claim_outcome,
    )


def refresh_summaries(session: TranscriptSession, pairs: Iterable[tuple[str, int]],
                      policy: Policy, now: datetime,
                      on_change: SummaryListener | None = None) -> None:
    """Recompute the summaries of `pairs`; `on_change` (transcripts.announce) hears of
    those whose totals changed, in this session's transaction."""
    pairs = set(pairs)
    if not pairs:
        return
    summaries = summaries_for(session.evidence_for(pairs), pairs, session.competencies(),
                              count_repeats=policy.count_repeats, now=now)
    replaced = session.save_summaries(pairs, summaries)
    if on_change is not None:
        changes = changes_of(pairs, replaced, summaries, now)
        if changes:
            on_change(changes)


# --- the feed ---------------------------------------------------------------------
def sync(store: TranscriptStore, feed: Feed, policy: Policy, *,
         batch_size: int = BATCH_SIZE, max_batches: int | None = None,
         now: Callable[[], datetime] = _now,
         progress: Callable[[int], None] | None = None,
         on_change: SummaryListener | None = None) -> SyncReport:
    """Process the feed from the durable cursor until it is exhausted (or `max_batches`)."""
    processed = batches = 0
    state = FeedState(cursor=0, gaps={})
    while max_batches is None or batches < max_batches:
        # The feed is read before the session takes the write lock (on SQLite the only
        # one, which statement ingest waits for); read again under the lock only when
        # another processor moved the cursor meanwhile.
        peeked = store.feed_state()
        moment = now()
        filled, gaps, batch = read_feed(feed, peeked, moment, batch_size)
        with store.session() as session:
            state = session.feed_state()
            if state != peeked:
                filled, gaps, batch = read_feed(feed, state, moment, batch_size)
            if filled or batch:
                apply_statements(session, [*filled, *batch], policy, moment,
                                 on_change=on_change)
            state = advance(state.cursor, gaps, batch, moment)
            session.save_feed_state(state)
        processed += len(filled) + len(batch)
        batches += 1
        if progress is not None:
            progress(len(filled) + len(batch))
        if len(batch) < batch_size:
            break
    return SyncReport(statements=processed, batches=batches, cursor=state.cursor,
                      open_gaps=len(state.gaps))


def rebuild(store: TranscriptStore, feed: Feed, policy: Policy, *,
            batch_size: int = BATCH_SIZE, now: Callable[[], datetime] = _now,
            progress: Callable[[int], None] | None = None,
            on_change: SummaryListener | None = None) -> SyncReport:
    """Forget all derived rows and process the whole feed again (`on_change` then hears
    of every summary, from nothing to its recomputed totals)."""
    with store.session() as session:
        session.reset()
    return sync(store, feed, policy, batch_size=batch_size, now=now, progress=progress,
                on_change=on_change)


# --- after registry or rule changes ------------------------------------------------
def reprocess_identities(store: TranscriptStore, find: Finder, keys: Iterable[str],
                         policy: Policy, now: Callable[[], datetime] = _now,
                         batch_size: int = BATCH_SIZE,
                         on_change: SummaryListener | None = None) -> int:
    """Process again what involves `keys`: statements waiting for a NIP and evidence
    already credited through them, a batch per transaction.  Returns how many statements
    were looked at."""
    keys = set(keys)
    if not keys:
        return 0
    with store.session() as session:
        ids = sorted({u.statement_id for u in session.unlinked_for(keys)}
                     | {e.statement_id for e in session.evidence_of_identities(keys)})
    for start in range(0, len(ids), batch_size):
        chunk = ids[start:start + batch_size]
        found = find(chunk)
        missing = set(chunk) - set(found)
        with store.session() as session:
            moment = now()
            if missing:  # not in the LRS any more (cannot happen today): drop what they gave
                pairs = session.delete_evidence(missing)
                session.delete_unlinked(missing)
                refresh_summaries(session, pairs, policy, moment, on_change)
            apply_statements(session, sorted(found.values(), key=lambda s: s.seq), policy,
                             moment, on_change=on_change)
    return len(ids)


def remap(store: TranscriptStore, policy: Policy, *, page_size: int = 2000,
          now: Callable[[], datetime] = _now,
          on_change: SummaryListener | None = None) -> int:
    """Map stored evidence again with the current rules and competencies, and recompute
    every summary, a page per transaction (the lock is never held for long).  Returns how
    many evidence rows changed."""
    changed_count = 0
    after: tuple[str, int, str] | None = None
    while True:
        with store.session() as session:
            page = session.evidence_page(after, page_size)
            if not page:
                return changed_count
            rules = rule_book(session, claims=any(r.claimed_competency for r in page))
            changed = []
            for record in page:
                mapped = rules.apply(activity_facts(record), policy.minutes_per_jp)
                updated = replace(record, competency_id=mapped.competency_id,
                                  level=mapped.level, jp_centi=mapped.jp_centi,
                                  jp_source=mapped.jp_source,
                                  claim_outcome=mapped.claim_outcome)
                if updated != record:
                    changed.append(updated)
            session.save_evidence(changed)
            changed_count += len(changed)
            # A person-year split over two pages is summarised on both; the last wins.
            refresh_summaries(session, {(r.nip, r.year) for r in page}, policy, now(),
                              on_change)
        last = page[-1]
        after = (last.nip, last.year, last.statement_id)
