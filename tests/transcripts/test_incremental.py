"""The incremental path (listener + durable cursor) and `rebuild` must agree, whatever
order statements (some claiming competencies), voids, roster imports, rule changes and
late frameworks arrive in; a crash between a
commit and its listener is caught up by `transcripts sync`; on PostgreSQL a statement
that commits after a later one is not skipped."""

from __future__ import annotations

import shutil
import threading
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select
from transcript_fixtures import (
    ANI,
    BUDI,
    DEDI,
    KEUANGAN,
    SECRET_KEY,
    SITI,
    basic_auth,
    learning,
    load_framework,
    load_roster,
    load_rules,
    mbox,
    siasn,
    voiding,
)

from hub.app import create_app
from hub.auth import issue_credential
from lrs.feed import GAP_TTL
from lrs.listeners import notify_stored
from lrs.statements.records import build_record, complete_statement
from lrs.storage.sql.tables import statements
from transcripts import frameworks, ingest, service
from transcripts.policy import current_policy
from transcripts.storage.sql.tables import (
    transcript_evidence,
    transcript_summaries,
    transcript_unlinked,
)

PEOPLE = [(SITI, "siti.rahmawati@menpan.go.id"), (BUDI, "budi.santoso@menpan.go.id"),
          (ANI, "ani.lestari@jabarprov.go.id"), (DEDI, None),
          ("199512122020121005", "rudi@example.go.id")]  # the last one is not on the roster
ACTIVITIES = ["https://akademi.example.id/kelas/analisis-kebijakan-publik",
              "https://akademi.example.id/kelas/integritas-asn",
              "https://lms.bpsdm.jabarprov.go.id/webinar/moderasi",
              KEUANGAN]
VERBS = ["http://adlnet.gov/expapi/verbs/completed", "http://adlnet.gov/expapi/verbs/passed",
         "http://adlnet.gov/expapi/verbs/failed", "http://adlnet.gov/expapi/verbs/attempted"]


def fresh_app(engine: str, request, tmp_path_factory):
    if engine == "sqlite":
        path = tmp_path_factory.mktemp("incremental") / "hub.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        request.getfixturevalue("empty_postgres")()
        url = request.getfixturevalue("postgres_database")
    return create_app({"env": "test", "secret_key": SECRET_KEY, "database_url": url,
                       "log_format": "text", "log_level": "WARNING"})


def partner(app, name: str, *scopes: str) -> dict:
    issued = issue_credential(app.extensions["hub.storage"].credentials, name=name,
                              owner=name, scopes={"statements/write", *scopes},
                              authority_home_page="http://hub.test/partners")
    return {"Authorization": basic_auth(issued.credential.key, issued.secret),
            "X-Experience-API-Version": "1.0.3"}


def snapshot(app) -> dict:
    engine = app.extensions["hub.storage"].engine
    with engine.connect() as conn:
        evidence = sorted(tuple(row) for row in conn.execute(select(transcript_evidence)))
        summaries = sorted(tuple(v for k, v in row._mapping.items() if k != "updated_at")
                           for row in conn.execute(select(transcript_summaries)))
        unlinked = sorted(conn.execute(select(transcript_unlinked.c.statement_id)).scalars())
    return {"evidence": evidence, "summaries": summaries, "unlinked": unlinked}


statement_spec = st.tuples(
    st.integers(0, len(PEOPLE) - 1), st.booleans(),  # who, account (else mbox)
    st.integers(0, len(ACTIVITIES) - 1), st.sampled_from(VERBS),
    st.one_of(st.none(), st.integers(0, 8)),  # JP extension
    st.one_of(st.none(), st.sampled_from(["PT45M", "PT2H", "PT3H20M"])),
    st.sampled_from(["2025-12-31T23:30:00+07:00", "2025-12-31T18:30:00Z",
                     "2026-06-15T10:00:00+07:00"]),
    # competency extension: known, a code only the late framework has, none
    st.one_of(st.none(), st.sampled_from(["M.2", "T.KEU", "X.9"])),
)
event = st.one_of(
    st.tuples(st.just("send"), st.integers(0, 1), st.lists(statement_spec, min_size=1,
                                                             max_size=4), st.booleans()),
    st.tuples(st.just("void"), st.integers(0, 50)),
    st.tuples(st.just("roster")),
    st.tuples(st.just("rules")),
    st.tuples(st.just("framework")),
)
LATE_FRAMEWORK = "kode,nama,jenis\r\nX.9,Kompetensi baru,teknis\r\n"


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(events=st.lists(event, min_size=1, max_size=10))
def test_incremental_and_rebuilt_transcripts_agree(engine, request, tmp_path_factory, events):
    app = fresh_app(engine, request, tmp_path_factory)
    try:
        load_framework(app)
        client = app.test_client()
        # Akademi's competency claims are believed, Jabar's are not
        partners = [partner(app, "Akademi Digital LAN", "competency/claim"),
                    partner(app, "LMS BPSDM Jabar")]
        sent: list[tuple[str, int]] = []  # (statement id, partner that sent it)
        roster_loaded = rules_loaded = framework_loaded = False
        for item in events:
            if item[0] == "send":
                _, who, specs, crash = item
                batch = []
                for person, account, activity, verb, jp, duration, timestamp, claim in specs:
                    nip, email = PEOPLE[person]
                    actor = siasn(nip) if account or email is None else mbox(email)
                    batch.append(learning(actor, ACTIVITIES[activity], verb, jp=jp,
                                          duration=duration, timestamp=timestamp,
                                          competency=claim))
                listeners = app.extensions["lrs.statement_listeners"]
                saved = list(listeners)
                if crash:  # the process dies between the commit and the listeners
                    listeners.clear()
                response = client.post("/xapi/statements", json=batch, headers=partners[who])
                listeners[:] = saved
                assert response.status_code == 200
                sent += [(statement_id, who) for statement_id in response.json]
            elif item[0] == "void" and sent:
                # A partner voids only its own statements (issue 13.1): the sender voids.
                target, who = sent[item[1] % len(sent)]
                response = client.post("/xapi/statements", json=voiding(target),
                                       headers=partners[who])
                assert response.status_code in (200, 400)  # voiding a voiding is refused
            elif item[0] == "roster" and not roster_loaded:
                load_roster(app)
                roster_loaded = True
            elif item[0] == "rules" and not rules_loaded:
                load_rules(app)
                rules_loaded = True
            elif item[0] == "framework" and not framework_loaded:
                with app.app_context():
                    frameworks.import_framework(
                        app.extensions["hub.storage"],
                        frameworks.parse_csv(LATE_FRAMEWORK, "baru", "Kamus baru"),
                        current_policy())
                framework_loaded = True
        with app.app_context():
            service.sync_now()  # `flask transcripts sync` after a crash
            incremental = snapshot(app)
            service.rebuild_now()
            rebuilt = snapshot(app)
        assert incremental == rebuilt
    finally:
        app.extensions["hub.storage"].dispose()


def test_a_crash_between_commit_and_listener_is_caught_up_by_the_sync_command(
        registry, app, client, partners, runner, auditor_get):
    app.extensions["lrs.statement_listeners"].clear()  # as if the worker died after commit
    response = client.post("/xapi/statements", json=learning(siasn(SITI), KEUANGAN, jp=9),
                           headers={"Authorization": partners["jabar"]["Authorization"],
                                    "X-Experience-API-Version": "1.0.3"})
    assert response.status_code == 200
    assert auditor_get(f"/api/transcripts/people/{SITI}/transcripts/2026").json[
        "total_jp"] == 0
    result = runner.invoke(args=["transcripts", "sync"])
    assert result.exit_code == 0, result.output
    assert "statements processed" in result.output
    assert auditor_get(f"/api/transcripts/people/{SITI}/transcripts/2026").json[
        "total_jp"] == 9


def test_the_next_statement_catches_up_what_a_crashed_listener_missed(
        registry, app, client, partners, auditor_get):
    listeners = app.extensions["lrs.statement_listeners"]
    saved = list(listeners)
    listeners.clear()
    headers = {"Authorization": partners["jabar"]["Authorization"],
               "X-Experience-API-Version": "1.0.3"}
    client.post("/xapi/statements", json=learning(siasn(SITI), KEUANGAN, jp=9), headers=headers)
    listeners[:] = saved
    client.post("/xapi/statements", json=learning(siasn(BUDI), KEUANGAN, jp=2), headers=headers)
    assert auditor_get(f"/api/transcripts/people/{SITI}/transcripts/2026").json[
        "total_jp"] == 9


def test_rebuild_command_recomputes_the_same_transcripts(registry, app, client, partners,
                                                         runner, auditor_get):
    headers = {"Authorization": partners["jabar"]["Authorization"],
               "X-Experience-API-Version": "1.0.3"}
    client.post("/xapi/statements", json=[learning(siasn(SITI), KEUANGAN, jp=9),
                                          learning(siasn(BUDI), KEUANGAN, jp=2)],
                headers=headers)
    before = auditor_get(f"/api/transcripts/people/{SITI}/transcripts/2026").json
    result = runner.invoke(args=["transcripts", "rebuild", "--yes"])
    assert result.exit_code == 0, result.output
    assert auditor_get(f"/api/transcripts/people/{SITI}/transcripts/2026").json == before


def _feed_statement(nip: str, seq: int, voided: bool = False):
    from lrs.storage.contract import StoredStatement
    document = {**learning(siasn(nip), KEUANGAN, jp=1), "stored": "2026-01-01T00:00:00Z",
                "authority": {"objectType": "Agent", "name": "P",
                              "account": {"homePage": "http://h", "name": "p"}}}
    return StoredStatement(seq=seq, id=document["id"], document=document,
                           stored=datetime.now(UTC), voided=voided, comparison_digest="")


def test_skipped_sequence_numbers_are_remembered_and_filled_later(app):
    """The feed shows seq 1 and 3; 2 commits later and is still processed."""
    feed_rows = [_feed_statement(SITI, 1), _feed_statement(SITI, 3)]
    late = _feed_statement(SITI, 2)

    def feed(after: int, limit: int):
        return [s for s in sorted(feed_rows, key=lambda s: s.seq) if s.seq > after][:limit]

    with app.app_context():
        load_roster(app)
        store, policy = app.extensions["hub.storage"].transcripts, current_policy()
        first = ingest.sync(store, feed, policy)
        assert (first.cursor, first.open_gaps) == (3, 1)
        feed_rows.append(late)
        second = ingest.sync(store, feed, policy)
        assert (second.cursor, second.open_gaps) == (3, 0)
        evidence = store.evidence_of(SITI, 2026)
    assert sorted(e.seq for e in evidence) == [1, 2, 3]


def test_a_feed_read_outdated_by_another_processor_is_read_again_under_the_lock(app):
    """The feed is read before the session's lock; when another processor moved the
    cursor meanwhile, the batch is read again from the new cursor (nothing processed
    twice, no gap invented)."""
    feed_rows = [_feed_statement(SITI, seq) for seq in range(1, 5)]
    reads: list[int] = []

    with app.app_context():
        load_roster(app)
        store, policy = app.extensions["hub.storage"].transcripts, current_policy()

        def feed(after: int, limit: int):
            reads.append(after)
            if len(reads) == 1:  # the other processor runs between our read and our lock
                ingest.sync(store, lambda a, n: [s for s in feed_rows if s.seq > a][:2],
                            policy, batch_size=2, max_batches=1)
            return [s for s in feed_rows if s.seq > after][:limit]

        report = ingest.sync(store, feed, policy, max_batches=1)
        evidence = store.evidence_of(SITI, 2026)
    assert reads == [0, 2]
    assert (report.cursor, report.open_gaps) == (4, 0)
    assert sorted(e.seq for e in evidence) == [1, 2, 3, 4]


def test_a_gap_older_than_the_grace_period_is_given_up(app):
    feed_rows = [_feed_statement(SITI, 5)]

    def feed(after, limit):
        return [s for s in feed_rows if s.seq > after][:limit]

    clock = [datetime(2026, 1, 1, tzinfo=UTC)]
    with app.app_context():
        store, policy = app.extensions["hub.storage"].transcripts, current_policy()
        assert ingest.sync(store, feed, policy, now=lambda: clock[0]).open_gaps == 4
        clock[0] += GAP_TTL
        assert ingest.sync(store, feed, policy, now=lambda: clock[0]).open_gaps == 0


def test_postgresql_statement_committed_after_a_later_one_is_not_skipped(
        engine, registry, app, auditor_get):
    if engine != "postgresql":
        pytest.skip("SQLite serialises writers: sequence numbers commit in order")
    storage = app.extensions["hub.storage"]
    slow = learning(siasn(SITI), KEUANGAN, jp=4)
    holding = threading.Event()
    release = threading.Event()

    def slow_writer():
        # A transaction that takes its sequence number, then waits before committing.
        full = complete_statement(slow, version="1.0.3", stored=datetime.now(UTC),
                                  authority={"objectType": "Agent", "name": "Slow LMS",
                                             "mbox": "mailto:lms@slow.go.id"})
        record = build_record(full, received=slow, stored=datetime.now(UTC),
                              attachment_hashes=(), learn_definitions=False)
        with storage.engine.begin() as conn:
            conn.execute(insert(statements).values(
                id=record.id, document=record.document, stored=record.stored,
                comparison_digest=record.comparison_digest, authority_key="slow",
                voided=False))
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert holding.wait(10)
    fast = learning(siasn(SITI), "https://akademi.example.id/kelas/x", jp=1)
    with app.test_request_context():
        from lrs import service as lrs_service
        lrs_service.record_statements([fast], authority={
            "objectType": "Agent", "mbox": "mailto:hub@berpijar.id"}, source="test")
    assert auditor_get(f"/api/transcripts/people/{SITI}/transcripts/2026").json[
        "total_jp"] == 1
    release.set()
    thread.join()
    with app.test_request_context():
        notify_stored([slow])  # what the slow writer's request would do after commit
    assert auditor_get(f"/api/transcripts/people/{SITI}/transcripts/2026").json[
        "total_jp"] == 5


def test_a_statement_that_cannot_be_read_does_not_stop_the_feed(app, caplog):
    broken = _feed_statement(SITI, 1)
    broken.document["timestamp"] = "not a time"
    rows = [broken, _feed_statement(SITI, 2)]

    def feed(after, limit):
        return [s for s in rows if s.seq > after][:limit]

    with app.app_context():
        load_roster(app)
        store = app.extensions["hub.storage"].transcripts
        report = ingest.sync(store, feed, current_policy())
        evidence = store.evidence_of(SITI, 2026)
    assert report.cursor == 2
    assert [e.seq for e in evidence] == [2]
    assert "cannot be read" in caplog.text
