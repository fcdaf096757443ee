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
from hub.inputs import parse_body, parse_query
from hub.settings import current_settings
from hub.storage.contract import AlreadyExists
from lti.admin_routes import add_switch_routes
from lti.keys import public_jwks
from lti.tool.inputs import (
    CatalogueEntryBody,
    CatalogueQuery,
    GradeJobsQuery,
    InviteRequest,
    NewDeployment,
    PlatformChanges,
    PlatformRegistration,
)
from lti.tool.registration import (
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



def _json() -> Any:
    return request.get_json(silent=True)


def _invalid(exc: InvalidRegistration) -> BadRequest:
    return BadRequest(f"{exc.field} {exc.message}", pointer=f"/{exc.field}")


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
    body = parse_body(PlatformRegistration, _json())
    try:
        platform = register_platform(tool_stores().lti_platforms, NewPlatform(
            issuer=body.issuer, client_id=body.client_id, name=body.name,
            auth_login_url=body.auth_login_url, token_url=body.token_url,
            jwks_url=body.jwks_url, deployment_ids=tuple(body.deployment_ids),
            auth_audience=body.auth_audience))
    except InvalidRegistration as exc:
        raise _invalid(exc) from None
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


@blueprint.get("/platforms/<int:platform_id>")
@scope_required("admin")
def get_platform(platform_id: int):
    return jsonify(platform_json(_platform(platform_id)))


@blueprint.patch("/platforms/<int:platform_id>")
@scope_required("admin")
def update_platform(platform_id: int):
    """Change the fields given (the issuer is the platform's identity: never)."""
    changes = parse_body(PlatformChanges, _json()).changes()
    try:
        platform = edit_platform(tool_stores().lti_platforms, platform_id, changes)
    except LookupError as exc:
        raise NotFound(str(exc)) from None
    except InvalidRegistration as exc:
        raise _invalid(exc) from None
    except AlreadyExists:
        raise Conflict("another registration has this issuer and client id") from None
    log.info("LTI platform %s (%s) edited over the admin API: %s", platform.id,
             platform.issuer, ", ".join(sorted(changes)))
    return jsonify(platform_json(platform))


add_switch_routes(
    blueprint, "/platforms/<int:platform_id>", "platform",
    switch=lambda item_id, enabled: set_platform_enabled(tool_stores().lti_platforms,
                                                         item_id, enabled),
    render=platform_json, describe=lambda p: f"LTI platform {p.id} ({p.issuer})", log=log)


@blueprint.post("/platforms/<int:platform_id>/deployments")
@scope_required("admin")
def add_deployment(platform_id: int):
    _platform(platform_id)
    deployment_id = parse_body(NewDeployment, _json()).deployment_id
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
    invite = parse_body(InviteRequest, _json()) if request.data else InviteRequest()
    url = create_invite(tool_stores().lti_platforms, invite.note,
                        current_settings().public_url)
    return jsonify({"registration_url": url}), 201, {"Cache-Control": "no-store"}


@blueprint.get("/catalogue")
@scope_required("admin")
def list_catalogue():
    query = parse_query(CatalogueQuery, request.args)
    entries = tool_stores().lti_catalogue.search_entries(query.q, 1000)
    return jsonify({"entries": [entry_json(e) for e in entries]})


@blueprint.post("/catalogue")
@scope_required("admin")
def create_catalogue_entry():
    body = parse_body(CatalogueEntryBody, _json())
    try:
        entry = add_catalogue_entry(tool_stores().lti_catalogue, NewEntry(
            id=body.id, title=body.title, description=body.description,
            activity_id=body.activity_id, launch_url=body.launch_url,
            keywords=body.keywords, graded=body.graded, score_maximum=body.score_maximum))
    except InvalidRegistration as exc:
        raise _invalid(exc) from None
    except AlreadyExists:
        raise Conflict(f"catalogue entry {body.id!r} already exists") from None
    return jsonify(entry_json(entry)), 201


@blueprint.get("/keys")
@scope_required("admin")
def list_keys():
    return jsonify(public_jwks(tool_stores().lti_keys))


@blueprint.get("/grade-jobs")
@scope_required("admin")
def list_grade_jobs():
    jobs = tool_stores().lti_grades.list_jobs(parse_query(GradeJobsQuery, request.args).status)
    return jsonify({"jobs": [{**asdict(j), "created_at": j.created_at.isoformat(),
                              "next_attempt_at": j.next_attempt_at.isoformat(),
                              "done_at": j.done_at.isoformat() if j.done_at else None}
                             for j in jobs]})
