"""The xAPI Learning Record Store: one blueprint per resource under /xapi/."""

from __future__ import annotations

from flask import Blueprint

XAPI_REQUEST_HEADERS = [
    "Authorization", "Content-Type", "X-Experience-API-Version", "If-Match", "If-None-Match",
    "Accept-Language", "X-Request-ID",
]
XAPI_EXPOSED_HEADERS = [
    "X-Experience-API-Version", "X-Experience-API-Consistent-Through", "ETag", "Last-Modified",
    "Location", "X-Request-ID",
]


def blueprints() -> list[Blueprint]:
    from lrs import about, activities, activity_profile, agent_profile, agents, state, statements

    return [
        about.blueprint,
        statements.blueprint,
        state.blueprint,
        activity_profile.blueprint,
        agent_profile.blueprint,
        activities.blueprint,
        agents.blueprint,
    ]
