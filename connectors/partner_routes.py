"""Admin API routes forwarding destinations and pulling sources share:
`POST /<collection>` registers one (201, Location); `GET|PUT|DELETE /<collection>/<noun>_id>`
shows one with its position, replaces its registration, or removes it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from connectors.storage.contract import Destination, Source

Partner = TypeVar("Partner", Destination, Source)
Position = TypeVar("Position")


def add_partner_routes(blueprint: Blueprint, collection: str, noun: str, *,
                       add: Callable[[Any], Partner], get: Callable[[str], Partner],
                       position: Callable[[str], Position],
                       update: Callable[[Partner], Partner], remove: Callable[[str], None],
                       parse: Callable[[Any, str], Partner],
                       render: Callable[[Partner, Position], dict[str, Any]]) -> None:
    """The routes' endpoints are `add_<noun>`, `get_<noun>`, `put_<noun>` and
    `delete_<noun>`.  `add(json)` parses a request body and registers it, `parse(json, id)`
    parses one as the registration of `id` (both a 400 naming the field); `get`, `update`
    and `remove` are the registration functions (a 404 for an unknown id), `position` the
    partner's delivery or pulling state, `render` the JSON of both."""
    variable = f"{noun}_id"

    def add_one() -> ResponseReturnValue:
        added = add(request.get_json(silent=True))
        location = f"{blueprint.url_prefix}/{collection}/{added.id}"
        return jsonify(render(added, position(added.id))), 201, {"Location": location}

    def get_one(**path: str) -> ResponseReturnValue:
        partner_id = path[variable]
        return jsonify(render(get(partner_id), position(partner_id)))

    def put_one(**path: str) -> ResponseReturnValue:
        partner_id = path[variable]
        updated = update(parse(request.get_json(silent=True), partner_id))
        return jsonify(render(updated, position(partner_id)))

    def delete_one(**path: str) -> ResponseReturnValue:
        remove(path[variable])
        return "", 204

    blueprint.add_url_rule(f"/{collection}", f"add_{noun}", add_one, methods=["POST"])
    rule = f"/{collection}/<{variable}>"
    for method, view in (("GET", get_one), ("PUT", put_one), ("DELETE", delete_one)):
        blueprint.add_url_rule(rule, f"{method.lower()}_{noun}", view, methods=[method])
