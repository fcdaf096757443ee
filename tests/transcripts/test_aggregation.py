"""From evidence to transcript lines, totals and compliance (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from transcripts.aggregation import (
    build_transcript,
    compliance,
    jp,
    transcript_content,
    transcript_digest,
)
from transcripts.storage.contract import Competency, CompetencyLevel, EvidenceRecord, Person

T0 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
PERSON = Person("199001012015032001", "Siti Rahmawati", "PNS", "Kementerian PANRB",
                "Biro SDM", "roster", T0)
COMPETENCIES = {
    "m1": Competency("m1", "f", "M.1", "Integritas", "manajerial",
                     tuple(CompetencyLevel(n, "") for n in range(1, 6))),
    "t1": Competency("t1", "f", "T.1", "Analisis Kebijakan", "teknis"),
}
REQUIRED = {"PNS": 2000, "PPPK": 2400}


def evidence(statement_id: str, activity: str, jp_centi: int, *, days: int = 0,
             competency: str | None = None, level: int | None = None,
             score: int | None = None) -> EvidenceRecord:
    return EvidenceRecord(
        statement_id=statement_id, seq=1, nip=PERSON.nip, year=2026, identity_key="k",
        activity_id=activity, activity_name=activity, activity_type=None,
        verb="http://adlnet.gov/expapi/verbs/completed", timestamp=T0 + timedelta(days=days),
        authority=None, provider="Akademi", platform=None, score_centi=score,
        claimed_jp_centi=None, duration_seconds=None, competency_id=competency, level=level,
        jp_centi=jp_centi, jp_source="activity")


def transcript(records, count_repeats=False):
    return build_transcript(PERSON, 2026, records, COMPETENCIES, count_repeats=count_repeats,
                            requirements_centi=REQUIRED)


def test_an_activity_completed_twice_in_a_year_counts_once_with_every_statement_as_proof():
    result = transcript([evidence("s2", "a", 400, days=5, score=7000),
                         evidence("s1", "a", 400, days=0, score=9000)])
    [line] = result.lines
    assert result.jp_centi == 400
    assert line.statement_ids == ("s1", "s2")
    assert line.score_centi == 9000  # the best attempt's score
    assert line.date == T0  # of the statement that earned the most JP (earliest on a tie)


def test_the_line_shows_the_statement_that_earned_the_most_jp():
    [line] = transcript([evidence("s1", "a", 200, days=0),
                         evidence("s2", "a", 500, days=3)]).lines
    assert (line.jp_centi, line.date) == (500, T0 + timedelta(days=3))


def test_with_repeats_configured_every_statement_counts():
    result = transcript([evidence("s1", "a", 400), evidence("s2", "a", 400, days=1)],
                        count_repeats=True)
    assert result.jp_centi == 800
    assert len(result.lines) == 2


def test_jp_per_type_counts_unmapped_activities_separately_and_in_the_total():
    result = transcript([evidence("s1", "a", 600, competency="m1", level=2),
                         evidence("s2", "b", 800, competency="t1"),
                         evidence("s3", "c", 350)])
    assert result.jp_by_type_centi == {"teknis": 800, "manajerial": 600, "sosial_kultural": 0,
                                       "unmapped": 350}
    assert result.jp_centi == 1750


def test_a_competency_reached_shows_its_highest_level():
    result = transcript([evidence("s1", "a", 100, competency="m1", level=2),
                         evidence("s2", "b", 100, competency="m1", level=4),
                         evidence("s3", "c", 100, competency="m1"),
                         evidence("s4", "d", 100, competency="t1")])
    # Ordered teknis, manajerial, sosial kultural (PermenPAN-RB 38/2017), then by code.
    assert [(c.code, c.highest_level) for c in result.competencies] == [("T.1", None),
                                                                        ("M.1", 4)]


def test_compliance_depends_on_the_employee_type():
    assert compliance("PNS", 2000, REQUIRED) == (2000, True)
    assert compliance("PNS", 1999, REQUIRED) == (2000, False)
    assert compliance("PPPK", 2000, REQUIRED) == (2400, False)
    assert compliance(None, 5000, REQUIRED) == (None, None)


def test_jp_renders_as_json_numbers_with_at_most_two_decimals():
    assert (jp(2000), jp(2350), jp(333), jp(0), jp(None)) == (20, 23.5, 3.33, 0, None)


def test_the_digest_changes_with_any_asserted_field_and_ignores_the_registry_name():
    base = transcript([evidence("s1", "a", 400, competency="m1", level=2)])
    renamed = build_transcript(Person(**{**PERSON.__dict__, "name": "Siti R."}), 2026,
                               [evidence("s1", "a", 400, competency="m1", level=2)],
                               COMPETENCIES, count_repeats=False, requirements_centi=REQUIRED)
    assert transcript_digest(base) == transcript_digest(renamed)
    for changed in ([evidence("s1", "a", 401, competency="m1", level=2)],
                    [evidence("s1", "a", 400, competency="m1", level=3)],
                    [evidence("s9", "a", 400, competency="m1", level=2)]):
        assert transcript_digest(transcript(changed)) != transcript_digest(base)
    assert transcript_content(base)["total_jp"] == 4
