"""The xAPI Learning Record Store: one blueprint per resource under /xapi/."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Blueprint, Flask

if TYPE_CHECKING:
    from hub.storage.contract import StorageSlice

XAPI_REQUEST_HEADERS = [
    "Authorization", "Content-Type", "X-Experience-API-Version", "If-Match", "If-None-Match",
    "Accept-Language", "X-Request-ID",
]
XAPI_EXPOSED_HEADERS = [
    "X-Experience-API-Version", "X-Experience-API-Consistent-Through", "ETag", "Last-Modified",
    "Location", "X-Request-ID",
]


def init_app(app: Flask) -> None:
    """The statement validator, the request rewriting xAPI asks for (alternate syntax,
    cache busters), version negotiation, CORS on /xapi and the resources' blueprints.
    Its before_request hooks must run before the hub's guards (hub.app orders them)."""
    from flask_cors import CORS

    from lrs.alternate import init_alternate_syntax
    from lrs.cache_buster import init_cache_buster
    from lrs.validation import StatementValidator
    from lrs.versioning import init_versioning

    for slice_ in storage_slices():
        app.extensions["hub.storage"].install(slice_)
    app.extensions["lrs.validator"] = StatementValidator()  # schemas compiled once, here
    init_cache_buster(app)  # inside the alternate syntax: sees the rewritten GET
    init_alternate_syntax(app)  # rewrites ?method= requests before versioning reads headers
    init_versioning(app)
    for blueprint in blueprints():
        app.register_blueprint(blueprint)
    origins = list(app.extensions["hub.settings"].cors_origins)
    CORS(app, resources={r"/xapi/*": {"origins": origins}},
         allow_headers=XAPI_REQUEST_HEADERS, expose_headers=XAPI_EXPOSED_HEADERS,
         methods=["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"], max_age=600)


def storage_slices() -> tuple[StorageSlice, ...]:
    from lrs.storage import SLICE

    return (SLICE,)


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
