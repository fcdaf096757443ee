"""Which statements count, and what is read from them (pure functions)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from transcript_fixtures import (
    ATTEMPTED,
    COMPETENCY,
    COMPLETED,
    FAILED,
    JP,
    PASSED,
    SITI,
    learning,
    mbox,
    siasn,
)

from transcripts.evidence import (
    DEFAULT_COUNTED_VERBS,
    duration_seconds,
    jakarta_year,
    read_statement,
)

VERBS = frozenset(DEFAULT_COUNTED_VERBS)


def stored(statement: dict, **extra) -> dict:
    authority = {"objectType": "Agent", "name": "Akademi Digital LAN",
                 "account": {"homePage": "http://hub.test/partners", "name": "k1"}}
    return {**statement, "stored": "2026-03-14T03:00:00.000Z", "authority": authority, **extra}


@pytest.mark.parametrize("verb", [COMPLETED, PASSED, "http://adlnet.gov/expapi/verbs/mastered"])
def test_completed_passed_and_mastered_count_by_default(verb):
    facts = read_statement(stored(learning(siasn(SITI), verb=verb)), VERBS)
    assert not isinstance(facts, str)
    assert facts.verb == verb


@pytest.mark.parametrize("verb", [FAILED, ATTEMPTED])
def test_failed_and_other_verbs_never_count(verb):
    assert read_statement(stored(learning(siasn(SITI), verb=verb)), VERBS) == "verb"


def test_failed_does_not_count_even_when_configured():
    assert read_statement(stored(learning(siasn(SITI), verb=FAILED)),
                          VERBS | {FAILED}) == "verb"


def test_an_unsuccessful_result_does_not_count():
    statement = learning(siasn(SITI), verb=COMPLETED, success=False)
    assert read_statement(stored(statement), VERBS) == "unsuccessful"


def test_groups_and_statement_refs_do_not_count():
    group = {"objectType": "Group", "member": [siasn(SITI)]}
    assert read_statement(stored(learning(group)), VERBS) == "actor"
    ref = learning(siasn(SITI))
    ref["object"] = {"objectType": "StatementRef", "id": "9b1f..."}
    assert read_statement(stored(ref), VERBS) == "object"


def test_the_year_is_the_timestamps_year_in_jakarta_time():
    # 31 Dec 2025 18:30 UTC is 1 Jan 2026 01:30 WIB.
    facts = read_statement(stored(learning(siasn(SITI), timestamp="2025-12-31T18:30:00Z")),
                           VERBS)
    assert facts.year == 2026
    assert facts.timestamp == datetime(2025, 12, 31, 18, 30, tzinfo=UTC)
    assert jakarta_year(datetime(2026, 12, 31, 16, 59, tzinfo=UTC)) == 2026
    assert jakarta_year(datetime(2026, 12, 31, 17, 0, tzinfo=UTC)) == 2027


def test_facts_carry_provider_platform_score_and_claimed_jp():
    statement = learning(siasn(SITI), jp=3.5, score=0.875, platform="Akademi Digital",
                         duration="PT2H")
    facts = read_statement(stored(statement), VERBS)
    assert facts.provider == "Akademi Digital LAN"
    assert facts.authority == "agent:account:http://hub.test/partners k1"
    assert facts.platform == "Akademi Digital"
    assert facts.score_centi == 8750
    assert facts.claimed_jp_centi == 350
    assert facts.duration_seconds == 7200
    assert facts.activity_name == "Analisis Kebijakan Publik"


def test_a_raw_score_is_scaled_by_min_and_max():
    statement = learning(siasn(SITI))
    statement["result"] = {"score": {"raw": 45, "min": 0, "max": 60}}
    assert read_statement(stored(statement), VERBS).score_centi == 7500


def test_the_jp_extension_is_read_from_result_then_context_then_activity():
    statement = learning(siasn(SITI))
    statement["object"]["definition"]["extensions"] = {JP: 1}
    assert read_statement(stored(statement), VERBS).claimed_jp_centi == 100
    statement["context"] = {"extensions": {JP: 2}}
    assert read_statement(stored(statement), VERBS).claimed_jp_centi == 200
    statement["result"] = {"extensions": {JP: 3}}
    assert read_statement(stored(statement), VERBS).claimed_jp_centi == 300


@pytest.mark.parametrize("bad", [-1, "4", True, float("inf"), 10_000])
def test_a_jp_extension_that_is_not_a_sane_number_is_ignored(bad):
    statement = learning(siasn(SITI))
    statement["result"] = {"extensions": {JP: bad}}
    assert read_statement(stored(statement), VERBS).claimed_jp_centi is None


@pytest.mark.parametrize(("text", "seconds"), [
    ("PT45M", 2700), ("PT1H30M", 5400), ("P1DT2H", 93600), ("PT0.5H", 1800),
    ("PT90S", 90), ("P2W", 1209600), ("PT1,5H", 5400),
    ("P", None), ("PT", None), ("1H", None), ("P400D", None), (None, None),
])
def test_iso_8601_durations_are_read_in_seconds(text, seconds):
    assert duration_seconds(text) == seconds


@pytest.mark.parametrize(("text", "seconds"), [
    ("P1Y", 365 * 86400), ("P1M", 30 * 86400), ("P0.5Y", 365 * 43200), ("P1,5M", 45 * 86400),
    ("P0D", 0), ("PT0.0000001S", 0), ("PT1.5S", 1), ("P1W2D", 9 * 86400),
    ("PT1.5H30M", 7200), ("P1Y1D", 366 * 86400), ("P365DT23H59M59.999S", 366 * 86400 - 1),
    (" PT1H \n", 3600), ("PT\u0661H", 3600), ("P\u0661\u0665D", 15 * 86400),
])
def test_durations_the_reader_has_always_taken(text, seconds):
    assert duration_seconds(text) == seconds


@pytest.mark.parametrize("text", [
    "PT", "P1DT", "P1YT", "-P1D", "+P1D", "pt1h", "P0003-01-29T04:35:59", "P00030129T043559",
    "PT1H1H", "P1D2Y", "PT.5H", "PT5.H", "P1e3D", "P367D", "P1Y2D", "P16559.14S",
    "P99999999999999999999D", "PT" + "9" * 5000 + "S", "P" + "9" * 30 + "Y", "", 3600, ["PT1H"],
])
def test_durations_the_reader_has_always_refused(text):
    assert duration_seconds(text) is None


@pytest.mark.parametrize(("text", "seconds"), [("P9.2D", 794880), ("P5,6D", 483840),
                                               ("P5.04M", 13063680)])
def test_fractional_durations_are_read_exactly_not_a_second_short(text, seconds):
    """isodate keeps microseconds exact where float arithmetic fell 1 s short."""
    assert duration_seconds(text) == seconds


def test_an_mbox_actor_is_compared_case_insensitively():
    lower = read_statement(stored(learning(mbox("siti@menpan.go.id"))), VERBS)
    upper = read_statement(stored(learning(mbox("SITI@Menpan.go.id"))), VERBS)
    assert lower.actor.key == upper.actor.key


@pytest.mark.parametrize(("places", "expected"), [
    ({"context": " T.ANKEB "}, "T.ANKEB"),  # where imports put it, trimmed
    ({"result": "M.1", "context": "T.ANKEB"}, "M.1"),  # the result is the most specific
    ({"definition": "SK.1"}, "SK.1"),
    ({"context": {"kode": "M.1"}}, '{"kode": "M.1"}'),  # not text: kept as JSON, not lost
    ({"context": 7}, "7"),
    ({"context": None}, None),
    ({"context": "  "}, None),
    ({"context": "x" * 300}, "x" * 200),  # as long as a competency id may be
])
def test_the_competency_claim_is_read_from_the_extension(places, expected):
    statement = learning(siasn(SITI))
    for place, value in places.items():
        holder = statement["object"]["definition"] if place == "definition" else \
            statement.setdefault(place, {})
        holder.setdefault("extensions", {})[COMPETENCY] = value
    facts = read_statement(stored(statement), VERBS)
    assert not isinstance(facts, str)
    assert facts.claimed_competency == expected
