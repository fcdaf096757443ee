"""Mapping rules and their precedence (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from transcripts.mapping import (
    CLAIM_AMBIGUOUS,
    CLAIM_COUNTED,
    CLAIM_RULE,
    CLAIM_UNKNOWN,
    CLAIM_UNTRUSTED,
    ActivityFacts,
    CompetencyClaims,
    RuleBook,
    RuleError,
    check_rule,
    trusted_claimants,
)
from transcripts.storage.contract import Competency, CompetencyLevel, MappingRule

NOW = datetime(2026, 1, 1, tzinfo=UTC)
ACTIVITY = "https://akademi.example.id/kelas/integritas-asn/modul-3"
TYPE = "http://adlnet.gov/expapi/activities/course"
PARTNER = "agent:account:http://hub.test/partners k1"


def rule(kind: str, pattern: str, competency: str | None = None, level: int | None = None,
         jp: int | None = None) -> MappingRule:
    return MappingRule(kind=kind, pattern=pattern, competency_id=competency, level=level,
                       jp_centi=jp, created_at=NOW)


def facts(claimed: int | None = None, duration: int | None = None) -> ActivityFacts:
    return ActivityFacts(activity_id=ACTIVITY, activity_type=TYPE, authority=PARTNER,
                         claimed_jp_centi=claimed, duration_seconds=duration)


ALL = [rule("activity", ACTIVITY, "c-activity", 4, 800),
       rule("prefix", "https://akademi.example.id/kelas/", "c-short-prefix", 1, 100),
       rule("prefix", "https://akademi.example.id/kelas/integritas", "c-prefix", 3, 600),
       rule("activity_type", TYPE, "c-type", 2, 400),
       rule("partner", PARTNER, "c-partner", 1, 200)]


def test_an_activity_id_rule_wins_over_everything():
    mapped = RuleBook(ALL).apply(facts(claimed=500, duration=3600), 45)
    assert (mapped.competency_id, mapped.level, mapped.jp_centi, mapped.jp_source) == (
        "c-activity", 4, 800, "activity")


def test_the_longest_matching_prefix_wins():
    mapped = RuleBook(ALL[1:]).apply(facts(claimed=500), 45)
    assert (mapped.competency_id, mapped.jp_centi, mapped.jp_source) == ("c-prefix", 600,
                                                                         "prefix")


def test_the_statements_jp_extension_beats_type_and_partner_rules_but_not_named_rules():
    mapped = RuleBook(ALL[3:]).apply(facts(claimed=500, duration=3600), 45)
    assert (mapped.competency_id, mapped.jp_centi, mapped.jp_source) == ("c-type", 500,
                                                                         "extension")


def test_type_rules_beat_partner_rules():
    mapped = RuleBook(ALL[3:]).apply(facts(), 45)
    assert (mapped.competency_id, mapped.jp_centi, mapped.jp_source) == ("c-type", 400,
                                                                         "activity_type")


def test_a_partner_rule_applies_when_nothing_more_specific_does():
    mapped = RuleBook(ALL[4:]).apply(facts(duration=3600), 45)
    assert (mapped.competency_id, mapped.jp_centi, mapped.jp_source) == ("c-partner", 200,
                                                                         "partner")


def test_competency_and_jp_may_come_from_different_rules():
    book = RuleBook([rule("activity", ACTIVITY, jp=300), rule("partner", PARTNER, "c-p", 2)])
    mapped = book.apply(facts(), 45)
    assert (mapped.competency_id, mapped.level, mapped.jp_centi, mapped.jp_source) == (
        "c-p", 2, 300, "activity")


@pytest.mark.parametrize(("seconds", "minutes_per_jp", "centi"), [
    (2700, 45, 100), (9000, 45, 333), (3600, 60, 100), (60, 45, 2), (1, 45, 0)])
def test_duration_becomes_jp_by_minutes_per_jp_rounded_down(seconds, minutes_per_jp, centi):
    mapped = RuleBook([]).apply(facts(duration=seconds), minutes_per_jp)
    assert (mapped.jp_centi, mapped.jp_source) == (centi, "duration")


def test_without_any_source_an_activity_earns_zero_jp():
    mapped = RuleBook([]).apply(facts(), 45)
    assert (mapped.competency_id, mapped.jp_centi, mapped.jp_source) == (None, 0, "none")


COMPETENCIES = {"m1": Competency("m1", "f", "M.1", "Integritas", "manajerial",
                                 tuple(CompetencyLevel(n, f"L{n}") for n in range(1, 6)))}


@pytest.mark.parametrize(("bad", "field"), [
    (rule("activity", " ", "m1"), "pattern"),
    (rule("activity", ACTIVITY), "competency"),
    (rule("activity", ACTIVITY, "nope"), "competency"),
    (rule("activity", ACTIVITY, "m1", level=6), "level"),
    (rule("activity", ACTIVITY, level=2, jp=100), "level"),
    (rule("activity", ACTIVITY, jp=100_001), "jp"),
])
def test_rules_that_cannot_apply_are_refused_naming_the_field(bad, field):
    with pytest.raises(RuleError) as error:
        check_rule(bad, COMPETENCIES)
    assert error.value.field == field


# --- competency claims (the statement's competency extension) ---------------------------
def competency(identifier: str, code: str, framework: str = "f",
               uri: str | None = None) -> Competency:
    return Competency(id=identifier, framework_id=framework, code=code, name=code,
                      type="teknis", uri=uri)


KNOWN = {c.id: c for c in (competency("f/T.1", "T.1", uri="https://kamus.example/T.1"),
                           competency("f/M.1", "M.1"), competency("g/M.1", "M.1", "g"))}
CLAIMS = CompetencyClaims.of(KNOWN, frozenset({PARTNER}))


def claiming(code: str, authority: str = PARTNER) -> ActivityFacts:
    return ActivityFacts(activity_id=ACTIVITY, activity_type=TYPE, authority=authority,
                         claimed_jp_centi=None, duration_seconds=None,
                         claimed_competency=code)


@pytest.mark.parametrize(("code", "expected"), [
    ("T.1", ("f/T.1", CLAIM_COUNTED)),  # a code no other competency has
    ("https://kamus.example/T.1", ("f/T.1", CLAIM_COUNTED)),  # its CASE URI
    ("g/M.1", ("g/M.1", CLAIM_COUNTED)),  # an id names one, whatever codes say
    ("M.1", (None, CLAIM_AMBIGUOUS)),  # a code two frameworks have
    ("t.1", (None, CLAIM_UNKNOWN)),  # codes are compared exactly
])
def test_a_claim_names_a_competency_by_id_uri_or_unique_code(code, expected):
    mapped = RuleBook([], CLAIMS).apply(claiming(code), 45)
    assert (mapped.competency_id, mapped.claim_outcome) == expected


def test_a_claim_from_an_authority_not_trusted_is_not_believed():
    mapped = RuleBook([rule("partner", "agent:other", "c-partner")], CLAIMS).apply(
        claiming("T.1", authority="agent:other"), 45)
    assert (mapped.competency_id, mapped.claim_outcome) == ("c-partner", CLAIM_UNTRUSTED)


def test_activity_and_prefix_rules_beat_a_claim_which_beats_type_and_partner_rules():
    book = RuleBook(ALL, CLAIMS)
    assert (book.apply(claiming("T.1"), 45).competency_id,
            book.apply(claiming("T.1"), 45).claim_outcome) == ("c-activity", CLAIM_RULE)
    without_named = RuleBook(ALL[3:], CLAIMS).apply(claiming("T.1"), 45)
    assert (without_named.competency_id, without_named.level,
            without_named.claim_outcome) == ("f/T.1", None, CLAIM_COUNTED)
    # a rule for the activity that gives only JP leaves the competency to the claim
    jp_only = RuleBook([rule("activity", ACTIVITY, jp=300)], CLAIMS).apply(claiming("T.1"), 45)
    assert (jp_only.competency_id, jp_only.jp_centi) == ("f/T.1", 300)


def test_no_claim_has_no_outcome():
    assert RuleBook(ALL, CLAIMS).apply(facts(), 45).claim_outcome is None


def test_an_authority_is_trusted_only_when_every_credential_of_it_holds_the_scope():
    one = {"objectType": "Agent", "account": {"homePage": "https://h", "name": "one"}}
    two = {"objectType": "Agent", "account": {"homePage": "https://h", "name": "two"}}
    scope = "competency/claim"
    trusted = trusted_claimants([(one, frozenset({scope, "all"})), (two, frozenset({scope})),
                                 (two, frozenset({"all"}))], scope)
    assert trusted == {"agent:account:https://h one"}
