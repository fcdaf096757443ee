"""Admin API of the platform role (scope `admin`): partner tool registrations, catalogue
placements, content picker URLs (Deep Linking) and the platform keys."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, jsonify, request

from hub.auth import require_scope, scope_required
from hub.errors import BadRequest, NotFound
from hub.settings import current_settings
from hub.storage import current_storage
from lti.keys import public_jwks
from lti.platform.deep_linking import picker_url
from lti.platform.storage import stores as platform_stores
from lti.platform.storage.contract import PartnerTool
from lti.platform.tools import (
    EDITABLE_TOOL_FIELDS,
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

log = logging.getLogger(__name__)
blueprint = Blueprint("lti_platform_admin", __name__, url_prefix="/api/admin/lti/platform")

TOOL_FIELDS = ("name", "organisation", "login_url", "target_link_uri", "redirect_uris",
               "jwks_url", "deep_linking_url", "custom", "services", "personal_data")
PLACEMENT_FIELDS = ("catalogue_id", "tool_id", "url", "custom", "lesson_hours",
                    "passing_score")


def _body(allowed: tuple[str, ...]) -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object (Content-Type: application/json)",
                         pointer="")
    for name in body:
        if name not in allowed:
            raise BadRequest(f"unknown field {name!r}; expected {', '.join(allowed)}",
                             pointer=f"/{name}")
    return body


def _strings(body: dict[str, Any], name: str) -> tuple[str, ...]:
    value = body.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadRequest(f"{name} must be an array of strings", pointer=f"/{name}")
    return tuple(value)


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
    body = _body(TOOL_FIELDS)
    for name in ("name", "organisation", "login_url", "target_link_uri", "jwks_url"):
        if not isinstance(body.get(name), str):
            raise BadRequest(f"{name} is required and must be a string", pointer=f"/{name}")
    if body.get("deep_linking_url") is not None and not isinstance(body["deep_linking_url"],
                                                                    str):
        raise BadRequest("deep_linking_url must be a string", pointer="/deep_linking_url")
    custom = body.get("custom", {})
    if not isinstance(custom, dict):
        raise BadRequest("custom must be an object of strings", pointer="/custom")
    try:
        tool = register_tool(platform_stores().lti_platform_tools, NewTool(
            name=body["name"], organisation=body["organisation"], login_url=body["login_url"],
            target_link_uri=body["target_link_uri"], jwks_url=body["jwks_url"],
            redirect_uris=_strings(body, "redirect_uris"),
            deep_linking_url=body.get("deep_linking_url"), custom=custom,
            services=_strings(body, "services"),
            personal_data=_strings(body, "personal_data")))
    except InvalidRegistration as exc:
        raise _invalid(exc) from None
    log.info("partner tool %s (%s) registered over the admin API", tool.id, tool.name)
    return jsonify(_registered(tool)), 201


def _tool_changes(body: dict[str, Any]) -> dict[str, Any]:
    """The JSON types of a PATCH body; the values are checked as at registration."""
    for name, value in body.items():
        if name in ("redirect_uris", "services", "personal_data"):
            body[name] = _strings(body, name)
        elif name == "custom":
            if not isinstance(value, dict):
                raise BadRequest("custom must be an object of strings", pointer="/custom")
        elif name == "deep_linking_url":
            if value is not None and not isinstance(value, str):
                raise BadRequest("deep_linking_url must be a string or null",
                                 pointer="/deep_linking_url")
        elif name in EDITABLE_TOOL_FIELDS and not isinstance(value, str):
            raise BadRequest(f"{name} must be a string", pointer=f"/{name}")
    return body


@blueprint.patch("/tools/<int:tool_id>")
@scope_required("admin")
def update_tool(tool_id: int):
    """Change the fields given (the client id and deployment id: never)."""
    changes = _tool_changes(_body(("client_id", "deployment_id", *EDITABLE_TOOL_FIELDS)))
    try:
        tool = edit_tool(platform_stores().lti_platform_tools, tool_id, changes)
    except LookupError as exc:
        raise NotFound(str(exc)) from None
    except InvalidRegistration as exc:
        raise _invalid(exc) from None
    log.info("partner tool %s (%s) edited over the admin API: %s", tool.id, tool.name,
             ", ".join(sorted(changes)))
    return jsonify(_registered(tool))


@blueprint.post("/tools/<int:tool_id>/disable")
@scope_required("admin")
def disable_tool(tool_id: int):
    return _set_enabled(tool_id, False)


@blueprint.post("/tools/<int:tool_id>/enable")
@scope_required("admin")
def enable_tool(tool_id: int):
    return _set_enabled(tool_id, True)


def _set_enabled(tool_id: int, enabled: bool):
    try:
        tool = set_tool_enabled(platform_stores().lti_platform_tools, tool_id, enabled)
    except LookupError as exc:
        raise NotFound(str(exc)) from None
    log.warning("partner tool %s (%s) %s over the admin API", tool.id, tool.name,
                "enabled" if enabled else "disabled")
    return jsonify(_registered(tool))


@blueprint.get("/placements")
@scope_required("admin")
def list_placements():
    return jsonify({"placements": [placement_json(p) for p in
                                   platform_stores().lti_platform_tools.list_placements()]})


@blueprint.post("/placements")
@scope_required("admin")
def create_placement():
    body = _body(PLACEMENT_FIELDS)
    if not isinstance(body.get("catalogue_id"), str):
        raise BadRequest("catalogue_id is required", pointer="/catalogue_id")
    if isinstance(body.get("tool_id"), bool) or not isinstance(body.get("tool_id"), int):
        raise BadRequest("tool_id is required and must be a number", pointer="/tool_id")
    for name in ("lesson_hours", "passing_score"):
        value = body.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise BadRequest(f"{name} must be a number", pointer=f"/{name}")
    if body.get("url") is not None and not isinstance(body["url"], str):
        raise BadRequest("url must be a string", pointer="/url")
    storage = current_storage()
    try:
        placement = place_entry(storage.lti_platform_tools, storage.lti_catalogue, NewPlacement(
            catalogue_id=body["catalogue_id"], tool_id=body["tool_id"], url=body.get("url"),
            custom=body.get("custom", {}), lesson_hours=body.get("lesson_hours"),
            passing_score=body.get("passing_score")))
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
