"""Administration of the connectors and the worker (scope `admin`).

    GET    /api/connectors/admin/worker                         workers; each loop's lag, last error
    GET    /api/connectors/admin/destinations                   forwarding destinations
    POST   /api/connectors/admin/destinations                   register one (201)
    GET|PUT|DELETE /api/connectors/admin/destinations/<id>      one, with its delivery position
    GET    /api/connectors/admin/dead-letters?destination=      statements a destination refused
    POST   /api/connectors/admin/destinations/<id>/dead-letters/resend   {"ids": [...]}?
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from connectors import forwarding
from connectors.inputs import DeadLetterQuery, DestinationBody, ResendBody
from connectors.lrs_client import AuthFailed, Retry
from connectors.status import status_json, worker_status
from connectors.storage import stores
from connectors.storage.contract import DeadLetter, DeliveryState, Destination
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
    auth, rules = destination.auth, destination.filter
    body: dict[str, Any] = {
        "id": destination.id, "name": destination.name, "endpoint": destination.endpoint,
        "version": destination.version,
        "auth": {"kind": auth.kind, "username": auth.username,
                 **({"token_url": auth.token_url} if auth.token_url else {}),
                 **({"scope": auth.scope} if auth.scope else {})},
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


@blueprint.post("/destinations")
def add_destination():
    body = parse_body(DestinationBody, request.get_json(silent=True))
    added = forwarding.add_destination(body.destination(), from_start=body.start == "beginning")
    response = jsonify(destination_json(added, forwarding.delivery_state(added.id)))
    response.status_code = 201
    response.headers["Location"] = f"{blueprint.url_prefix}/destinations/{added.id}"
    return response


@blueprint.get("/destinations/<destination_id>")
def get_destination(destination_id: str):
    return jsonify(destination_json(forwarding.get_destination(destination_id),
                                    forwarding.delivery_state(destination_id)))


@blueprint.put("/destinations/<destination_id>")
def put_destination(destination_id: str):
    body = parse_body(DestinationBody, request.get_json(silent=True))
    updated = forwarding.update_destination(body.destination(destination_id))
    return jsonify(destination_json(updated, forwarding.delivery_state(destination_id)))


@blueprint.delete("/destinations/<destination_id>")
def delete_destination(destination_id: str):
    forwarding.remove_destination(destination_id)
    return "", 204


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
