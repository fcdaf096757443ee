"""Statement queries use indexes on PostgreSQL: each filter is a backward index range
scan of `statement_index` that stops after one page — no sequential scan, no sort."""

from __future__ import annotations

import random
import re
import uuid
from datetime import UTC, datetime

import pytest
from factories import VERBS, make_activity, make_agent, make_nip, make_statement
from sqlalchemy import text

from lrs.identifiers import agent_key
from lrs.statements.records import build_record, complete_statement
from lrs.statements.storing import save_statements
from lrs.storage.contract import StatementQuery
from lrs.storage.sql.statements import _page_select

AUTHORITY = {"objectType": "Agent", "account": {"homePage": "https://hub.test", "name": "p"}}


@pytest.fixture
def loaded(storage):
    rng = random.Random(7)
    agents = [make_agent(make_nip(rng)) for _ in range(300)]
    activities = [make_activity(f"kelas-{n}") for n in range(150)]
    registrations = [str(uuid.uuid4()) for _ in range(1000)]
    now = datetime.now(UTC)
    for _ in range(10):
        batch = []
        for _ in range(500):
            statement = make_statement(
                verb=rng.choice(list(VERBS)[:5]), actor=rng.choice(agents),
                object=rng.choice(activities), id=str(uuid.uuid4()))
            statement["context"]["registration"] = rng.choice(registrations)
            full = complete_statement(statement, version="1.0.3", stored=now, authority=AUTHORITY)
            batch.append(build_record(full, received=statement, stored=now,
                                      attachment_hashes=(), learn_definitions=False))
        save_statements(storage, batch)
    with storage.engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    return {"agent": agent_key(agents[0]), "activity": activities[0]["id"],
            "registration": registrations[0], "verb": VERBS["passed"]}


def plan(storage, *filters, ascending=False) -> str:
    query = StatementQuery(filters=filters, limit=100, ascending=ascending)
    compiled = _page_select(query, ceiling=10**9).compile(
        storage.engine, compile_kwargs={"literal_binds": True})
    with storage.engine.connect() as conn:
        rows = conn.execute(text(f"EXPLAIN {compiled}")).scalars().all()
    return "\n".join(rows)


def sorted_rows(explained: str) -> list[int]:
    """Estimated rows fed into each Sort node of the plan."""
    return [int(m) for m in re.findall(r"Sort  \(cost=[\d.]+ rows=(\d+)", explained)]


@pytest.mark.parametrize("engine", ["postgresql"])
def test_every_filter_is_an_index_range_scan_that_never_sorts_a_large_set(storage, loaded):
    cases = {kind: ((kind, loaded[kind]),) for kind in ("agent", "verb", "activity",
                                                        "registration")}
    cases["agent+verb"] = (("agent", loaded["agent"]), ("verb", loaded["verb"]))
    for name, filters in cases.items():
        for ascending in (False, True):
            explained = plan(storage, *filters, ascending=ascending)
            assert "pk_statement_index" in explained, f"{name}:\n{explained}"
            assert "Seq Scan" not in explained, f"{name}:\n{explained}"
            # A sort is fine only over the few rows a very selective filter finds.
            assert all(rows <= 100 for rows in sorted_rows(explained)), f"{name}:\n{explained}"
