"""Requests released at the same instant, each on its own test client and thread, for
the tests that prove a race has exactly one winner or loses nothing."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

Request = Callable[[FlaskClient], TestResponse]


def statuses_at_once(app: Flask, requests: Sequence[Request]) -> list[int]:
    """Status codes in the order of `requests`."""
    barrier = threading.Barrier(len(requests))
    statuses: list[int] = [0] * len(requests)

    def send(index: int) -> None:
        client = app.test_client()
        barrier.wait()
        statuses[index] = requests[index](client).status_code

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses
