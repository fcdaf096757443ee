"""Mapping rules and their precedence (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from transcripts.mapping import ActivityFacts, RuleBook, RuleError, check_rule
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
