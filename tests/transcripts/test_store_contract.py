"""The transcripts storage contract, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from transcripts.identifiers import actor_of, lti_actor
from transcripts.storage.contract import (
    AccessEntry,
    AccessQuery,
    ClaimCount,
    Competency,
    CompetencyLevel,
    EvidenceRecord,
    FeedState,
    Framework,
    IdentityConflict,
    MappingRule,
    PeopleQuery,
    Person,
    YearSummary,
)

NOW = datetime(2026, 5, 1, 3, 0, tzinfo=UTC)
REQUIRED = {"PNS": 2000, "PPPK": 2000}


def person(nip: str, name: str, kind: str | None = "PNS", agency: str | None = "Kementerian PANRB",
           unit: str | None = "Biro SDM") -> Person:
    return Person(nip=nip, name=name, employee_type=kind, agency=agency, unit=unit,
                  source="roster", updated_at=NOW)


def summary(nip: str, year: int, jp_centi: int) -> YearSummary:
    return YearSummary(nip=nip, year=year, jp_centi=jp_centi,
                       jp_by_type_centi={"teknis": jp_centi, "manajerial": 0,
                                         "sosial_kultural": 0, "unmapped": 0},
                       activity_count=1, updated_at=NOW)


def evidence(statement_id: str, nip: str, year: int = 2026, jp_centi: int = 200
             ) -> EvidenceRecord:
    return EvidenceRecord(
        statement_id=statement_id, seq=1, nip=nip, year=year, identity_key="k" * 64,
        activity_id="https://akademi.example.id/kelas/a", activity_name="A",
        activity_type=None, verb="http://adlnet.gov/expapi/verbs/completed",
        timestamp=NOW, authority=None, provider="Akademi", platform=None, score_centi=9000,
        claimed_jp_centi=None, duration_seconds=3600, competency_id=None, level=None,
        jp_centi=jp_centi, jp_source="duration")


def test_upsert_people_replaces_by_nip_and_insert_missing_keeps_what_is_there(storage):
    storage.people.upsert_people([person("199001012015032001", "Siti")])
    storage.people.insert_missing_people([person("199001012015032001", "", kind=None)])
    storage.people.upsert_people([person("199001012015032001", "Siti Rahmawati", "PPPK")])
    stored = storage.people.get_person("199001012015032001")
    assert (stored.name, stored.employee_type, stored.updated_at) == ("Siti Rahmawati",
                                                                     "PPPK", NOW)


def test_linking_an_identifier_linked_elsewhere_returns_the_existing_link(storage):
    storage.people.upsert_people([person("199001012015032001", "Siti"),
                                  person("198805172022061002", "Budi")])
    mbox = actor_of({"mbox": "mailto:Siti@Menpan.go.id"})
    storage.people.link_identities([mbox.link("199001012015032001", "roster", NOW)])
    again = storage.people.link_identities([mbox.link("198805172022061002", "lti", NOW),
                                            lti_actor("https://lms", "7").link(
                                                "198805172022061002", "lti", NOW)])
    assert again[mbox.key].nip == "199001012015032001"
    assert again[lti_actor("https://lms", "7").key].nip == "198805172022061002"
    assert [link.kind for link in storage.people.links_of("198805172022061002")] == ["lti"]


def test_conflicts_are_recorded_once_while_open(storage):
    conflict = IdentityConflict(key="a" * 64, identifier="agent:mbox:mailto:x@y.id",
                                value={"mbox": "mailto:x@y.id"}, linked_nip="1" * 18,
                                claimed_nip="2" * 18, source="roster", reported_at=NOW)
    assert len(storage.people.report_conflicts([conflict])) == 1
    assert storage.people.report_conflicts([conflict]) == []
    assert storage.people.resolve_conflicts("a" * 64, NOW) == 1
    assert storage.people.list_conflicts() == []
    assert len(storage.people.list_conflicts(open_only=False)) == 1


def test_a_framework_reimport_keeps_competencies_rules_point_at(storage):
    framework = Framework("kamus", "Kamus", "csv", None, None, NOW)
    levels = (CompetencyLevel(1, "L1"),)
    storage.frameworks.save_framework(framework, [
        Competency("kamus/M.1", "kamus", "M.1", "Integritas", "manajerial", levels),
        Competency("kamus/M.2", "kamus", "M.2", "Kerjasama", "manajerial", levels)])
    rule = storage.frameworks.insert_rule(MappingRule("prefix", "https://a/", "kamus/M.1", 1,
                                                      None, NOW))
    storage.frameworks.save_framework(framework, [
        Competency("kamus/M.1", "kamus", "M.1", "Integritas (revisi)", "manajerial", levels)])
    assert list(storage.frameworks.competencies()) == ["kamus/M.1"]
    assert storage.frameworks.competencies()["kamus/M.1"].name == "Integritas (revisi)"
    assert storage.frameworks.list_frameworks()[0].competency_count == 1
    assert storage.frameworks.rules_using(["kamus/M.1"]) == [rule]


def test_a_rule_for_the_same_kind_and_pattern_replaces_the_earlier_one(storage):
    first = storage.frameworks.insert_rule(MappingRule("activity", "https://a/1", None, None,
                                                       200, NOW))
    second = storage.frameworks.insert_rule(MappingRule("activity", "https://a/1", None, None,
                                                        300, NOW))
    assert first.id == second.id
    assert [r.jp_centi for r in storage.frameworks.list_rules()] == [300]
    assert storage.frameworks.delete_rule(first.id)
    assert not storage.frameworks.delete_rule(first.id)


def test_a_session_replaces_evidence_and_summaries_atomically(storage):
    nip = "199001012015032001"
    with storage.transcripts.session() as session:
        session.save_evidence([evidence("s1", nip), evidence("s2", nip, year=2025)])
        session.save_summaries([(nip, 2026), (nip, 2025)],
                               [summary(nip, 2026, 200), summary(nip, 2025, 200)])
        session.save_feed_state(FeedState(cursor=42, gaps={40: NOW}))
    with pytest.raises(RuntimeError), storage.transcripts.session() as session:
        session.delete_evidence(["s1"])
        session.save_feed_state(FeedState(cursor=99, gaps={}))
        raise RuntimeError("crash before commit")
    assert storage.transcripts.feed_state() == FeedState(cursor=42, gaps={40: NOW})
    assert [e.statement_id for e in storage.transcripts.evidence_of(nip, 2026)] == ["s1"]
    with storage.transcripts.session() as session:
        assert session.delete_evidence(["s1", "unknown"]) == {(nip, 2026)}
        session.save_summaries([(nip, 2026)], [])
    assert storage.transcripts.summary_of(nip, 2026) is None
    assert storage.transcripts.years_of(nip) == [2025]


def test_evidence_keeps_its_competency_claim_and_claims_are_counted_by_outcome(storage):
    nip = "199001012015032001"
    claims = [("s1", "X.9", "unknown"), ("s2", "X.9", "unknown"), ("s3", "M.1", "counted"),
              ("s4", None, None)]
    with storage.transcripts.session() as session:
        session.save_evidence([replace(evidence(i, nip), claimed_competency=code,
                                       claim_outcome=outcome) for i, code, outcome in claims])
    stored = {e.statement_id: (e.claimed_competency, e.claim_outcome)
              for e in storage.transcripts.evidence_of(nip, 2026)}
    assert stored == {i: (code, outcome) for i, code, outcome in claims}
    assert storage.transcripts.claim_counts() == [ClaimCount("X.9", "unknown", 2),
                                                  ClaimCount("M.1", "counted", 1)]


def test_a_session_reads_every_credentials_authority_and_scopes(storage, make_credential):
    trusted = make_credential("statements/write", "competency/claim")
    revoked = make_credential("statements/write")
    storage.credentials.revoke_credential(revoked["key"], NOW)
    with storage.transcripts.session() as session:
        found = session.credential_scopes()
    assert sorted(found, key=lambda pair: sorted(pair[1])) == [
        (trusted["authority"], frozenset({"statements/write", "competency/claim"})),
        (revoked["authority"], frozenset({"statements/write"}))]


def test_evidence_for_returns_exactly_the_asked_person_years(storage):
    siti, budi = "199001012015032001", "198805052010011002"
    with storage.transcripts.session() as session:
        session.save_evidence([evidence("s1", siti, 2026), evidence("s2", siti, 2025),
                               evidence("b1", budi, 2026), evidence("b2", budi, 2025)])
    with storage.transcripts.session() as session:
        found = session.evidence_for([(siti, 2026), (budi, 2025)])
    assert sorted(e.statement_id for e in found) == ["b2", "s1"]


def test_evidence_for_uses_the_nip_index_on_sqlite(tmp_path):
    """A row-value IN (nip, year) made SQLite scan the whole evidence table on every
    follower batch (120 ms at 400k rows, inside the write lock)."""
    from sqlalchemy import event

    from hub.app import open_hub_storage

    storage = open_hub_storage(f"sqlite:///{tmp_path / 'plan.sqlite3'}")
    storage.upgrade()
    seen: list[tuple[str, tuple]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):
        if "FROM transcript_evidence" in statement:
            seen.append((statement, parameters))

    event.listen(storage.engine, "before_cursor_execute", capture)
    with storage.transcripts.session() as session:
        session.evidence_for([("199001012015032001", 2026), ("198805052010011002", 2025)])
    event.remove(storage.engine, "before_cursor_execute", capture)
    assert seen
    with storage.engine.connect() as conn:
        for statement, parameters in seen:
            plan = " ".join(row[-1] for row in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + statement, parameters))
            assert "SCAN transcript_evidence" not in plan, plan
            assert "ix_transcript_evidence_nip_year" in plan, plan
    storage.dispose()


def test_evidence_pages_walk_by_nip_year_and_statement_id(storage):
    with storage.transcripts.session() as session:
        pairs = [("2" * 18, 2026), ("1" * 18, 2026), ("1" * 18, 2025), ("2" * 18, 2025)]
        session.save_evidence([evidence(f"s{i}", nip, year)
                               for i, (nip, year) in enumerate(pairs)])
        seen, after = [], None
        while page := session.evidence_page(after, 3):
            seen += [(e.nip, e.year, e.statement_id) for e in page]
            after = seen[-1]
    assert seen == sorted(seen) and len(seen) == 4


def test_the_reset_forgets_derived_rows_but_not_the_registry(storage):
    storage.people.upsert_people([person("199001012015032001", "Siti")])
    with storage.transcripts.session() as session:
        session.save_evidence([evidence("s1", "199001012015032001")])
        session.save_feed_state(FeedState(cursor=7, gaps={}))
    with storage.transcripts.session() as session:
        session.reset()
    assert storage.transcripts.feed_state().cursor == 0
    assert storage.transcripts.evidence_of("199001012015032001", 2026) == []
    assert storage.people.get_person("199001012015032001") is not None


def _registry(storage):
    people = [person("199001012015032001", "Siti Rahmawati"),
              person("198805172022061002", "Budi Santoso", "PPPK", unit="Deputi SDM"),
              person("198512032010122003", "Ani Lestari", agency="Pemprov Jabar", unit="BKD"),
              person("197903252005011004", "Dedi Kurniawan", kind=None)]
    storage.people.upsert_people(people)
    with storage.transcripts.session() as session:
        session.save_summaries([], [summary("199001012015032001", 2026, 2450),
                                    summary("198805172022061002", 2026, 800),
                                    summary("198512032010122003", 2026, 2000),
                                    summary("199001012015032001", 2025, 100)])


def test_search_filters_by_agency_unit_name_and_compliance(storage):
    _registry(storage)

    def nips(**criteria):
        query = PeopleQuery(year=2026, requirements_centi=REQUIRED, **criteria)
        return [row.person.nip for row in storage.transcripts.search_people(query)]

    assert nips(agency="Kementerian PANRB") == ["197903252005011004", "198805172022061002",
                                                "199001012015032001"]
    assert nips(unit="Deputi SDM") == ["198805172022061002"]
    assert nips(name="RAHMA") == ["199001012015032001"]
    assert nips(name="%") == []  # LIKE wildcards are escaped
    assert nips(compliance="compliant") == ["198512032010122003", "199001012015032001"]
    assert nips(compliance="non_compliant") == ["198805172022061002"]
    assert nips(compliance="unknown") == ["197903252005011004"]
    assert nips(agencies=frozenset({"Pemprov Jabar"})) == ["198512032010122003"]
    assert nips(after_nip="198805172022061002", limit=1) == ["199001012015032001"]
    [siti] = storage.transcripts.search_people(PeopleQuery(
        year=2026, requirements_centi=REQUIRED, name="Siti"))
    assert (siti.jp_centi, siti.jp_by_type_centi["teknis"]) == (2450, 2450)


def test_agency_totals_count_people_without_a_summary_as_zero_jp(storage):
    _registry(storage)
    totals = storage.transcripts.agency_totals("Kementerian PANRB", 2026, REQUIRED)
    assert (totals.people, totals.compliant, totals.non_compliant, totals.unknown) == (3, 1, 1, 1)
    assert totals.jp_centi == 3250
    assert totals.distribution[0] == 1  # Dedi, no learning yet
    assert totals.distribution[1] == 1  # Budi, 8 JP
    assert totals.distribution[4] == 1  # Siti, 24.5 JP
    assert sum(totals.distribution.values()) == 3
    assert [u["unit"] for u in totals.units] == ["Biro SDM", "Deputi SDM"]


def test_the_access_log_is_append_only(storage):
    entry = AccessEntry(at=NOW, credential_key="k1", credential_name="Inspektorat",
                        action="transcript.read", subject="199001012015032001", year=2026,
                        detail={}, request_id="r1")
    storage.access.append_access([entry, AccessEntry(**{**entry.__dict__, "subject": "x",
                                                        "at": NOW + timedelta(seconds=1)})])
    [found] = storage.access.query_access(AccessQuery(subject="199001012015032001"))
    assert (found.credential_key, found.action, found.request_id) == ("k1", "transcript.read",
                                                                      "r1")
    assert not hasattr(storage.access, "delete_access")
    with pytest.raises(DBAPIError), storage.engine.begin() as conn:
        conn.execute(text("UPDATE transcript_access_log SET subject = 'forged'"))
    assert len(storage.access.query_access(AccessQuery(since=NOW + timedelta(seconds=1)))) == 1


def test_agency_limits_are_set_replaced_and_removed(storage):
    assert storage.access.agency_limits("k1") is None
    storage.access.set_agency_limits("k1", ["Pemprov Jabar", "Kementerian PANRB"])
    storage.access.set_agency_limits("k1", ["Pemprov Jabar"])
    assert storage.access.agency_limits("k1") == frozenset({"Pemprov Jabar"})
    storage.access.set_agency_limits("k1", None)
    assert storage.access.agency_limits("k1") is None
