"""What a partner sends comes back as sent, on every engine — also the keys MongoDB treats
specially (`$`-prefixed and dotted field names: xAPI extension keys are IRIs) — and
concurrent batches that teach the same new activity are all stored (on MongoDB they
conflict on that activity and the later batch is run again)."""

from __future__ import annotations

import json
import uuid

from concurrently import statuses_at_once
from factories import make_activity, make_statement

URL = "/xapi/statements"

ODD_EXTENSIONS = {
    "http://example.com/x.y": {"a.b.c": 1, "$where": "sleep(1000)", "$set": {"$inc": 2}},
    "https://hub.test/ext/$id": ["$", ".", "..", "a..b", "$.$"],
    "http://example.com/ünïcødé/键": {"定义.type": "ok", "": "empty key"},
    "http://example.com/numbers": {"big": 12345678901234567890, "float": 0.1, "neg": -0.0},
}


def odd_statement() -> dict:
    activity = make_activity("odd-keys")
    activity["definition"]["extensions"] = {"http://example.com/def.type": {"definition.type": "x"},
                                            "https://hub.test/$ref": "#/not/a/pointer"}
    return make_statement(
        id=str(uuid.uuid4()), object=activity,
        result={"completion": True, "extensions": ODD_EXTENSIONS},
        context={"extensions": {"http://example.com/ctx.v1": {"$gt": "", "a.b": None}}})


def test_dollar_and_dotted_keys_round_trip_exactly(client, xapi):
    sent = odd_statement()
    response = client.post(URL, data=json.dumps(sent), content_type="application/json",
                           headers=xapi())
    assert response.status_code == 200, response.json
    got = client.get(URL, query_string={"statementId": sent["id"]}, headers=xapi())
    assert got.status_code == 200
    stored = json.loads(got.get_data())  # exact integers, not floats
    for part in ("result", "context"):
        assert stored[part] == sent[part]
        assert json.dumps(stored[part]) == json.dumps(sent[part])  # same key order too
    assert stored["object"]["definition"]["extensions"] == \
        sent["object"]["definition"]["extensions"]


def test_odd_keys_come_back_in_queries_and_activity_definitions(client, xapi):
    sent = odd_statement()
    client.post(URL, data=json.dumps(sent), content_type="application/json", headers=xapi())
    page = client.get(URL, query_string={"activity": sent["object"]["id"]}, headers=xapi())
    [found] = page.json["statements"]
    assert found["result"]["extensions"] == ODD_EXTENSIONS
    activity = client.get("/xapi/activities", query_string={"activityId": sent["object"]["id"]},
                          headers=xapi())
    assert activity.json["definition"]["extensions"]["http://example.com/def.type"] == \
        {"definition.type": "x"}


def test_concurrent_batches_teaching_one_new_activity_are_all_stored(app, client, xapi):
    headers = xapi()
    batches = []
    for language in ("id-ID", "en-US", "jv-ID", "su-ID"):
        activity = make_activity("taught-at-once")
        activity["definition"]["name"] = {language: f"Kelas ({language})"}
        batches.append([make_statement(id=str(uuid.uuid4()), object=activity)
                        for _ in range(5)])

    def sender(batch):
        return lambda c: c.post(URL, data=json.dumps(batch), content_type="application/json",
                                headers=headers)

    assert statuses_at_once(app, [sender(batch) for batch in batches]) == [200] * 4
    for batch in batches:
        for statement in batch:
            got = client.get(URL, query_string={"statementId": statement["id"]},
                             headers=headers)
            assert got.status_code == 200
    activity = client.get("/xapi/activities", headers=headers,
                          query_string={"activityId": batches[0][0]["object"]["id"]})
    assert sorted(activity.json["definition"]["name"]) == ["en-US", "id-ID", "jv-ID", "su-ID"]
