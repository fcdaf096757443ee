"""Strict JSON for everything the LRS stores (hub.json_input), at this hub's nesting limit."""

from __future__ import annotations

from typing import Any

from flask import current_app, has_app_context

from hub import json_input


def max_json_depth() -> int:
    settings = current_app.extensions.get("hub.settings") if has_app_context() else None
    return settings.max_json_depth if settings else json_input.DEFAULT_MAX_DEPTH


def parse_json(raw: bytes | str) -> Any:
    """Parse JSON or raise `hub.json_input.JSONInputError` (a ValueError with a pointer)."""
    return json_input.parse_json(raw, max_depth=max_json_depth())
