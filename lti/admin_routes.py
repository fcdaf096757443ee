"""Admin API routes both LTI roles share: `POST <item>/disable` and `POST <item>/enable`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from hub.auth import scope_required
from hub.errors import NotFound

T = TypeVar("T")


def add_switch_routes(blueprint: Blueprint, item_rule: str, noun: str, *,
                      switch: Callable[[int, bool], T], render: Callable[[T], Any],
                      describe: Callable[[T], str], log: logging.Logger) -> None:
    """`item_rule` has one integer variable (e.g. `/tools/<int:tool_id>`, named as the
    role's other routes name it); `switch(item_id, enabled)` raises LookupError for an
    unknown item, `render` is the item's JSON, `describe` names it in the log."""

    def respond(item_id: int, enabled: bool) -> ResponseReturnValue:
        try:
            item = switch(item_id, enabled)
        except LookupError as exc:
            raise NotFound(str(exc)) from None
        log.warning("%s %s over the admin API", describe(item),
                    "enabled" if enabled else "disabled")
        return jsonify(render(item))

    for action, enabled in (("disable", False), ("enable", True)):
        def view(enabled: bool = enabled, **path: int) -> ResponseReturnValue:
            (item_id,) = path.values()
            return respond(item_id, enabled)
        blueprint.add_url_rule(f"{item_rule}/{action}", f"{action}_{noun}",
                               scope_required("admin")(view), methods=["POST"])
