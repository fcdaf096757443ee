"""Mapping rules: which competency, level and JP an activity earns.

Precedence (docs/transcripts.md, "Mapping rules"), most specific first:

competency and level — the first rule naming a competency, in this order:
    1. a rule for the activity id
    2. a rule for an id prefix (the longest matching prefix)
    3. the competency extension carried by the statement
       (https://berpijar.id/xapi/extensions/competency), when its authority may claim
       competencies (scope competency/claim) and it names one known competency
    4. a rule for the activity type (object.definition.type)
    5. a rule for the partner (the statement's authority)

JP — the first source that gives a number, in this order:
    1. the activity id rule, 2. the prefix rule,
    3. the JP extension carried by the statement (https://berpijar.id/xapi/extensions/jp),
    4. the activity type rule, 5. the partner rule,
    6. result.duration ÷ minutes per JP (HUB_MINUTES_PER_JP), rounded down to 0.01 JP,
    7. none: the activity is listed with 0 JP.

Rules that name the activity (id, prefix) are the hub's curated decision about it; the
statement's own claim beats only the defaults for whole activity types or partners.
What became of a competency claim is kept with the evidence (`claim_outcome`), so a
claim that does not count is visible instead of silently lost.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lrs.service import agent_key
from transcripts.storage.contract import Competency, MappingRule

# What became of a statement's competency claim (EvidenceRecord.claim_outcome)
CLAIM_COUNTED = "counted"  # it gave the competency
CLAIM_RULE = "rule"  # an activity or prefix rule names a competency: the rule decides
CLAIM_UNKNOWN = "unknown"  # no competency has that id, URI or code
CLAIM_AMBIGUOUS = "ambiguous"  # several competencies (of several frameworks) have that code
CLAIM_UNTRUSTED = "untrusted"  # the statement's authority may not claim competencies
CLAIMS_NOT_COUNTED = (CLAIM_UNKNOWN, CLAIM_AMBIGUOUS, CLAIM_UNTRUSTED)


@dataclass(frozen=True)
class Mapped:
    competency_id: str | None
    level: int | None
    jp_centi: int
    jp_source: str
    claim_outcome: str | None = None  # None: the statement claimed no competency


@dataclass(frozen=True)
class ActivityFacts:
    """What a rule may look at (also kept with each evidence row, to map it again)."""

    activity_id: str
    activity_type: str | None
    authority: str | None
    claimed_jp_centi: int | None
    duration_seconds: int | None
    claimed_competency: str | None = None


@dataclass(frozen=True)
class CompetencyClaims:
    """What a competency extension may name — a competency id, its CASE URI, or its code
    when no other competency has the same code — and whose claims are believed."""

    names: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # → competency ids
    claimants: frozenset[str] = frozenset()  # authority agent keys

    @classmethod
    def of(cls, competencies: Mapping[str, Competency], claimants: frozenset[str]
           ) -> CompetencyClaims:
        by_code: dict[str, list[str]] = {}
        for competency in competencies.values():
            by_code.setdefault(competency.code, []).append(competency.id)
        names: dict[str, tuple[str, ...]] = {c: tuple(sorted(i)) for c, i in by_code.items()}
        # A URI or an id names one competency, whatever codes say
        names.update({c.uri: (c.id,) for c in competencies.values() if c.uri})
        names.update({i: (i,) for i in competencies})
        return cls(names, claimants)

    def resolve(self, claim: str, authority: str | None) -> tuple[str | None, str]:
        """(competency id or None, outcome) for a claim made by `authority`."""
        if authority not in self.claimants:
            return None, CLAIM_UNTRUSTED
        found = self.names.get(claim, ())
        if len(found) == 1:
            return found[0], CLAIM_COUNTED
        return None, CLAIM_AMBIGUOUS if found else CLAIM_UNKNOWN


def trusted_claimants(credentials: Iterable[tuple[Any, frozenset[str]]], scope: str
                      ) -> frozenset[str]:
    """The authorities (agent keys) every credential of which holds `scope`: a credential
    without it cannot borrow the trust by sharing another's authority."""
    holds: dict[str, bool] = {}
    for authority, scopes in credentials:
        key = agent_key(authority) if isinstance(authority, dict) else None
        if key is not None:
            holds[key] = holds.get(key, True) and scope in scopes
    return frozenset(key for key, held in holds.items() if held)


class RuleBook:
    """Rules indexed for lookup: dictionaries plus a sorted list for prefixes."""

    def __init__(self, rules: Iterable[MappingRule],
                 claims: CompetencyClaims | None = None) -> None:
        self.claims = claims or CompetencyClaims()
        self.by_activity: dict[str, MappingRule] = {}
        self.by_type: dict[str, MappingRule] = {}
        self.by_partner: dict[str, MappingRule] = {}
        prefixes: dict[str, MappingRule] = {}
        for rule in rules:
            target = {"activity": self.by_activity, "prefix": prefixes,
                      "activity_type": self.by_type, "partner": self.by_partner}[rule.kind]
            target[rule.pattern] = rule
        self._prefix_rules = prefixes
        # Longest first: a lookup tries one dictionary probe per distinct prefix length.
        self._prefix_lengths = sorted({len(p) for p in prefixes}, reverse=True)

    def longest_prefix(self, activity_id: str) -> MappingRule | None:
        for length in self._prefix_lengths:
            if length <= len(activity_id):
                rule = self._prefix_rules.get(activity_id[:length])
                if rule is not None:
                    return rule
        return None

    def apply(self, facts: ActivityFacts, minutes_per_jp: int) -> Mapped:
        by_id = self.by_activity.get(facts.activity_id)
        by_prefix = self.longest_prefix(facts.activity_id)
        by_type = self.by_type.get(facts.activity_type) if facts.activity_type else None
        by_partner = self.by_partner.get(facts.authority) if facts.authority else None
        named = _naming_a_competency(by_id, by_prefix)  # the activity's own rules
        claimed, outcome = self._claim(facts, named)
        competency_rule = named if named or claimed else _naming_a_competency(by_type,
                                                                              by_partner)
        jp_sources = (
            ("activity", by_id.jp_centi if by_id else None),
            ("prefix", by_prefix.jp_centi if by_prefix else None),
            ("extension", facts.claimed_jp_centi),
            ("activity_type", by_type.jp_centi if by_type else None),
            ("partner", by_partner.jp_centi if by_partner else None),
            ("duration", duration_jp_centi(facts.duration_seconds, minutes_per_jp)),
        )
        source, jp = next(((s, v) for s, v in jp_sources if v is not None), ("none", 0))
        return Mapped(
            competency_id=competency_rule.competency_id if competency_rule else claimed,
            level=competency_rule.level if competency_rule else None,
            jp_centi=jp,
            jp_source=source,
            claim_outcome=outcome,
        )

    def _claim(self, facts: ActivityFacts, named: MappingRule | None
               ) -> tuple[str | None, str | None]:
        """The claimed competency when it counts (None otherwise), and the claim's outcome."""
        if facts.claimed_competency is None:
            return None, None
        competency, outcome = self.claims.resolve(facts.claimed_competency, facts.authority)
        if competency is None:
            return None, outcome
        if named is not None:
            return None, CLAIM_RULE
        return competency, CLAIM_COUNTED


def _naming_a_competency(*rules: MappingRule | None) -> MappingRule | None:
    return next((r for r in rules if r is not None and r.competency_id is not None), None)


def duration_jp_centi(seconds: int | None, minutes_per_jp: int) -> int | None:
    if seconds is None or seconds <= 0:
        return None
    return seconds * 100 // (60 * minutes_per_jp)


class RuleError(ValueError):
    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def check_rule(rule: MappingRule, competencies: Mapping[str, Competency]) -> None:
    """A rule must name something to match and give a competency or JP (or both); its
    level must be one the competency defines."""
    if not rule.pattern.strip():
        raise RuleError("the pattern must not be empty", "pattern")
    if rule.competency_id is None and rule.jp_centi is None:
        raise RuleError("a rule gives a competency, JP, or both", "competency")
    if rule.jp_centi is not None and not 0 <= rule.jp_centi <= 100_000:
        raise RuleError("jp must be between 0 and 1000", "jp")
    if rule.level is not None and rule.competency_id is None:
        raise RuleError("a level needs a competency", "level")
    if rule.competency_id is not None:
        competency = competencies.get(rule.competency_id)
        if competency is None:
            raise RuleError(f"unknown competency {rule.competency_id!r}", "competency")
        levels = {level.level for level in competency.levels}
        if rule.level is not None and levels and rule.level not in levels:
            raise RuleError(f"competency {competency.code} has levels "
                            f"{', '.join(map(str, sorted(levels)))}, not {rule.level}", "level")
