"""What other features give the connectors (ports they fill from their `init_app`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, current_app

AgencyLookup = Callable[[dict[str, Any]], "str | None"]  # an actor → its agency code
AGENCY_LOOKUP = "connectors.agency_lookup"


def set_agency_lookup(app: Flask, lookup: AgencyLookup) -> None:
    """Which agency an actor belongs to (transcripts' registry), for agency filters."""
    app.extensions[AGENCY_LOOKUP] = lookup


def agency_of(actor: dict[str, Any]) -> str | None:
    lookup: AgencyLookup | None = current_app.extensions.get(AGENCY_LOOKUP)
    return lookup(actor) if lookup else None
