"""Admin API of the platform role (scope `admin`): partner tool registrations, catalogue
placements, content picker URLs (Deep Linking) and the platform keys."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, jsonify, request

from hub.auth import require_scope, scope_required
from hub.errors import BadRequest, NotFound
from hub.inputs import parse_body
from hub.settings import current_settings
from lti.admin_routes import add_switch_routes
from lti.keys import public_jwks
from lti.platform.deep_linking import picker_url
from lti.platform.inputs import PlacementBody, ToolChanges, ToolRegistration
from lti.platform.storage import stores as platform_stores
from lti.platform.storage.contract import PartnerTool
from lti.platform.tools import (
    NewPlacement,
    NewTool,
    edit_tool,
    place_entry,
    placement_json,
    platform_urls,
    register_tool,
    set_tool_enabled,
    tool_json,
)
from lti.tool.registration import InvalidRegistration
from lti.tool.storage import stores as tool_stores

log = logging.getLogger(__name__)
blueprint = Blueprint("lti_platform_admin", __name__, url_prefix="/api/admin/lti/platform")

def _json() -> Any:
    return request.get_json(silent=True)


def _invalid(exc: InvalidRegistration) -> BadRequest:
    return BadRequest(f"{exc.field} {exc.message}", pointer=f"/{exc.field}")


def _tool(tool_id: int) -> PartnerTool:
    tool = platform_stores().lti_platform_tools.get_tool(tool_id)
    if tool is None:
        raise NotFound(f"no partner tool {tool_id}")
    return tool


def _registered(tool: PartnerTool) -> dict[str, Any]:
    return {**tool_json(tool), "platform": platform_urls(current_settings().public_url)}


@blueprint.get("/configuration")
@scope_required("admin")
def configuration():
    return jsonify(platform_urls(current_settings().public_url))


@blueprint.get("/tools")
@scope_required("admin")
def list_tools():
    return jsonify({"tools": [tool_json(t)
                              for t in platform_stores().lti_platform_tools.list_tools()]})


@blueprint.get("/tools/<int:tool_id>")
@scope_required("admin")
def get_tool(tool_id: int):
    return jsonify(_registered(_tool(tool_id)))


@blueprint.post("/tools")
@scope_required("admin")
def create_tool():
    body = parse_body(ToolRegistration, _json())
    try:
        tool = register_tool(platform_stores().lti_platform_tools, NewTool(
            name=body.name, organisation=body.organisation, login_url=body.login_url,
            target_link_uri=body.target_link_uri, jwks_url=body.jwks_url,
            redirect_uris=tuple(body.redirect_uris), deep_linking_url=body.deep_linking_url,
            custom=body.custom, services=tuple(body.services),
            personal_data=tuple(body.personal_data)))
    except InvalidRegistration as exc:
        raise _invalid(exc) from None
    log.info("partner tool %s (%s) registered over the admin API", tool.id, tool.name)
    return jsonify(_registered(tool)), 201


@blueprint.patch("/tools/<int:tool_id>")
@scope_required("admin")
def update_tool(tool_id: int):
    """Change the fields given (the client id and deployment id: never)."""
    changes = parse_body(ToolChanges, _json()).changes()
    try:
        tool = edit_tool(platform_stores().lti_platform_tools, tool_id, changes)
    except LookupError as exc:
        raise NotFound(str(exc)) from None
    except InvalidRegistration as exc:
        raise _invalid(exc) from None
    log.info("partner tool %s (%s) edited over the admin API: %s", tool.id, tool.name,
             ", ".join(sorted(changes)))
    return jsonify(_registered(tool))


add_switch_routes(
    blueprint, "/tools/<int:tool_id>", "tool",
    switch=lambda item_id, enabled: set_tool_enabled(platform_stores().lti_platform_tools,
                                                     item_id, enabled),
    render=_registered, describe=lambda t: f"partner tool {t.id} ({t.name})", log=log)


@blueprint.get("/placements")
@scope_required("admin")
def list_placements():
    return jsonify({"placements": [placement_json(p) for p in
                                   platform_stores().lti_platform_tools.list_placements()]})


@blueprint.post("/placements")
@scope_required("admin")
def create_placement():
    body = parse_body(PlacementBody, _json())
    new = NewPlacement(catalogue_id=body.catalogue_id, tool_id=body.tool_id, url=body.url,
                       custom=body.custom, lesson_hours=body.lesson_hours,
                       passing_score=body.passing_score)
    try:
        placement = place_entry(platform_stores().lti_platform_tools,
                                tool_stores().lti_catalogue, new)
    except InvalidRegistration as exc:
        raise _invalid(exc) from None
    except LookupError as exc:
        raise NotFound(str(exc)) from None
    return jsonify(placement_json(placement)), 201


@blueprint.post("/tools/<int:tool_id>/deep-link")
def open_content_picker(tool_id: int):
    credential = require_scope("admin")
    try:
        url = picker_url(_tool(tool_id), credential.key, credential.name)
    except LookupError as exc:
        raise BadRequest(str(exc), pointer="/deep_linking_url") from None
    return jsonify({"url": url}), 201, {"Cache-Control": "no-store"}


@blueprint.get("/keys")
@scope_required("admin")
def list_keys():
    return jsonify(public_jwks(platform_stores().lti_platform_keys))
