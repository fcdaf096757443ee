"""In-process listeners told which statements were newly stored, after commit."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask, current_app

log = logging.getLogger(__name__)

StatementsListener = Callable[[list[str]], None]
_LISTENERS = "lrs.statement_listeners"


def add_statements_listener(app: Flask, listener: StatementsListener) -> None:
    app.extensions.setdefault(_LISTENERS, []).append(listener)


def notify_stored(statement_ids: list[str]) -> None:
    for listener in current_app.extensions.get(_LISTENERS, ()):
        try:
            listener(statement_ids)
        except Exception:  # the statements are stored; a listener must not undo that
            log.exception("statement listener %r failed", listener)
