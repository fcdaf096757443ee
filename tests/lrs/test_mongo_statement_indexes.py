"""On MongoDB every statement query shape walks an index (issue 17.2): the find() the
store issues for a page (`page_cursor`), explained, shows an IXSCAN and no COLLSCAN."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from factories import make_activity, make_agent, make_statement

from lrs.storage.contract import StatementQuery

pytestmark = pytest.mark.parametrize("engine", ["mongodb"])


def stages(plan: dict) -> list[str]:
    found = [plan.get("stage", "")]
    for key in ("inputStage", "outerStage", "innerStage"):
        if key in plan:
            found += stages(plan[key])
    for child in plan.get("inputStages", []):
        found += stages(child)
    return found


@pytest.fixture
def loaded(client, xapi, storage):
    headers = xapi()
    registrations = [str(uuid.uuid4()) for _ in range(5)]
    for batch in range(20):
        statements = [make_statement(
            "completed" if n % 2 else "attempted",
            id=str(uuid.uuid4()),
            actor=make_agent(f"peserta{(batch * 50 + n) % 40}@example.go.id"),
            object=make_activity(f"kelas-{n % 17}"),
            context={"registration": registrations[n % 5]}) for n in range(50)]
        response = client.post("/xapi/statements", data=json.dumps(statements),
                               content_type="application/json", headers=headers)
        assert response.status_code == 200, response.json
    sample = storage.database["statements"].find_one({})
    entries = dict(value.split("\u0000", 1) for value in reversed(sample["index"]))
    return storage.statements, entries


@pytest.mark.parametrize("shape", ["agent", "verb", "activity", "registration",
                                   "related_activity", "agent+verb", "since", "since+agent"])
def test_every_query_shape_walks_an_index(loaded, shape):
    store, entries = loaded
    filters = tuple((kind, entries[kind]) for kind in shape.split("+") if kind != "since")
    since = datetime.now(UTC) - timedelta(hours=1) if "since" in shape else None
    query = StatementQuery(filters=filters, since=since, limit=10)
    ceiling = store.max_statement_seq()
    plan = store.page_cursor(query, ceiling).explain()["queryPlanner"]["winningPlan"]
    walked = stages(plan)
    assert "IXSCAN" in walked, plan
    assert "COLLSCAN" not in walked, plan
    assert store.query_statements(query).statements  # and the shape finds statements
