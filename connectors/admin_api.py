"""Administration of the connectors and the worker (scope `admin`).

    GET    /api/connectors/admin/worker                         workers; each loop's lag, last error
    GET    /api/connectors/admin/destinations                   forwarding destinations
    POST   /api/connectors/admin/destinations                   register one (201)
    GET|PUT|DELETE /api/connectors/admin/destinations/<id>      one, with its delivery position
    GET    /api/connectors/admin/dead-letters?destination=      statements a destination refused
    POST   /api/connectors/admin/destinations/<id>/dead-letters/resend   {"ids": [...]}?
    GET    /api/connectors/admin/sources                        pulling sources
    POST   /api/connectors/admin/sources                        register one (201)
    GET|PUT|DELETE /api/connectors/admin/sources/<id>           one, with its pulling position
    GET    /api/connectors/admin/sources/<id>/conflicts         statements not stored
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from connectors import forwarding, pulling
from connectors.inputs import (
    DeadLetterQuery,
    DestinationBody,
    PullConflictQuery,
    ResendBody,
    SourceBody,
)
from connectors.lrs_client import AuthFailed, Retry
from connectors.partner_routes import add_partner_routes
from connectors.status import status_json, worker_status
from connectors.storage import stores
from connectors.storage.contract import (
    DeadLetter,
    DeliveryState,
    Destination,
    PullConflict,
    PullState,
    RemoteAuth,
    Source,
)
from hub.auth import require_scope
from hub.errors import BadGateway
from hub.inputs import parse_body, parse_query

blueprint = Blueprint("connectors_admin_api", __name__, url_prefix="/api/connectors/admin")


@blueprint.before_request
def _admin_only() -> None:
    require_scope("admin")


def _when(value: Any) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def destination_json(destination: Destination, state: DeliveryState | None = None
                     ) -> dict[str, Any]:
    """A destination as the API shows it: never its secret."""
    rules = destination.filter
    body: dict[str, Any] = {
        "id": destination.id, "name": destination.name, "endpoint": destination.endpoint,
        "version": destination.version, "auth": auth_json(destination.auth),
        "filter": {"credentials": list(rules.credentials), "verbs": list(rules.verbs),
                   "activity_prefix": rules.activity_prefix, "agencies": list(rules.agencies)},
        "batch_size": destination.batch_size, "enabled": destination.enabled,
        "created_at": _when(destination.created_at), "updated_at": _when(destination.updated_at),
    }
    if state is not None:
        body["delivery"] = {"cursor": state.feed.cursor, "open_gaps": len(state.feed.gaps),
                            "delivered": state.delivered, "attempts": state.attempts,
                            "retry_at": _when(state.retry_at), "last_error": state.last_error}
    return body


def auth_json(auth: RemoteAuth) -> dict[str, Any]:
    return {"kind": auth.kind, "username": auth.username,
            **({"token_url": auth.token_url} if auth.token_url else {}),
            **({"scope": auth.scope} if auth.scope else {})}


def letter_json(letter: DeadLetter) -> dict[str, Any]:
    return {"id": letter.id, "destination": letter.destination_id,
            "statement_id": letter.statement_id, "status": letter.status,
            "answer": letter.answer, "failed_at": _when(letter.failed_at),
            "resent_at": _when(letter.resent_at)}


@blueprint.get("/worker")
def worker():
    return jsonify(status_json(worker_status()))


@blueprint.get("/destinations")
def list_destinations():
    return jsonify([destination_json(d) for d in stores().destinations.list_destinations()])


def _added_destination(body: Any) -> Destination:
    parsed = parse_body(DestinationBody, body)
    return forwarding.add_destination(parsed.destination(),
                                      from_start=parsed.start == "beginning")


def _destination_in(body: Any, destination_id: str) -> Destination:
    return parse_body(DestinationBody, body).destination(destination_id)


add_partner_routes(blueprint, "destinations", "destination", add=_added_destination,
                   get=forwarding.get_destination, position=forwarding.delivery_state,
                   update=forwarding.update_destination, remove=forwarding.remove_destination,
                   parse=_destination_in, render=destination_json)


@blueprint.get("/dead-letters")
def dead_letters():
    query = parse_query(DeadLetterQuery, request.args)
    found = stores().destinations.dead_letters(query.destination,
                                               include_resent=query.include_resent,
                                               limit=query.limit)
    return jsonify([letter_json(letter) for letter in found])


@blueprint.post("/destinations/<destination_id>/dead-letters/resend")
def resend(destination_id: str):
    body = parse_body(ResendBody, request.get_json(silent=True) or {})
    try:
        delivered, refused = forwarding.resend_dead_letters(destination_id, body.ids)
    except (Retry, AuthFailed) as failure:
        raise BadGateway(f"the destination did not take them: {failure.reason}") from None
    return jsonify({"delivered": delivered, "refused": refused})


# --- pulling sources ----------------------------------------------------------------------
def source_json(source: Source, state: PullState | None = None) -> dict[str, Any]:
    """A source as the API shows it: never its secret."""
    body: dict[str, Any] = {
        "id": source.id, "name": source.name, "endpoint": source.endpoint,
        "version": source.version, "auth": auth_json(source.auth),
        "credential": source.credential, "poll_seconds": source.poll_seconds,
        "page_limit": source.page_limit, "enabled": source.enabled,
        "start": _when(source.start) or "beginning", "poll": source.poll,
        "created_at": _when(source.created_at), "updated_at": _when(source.updated_at),
    }
    if state is not None:
        body["pulling"] = {"cursor": _when(state.cursor), "more": state.more,
                           "pulled": state.pulled, "polled_at": _when(state.polled_at),
                           "attempts": state.attempts, "retry_at": _when(state.retry_at),
                           "last_error": state.last_error}
    return body


def conflict_json(conflict: PullConflict) -> dict[str, Any]:
    return {"id": conflict.id, "source": conflict.source_id,
            "statement_id": conflict.statement_id, "kind": conflict.kind,
            "message": conflict.message, "noticed_at": _when(conflict.noticed_at),
            "statement": conflict.statement}


@blueprint.get("/sources")
def list_sources():
    return jsonify([source_json(s) for s in stores().sources.list_sources()])


def _added_source(body: Any) -> Source:
    return pulling.add_source(parse_body(SourceBody, body).source())


def _source_in(body: Any, source_id: str) -> Source:
    return parse_body(SourceBody, body).source(source_id)


add_partner_routes(blueprint, "sources", "source", add=_added_source,
                   get=pulling.get_source, position=pulling.pull_state,
                   update=pulling.update_source, remove=pulling.remove_source,
                   parse=_source_in, render=source_json)


@blueprint.get("/sources/<source_id>/conflicts")
def source_conflicts(source_id: str):
    query = parse_query(PullConflictQuery, request.args)
    return jsonify([conflict_json(c) for c in pulling.conflicts(source_id, query.limit)])
