"""xAPI durability: an acknowledged statement survives `kill -9` of the server.

A real gunicorn process takes statements from several client threads; the whole
process group is SIGKILLed mid-stream; a new server must return every statement
that had been acknowledged with 200/204."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
import requests
from factories import make_statement
from live_server import LiveHub

from hub.app import open_hub_storage
from hub.auth import issue_credential

pytestmark = pytest.mark.slow


def partner_headers(database_url: str) -> dict:
    storage = open_hub_storage(database_url)
    issued = issue_credential(storage.credentials, name="Durability", owner="Test",
                              scopes=["all"], authority_home_page="https://hub.test/partners")
    storage.dispose()
    return {"X-Experience-API-Version": "1.0.3"}, (issued.credential.key, issued.secret)


def test_acknowledged_statements_survive_kill_9(database_url):
    headers, auth = partner_headers(database_url)
    acknowledged: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def client(use_put: bool) -> None:
        session = requests.Session()
        deadline = time.monotonic() + 20
        while not stop.is_set() and time.monotonic() < deadline:
            statement_id = str(uuid.uuid4())
            try:
                if use_put:
                    response = session.put(f"{hub.url}/xapi/statements",
                                           params={"statementId": statement_id},
                                           json=make_statement(), headers=headers, auth=auth,
                                           timeout=5)
                else:
                    response = session.post(f"{hub.url}/xapi/statements",
                                            json=[make_statement(id=statement_id)],
                                            headers=headers, auth=auth, timeout=5)
            except requests.RequestException:
                return  # the server is gone: whatever was not acknowledged may be lost
            if response.status_code in (200, 204):
                with lock:
                    acknowledged.append(statement_id)

    with LiveHub(database_url) as hub:
        threads = [threading.Thread(target=client, args=(i % 2 == 0,)) for i in range(4)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 15
        while len(acknowledged) < 60 and time.monotonic() < deadline:
            time.sleep(0.02)
        hub.kill()  # while the clients are still sending
        stop.set()
        for thread in threads:
            thread.join(timeout=10)

    assert len(acknowledged) >= 60, "the server acknowledged too few statements to judge"
    with LiveHub(database_url) as restarted:
        session = requests.Session()
        missing = [statement_id for statement_id in acknowledged
                   if session.get(f"{restarted.url}/xapi/statements",
                                  params={"statementId": statement_id}, headers=headers,
                                  auth=auth, timeout=5).status_code != 200]
    assert missing == []
