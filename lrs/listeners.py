"""In-process listeners handed the statements that were newly stored, after commit.

A listener gets the full statements as stored (ids, `stored`, `authority` filled in),
so it need not read them back; what it must not miss it reads from the feed
(`lrs.service.statements_after`) with its own durable cursor.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app

log = logging.getLogger(__name__)

StatementsListener = Callable[[list[dict[str, Any]]], None]
_LISTENERS = "lrs.statement_listeners"


def add_statements_listener(app: Flask, listener: StatementsListener) -> None:
    app.extensions.setdefault(_LISTENERS, []).append(listener)


def notify_stored(statements: list[dict[str, Any]]) -> None:
    for listener in current_app.extensions.get(_LISTENERS, ()):
        try:
            listener(statements)
        except Exception:  # the statements are stored; a listener must not undo that
            log.exception("statement listener %r failed", listener)
