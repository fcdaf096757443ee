"""Admin API for the LTI tool (scope `admin`): platforms, deployments, registration
invites, the Deep Linking catalogue, the tool's keys and grade jobs."""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, jsonify, request

from hub.auth import scope_required
from hub.errors import BadRequest, Conflict, NotFound
from hub.settings import current_settings
from hub.storage.contract import AlreadyExists
from lti.keys import public_jwks
from lti.tool.registration import (
    EDITABLE_PLATFORM_FIELDS,
    InvalidRegistration,
    NewEntry,
    NewPlatform,
    add_catalogue_entry,
    create_invite,
    edit_platform,
    register_platform,
    set_platform_enabled,
    tool_urls,
)
from lti.tool.storage import stores as tool_stores
from lti.tool.storage.contract import CatalogueEntry, LtiPlatform

log = logging.getLogger(__name__)
blueprint = Blueprint("lti_admin", __name__, url_prefix="/api/admin/lti")

PLATFORM_FIELDS = ("issuer", "client_id", "name", "auth_login_url", "token_url", "jwks_url",
                   "deployment_ids", "auth_audience")
ENTRY_FIELDS = ("id", "title", "description", "activity_id", "launch_url", "keywords",
                "graded", "score_maximum")


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


def _text(body: dict[str, Any], name: str, *, required: bool = True) -> str:
    value = body.get(name, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise BadRequest(f"{name} is required and must be a non-empty string",
                         pointer=f"/{name}")
    return value


def platform_json(platform: LtiPlatform) -> dict[str, Any]:
    body = asdict(platform)
    body["deployment_ids"] = list(platform.deployment_ids)
    body["created_at"] = platform.created_at.isoformat()
    body["enabled"] = platform.enabled
    body["disabled_at"] = platform.disabled_at.isoformat() if platform.disabled_at else None
    return body


def entry_json(entry: CatalogueEntry) -> dict[str, Any]:
    return {**asdict(entry), "created_at": entry.created_at.isoformat()}


@blueprint.get("/tool")
@scope_required("admin")
def tool():
    return jsonify(tool_urls(current_settings().public_url))


@blueprint.get("/platforms")
@scope_required("admin")
def list_platforms():
    return jsonify({"platforms": [platform_json(p)
                                  for p in tool_stores().lti_platforms.list_platforms()]})


@blueprint.post("/platforms")
@scope_required("admin")
def create_platform():
    body = _body(PLATFORM_FIELDS)
    deployments = body.get("deployment_ids", [])
    if not isinstance(deployments, list):
        raise BadRequest("deployment_ids must be an array of strings", pointer="/deployment_ids")
    audience = body.get("auth_audience")
    if audience is not None and not isinstance(audience, str):
        raise BadRequest("auth_audience must be a string", pointer="/auth_audience")
    try:
        platform = register_platform(tool_stores().lti_platforms, NewPlatform(
            issuer=_text(body, "issuer"), client_id=_text(body, "client_id"),
            name=_text(body, "name", required=False),
            auth_login_url=_text(body, "auth_login_url"), token_url=_text(body, "token_url"),
            jwks_url=_text(body, "jwks_url"), deployment_ids=tuple(deployments),
            auth_audience=audience))
    except InvalidRegistration as exc:
        raise BadRequest(f"{exc.field} {exc.message}",
                         pointer=f"/{exc.field}") from None
    except AlreadyExists:
        raise Conflict("this issuer and client id are already registered") from None
    log.info("LTI platform %s (client %s) registered over the admin API", platform.issuer,
             platform.client_id)
    return jsonify(platform_json(platform)), 201


def _platform(platform_id: int) -> LtiPlatform:
    platform = tool_stores().lti_platforms.get_platform(platform_id)
    if platform is None:
        raise NotFound(f"no LTI platform {platform_id}")
    return platform


def _platform_changes(body: dict[str, Any]) -> dict[str, Any]:
    """The JSON types of a PATCH body; the values are checked as at registration."""
    for name, value in body.items():
        if name == "deployment_ids":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise BadRequest("deployment_ids must be an array of strings",
                                 pointer="/deployment_ids")
            body[name] = tuple(value)
        elif name == "auth_audience":
            if value is not None and not isinstance(value, str):
                raise BadRequest("auth_audience must be a string or null",
                                 pointer="/auth_audience")
        elif name != "issuer" and not isinstance(value, str):
            raise BadRequest(f"{name} must be a string", pointer=f"/{name}")
    return body


@blueprint.get("/platforms/<int:platform_id>")
@scope_required("admin")
def get_platform(platform_id: int):
    return jsonify(platform_json(_platform(platform_id)))


@blueprint.patch("/platforms/<int:platform_id>")
@scope_required("admin")
def update_platform(platform_id: int):
    """Change the fields given (the issuer is the platform's identity: never)."""
    changes = _platform_changes(_body(("issuer", *EDITABLE_PLATFORM_FIELDS)))
    try:
        platform = edit_platform(tool_stores().lti_platforms, platform_id, changes)
    except LookupError as exc:
        raise NotFound(str(exc)) from None
    except InvalidRegistration as exc:
        raise BadRequest(f"{exc.field} {exc.message}", pointer=f"/{exc.field}") from None
    except AlreadyExists:
        raise Conflict("another registration has this issuer and client id") from None
    log.info("LTI platform %s (%s) edited over the admin API: %s", platform.id,
             platform.issuer, ", ".join(sorted(changes)))
    return jsonify(platform_json(platform))


@blueprint.post("/platforms/<int:platform_id>/disable")
@scope_required("admin")
def disable_platform(platform_id: int):
    return _set_enabled(platform_id, False)


@blueprint.post("/platforms/<int:platform_id>/enable")
@scope_required("admin")
def enable_platform(platform_id: int):
    return _set_enabled(platform_id, True)


def _set_enabled(platform_id: int, enabled: bool):
    try:
        platform = set_platform_enabled(tool_stores().lti_platforms, platform_id, enabled)
    except LookupError as exc:
        raise NotFound(str(exc)) from None
    log.warning("LTI platform %s (%s) %s over the admin API", platform.id, platform.issuer,
                "enabled" if enabled else "disabled")
    return jsonify(platform_json(platform))


@blueprint.post("/platforms/<int:platform_id>/deployments")
@scope_required("admin")
def add_deployment(platform_id: int):
    _platform(platform_id)
    deployment_id = _text(_body(("deployment_id",)), "deployment_id")
    added = tool_stores().lti_platforms.add_deployment(platform_id, deployment_id,
                                                           datetime.now(UTC))
    return jsonify(platform_json(_platform(platform_id))), 201 if added else 200


@blueprint.delete("/platforms/<int:platform_id>/deployments/<path:deployment_id>")
@scope_required("admin")
def remove_deployment(platform_id: int, deployment_id: str):
    _platform(platform_id)
    if not tool_stores().lti_platforms.remove_deployment(platform_id, deployment_id):
        raise NotFound(f"no deployment {deployment_id!r} on platform {platform_id}")
    return "", 204


@blueprint.post("/registration-invites")
@scope_required("admin")
def create_registration_invite():
    body = _body(("note",)) if request.data else {}
    note = body.get("note", "")
    if not isinstance(note, str):
        raise BadRequest("note must be a string", pointer="/note")
    url = create_invite(tool_stores().lti_platforms, note, current_settings().public_url)
    return jsonify({"registration_url": url}), 201, {"Cache-Control": "no-store"}


@blueprint.get("/catalogue")
@scope_required("admin")
def list_catalogue():
    entries = tool_stores().lti_catalogue.search_entries(request.args.get("q", ""), 1000)
    return jsonify({"entries": [entry_json(e) for e in entries]})


@blueprint.post("/catalogue")
@scope_required("admin")
def create_catalogue_entry():
    body = _body(ENTRY_FIELDS)
    graded = body.get("graded", False)
    maximum = body.get("score_maximum")
    if not isinstance(graded, bool):
        raise BadRequest("graded must be true or false", pointer="/graded")
    if maximum is not None and (isinstance(maximum, bool)
                                or not isinstance(maximum, int | float)):
        raise BadRequest("score_maximum must be a number", pointer="/score_maximum")
    try:
        entry = add_catalogue_entry(tool_stores().lti_catalogue, NewEntry(
            id=_text(body, "id"), title=_text(body, "title"),
            description=_text(body, "description", required=False),
            activity_id=_text(body, "activity_id"), launch_url=_text(body, "launch_url"),
            keywords=_text(body, "keywords", required=False), graded=graded,
            score_maximum=float(maximum) if maximum is not None else None))
    except InvalidRegistration as exc:
        raise BadRequest(f"{exc.field} {exc.message}", pointer=f"/{exc.field}") from None
    except AlreadyExists:
        raise Conflict(f"catalogue entry {body['id']!r} already exists") from None
    return jsonify(entry_json(entry)), 201


@blueprint.get("/keys")
@scope_required("admin")
def list_keys():
    return jsonify(public_jwks(tool_stores().lti_keys))


@blueprint.get("/grade-jobs")
@scope_required("admin")
def list_grade_jobs():
    status = request.args.get("status")
    if status not in (None, "pending", "done", "failed"):
        raise BadRequest("status must be pending, done or failed", parameter="status")
    jobs = tool_stores().lti_grades.list_jobs(status)
    return jsonify({"jobs": [{**asdict(j), "created_at": j.created_at.isoformat(),
                              "next_attempt_at": j.next_attempt_at.isoformat(),
                              "done_at": j.done_at.isoformat() if j.done_at else None}
                             for j in jobs]})
