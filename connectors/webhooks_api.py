"""Administration of webhook subscriptions (scope `admin`).

    GET    /api/connectors/admin/webhooks                        subscriptions (no secrets)
    POST   /api/connectors/admin/webhooks                        add one: 201, its secret once
    GET|PATCH|DELETE /api/connectors/admin/webhooks/<id>          one; PATCH {"enabled"}
    GET    /api/connectors/admin/webhooks/dead-letters?subscription=&after=&limit=
    POST   /api/connectors/admin/webhooks/dead-letters/resend    {"ids": [...]} | {"all": true}
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, jsonify, request

from connectors import webhooks
from connectors.storage import stores
from connectors.storage.webhook_contract import OutboxBacklog, OutboxEntry, Subscription
from connectors.webhook_inputs import (
    DeadLettersQuery,
    ResendBody,
    SubscriptionBody,
    SubscriptionChange,
)
from hub.auth import require_scope
from hub.errors import BadRequest, NotFound
from hub.inputs import parse_body, parse_query
from hub.storage import current_storage

blueprint = Blueprint("connectors_webhooks_api", __name__,
                      url_prefix="/api/connectors/admin/webhooks")


@blueprint.before_request
def _admin_only() -> None:
    require_scope("admin")


def _when(value: Any) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def subscription_json(subscription: Subscription,
                      backlog: OutboxBacklog | None = None) -> dict[str, Any]:
    """A subscription as the API shows it: never its secret."""
    rule = subscription.statement_filter
    body: dict[str, Any] = {
        "id": subscription.id, "url": subscription.url, "events": sorted(subscription.events),
        "filter": {"verb": rule.verb, "activity_prefix": rule.activity_prefix,
                   "credential": rule.credential_key},
        "enabled": subscription.enabled, "description": subscription.description,
        "created_at": _when(subscription.created_at),
        "updated_at": _when(subscription.updated_at)}
    if backlog is not None:
        body["outbox"] = {"pending": backlog.pending, "dead": backlog.dead,
                          "oldest_pending_at": _when(backlog.oldest_pending_at)}
    return body


def dead_letter_json(entry: OutboxEntry) -> dict[str, Any]:
    return {"id": entry.id, "subscription": entry.subscription_id,
            "webhook_id": entry.message_id, "type": entry.type, "attempts": entry.attempts,
            "status": entry.response_status, "answer": entry.error,
            "failed_at": _when(entry.finished_at), "created_at": _when(entry.created_at),
            "payload": json.loads(entry.body)}


def _subscription(subscription_id: str) -> Subscription:
    found = stores().webhooks.get_subscription(subscription_id)
    if found is None:
        raise NotFound(f"no webhook subscription {subscription_id}")
    return found


@blueprint.get("")
def list_subscriptions():
    return jsonify([subscription_json(s) for s in stores().webhooks.list_subscriptions()])


@blueprint.post("")
def add_subscription():
    body = parse_body(SubscriptionBody, request.get_json(silent=True))
    try:
        added = webhooks.create_subscription(current_storage(), body.subscription())
    except webhooks.SubscriptionError as exc:
        raise BadRequest(exc.message, pointer="/" + exc.field) from None
    # The secret is shown this once; the hub keeps it sealed and never shows it again.
    response = jsonify({**subscription_json(added), "secret": added.secret})
    response.status_code = 201
    response.headers["Location"] = f"{blueprint.url_prefix}/{added.id}"
    return response


@blueprint.get("/<subscription_id>")
def get_subscription(subscription_id: str):
    subscription = _subscription(subscription_id)
    return jsonify(subscription_json(subscription,
                                     stores().webhooks.backlog(subscription.id)))


@blueprint.patch("/<subscription_id>")
def patch_subscription(subscription_id: str):
    body = parse_body(SubscriptionChange, request.get_json(silent=True))
    changed = webhooks.set_enabled(current_storage(), subscription_id, body.enabled)
    if changed is None:
        raise NotFound(f"no webhook subscription {subscription_id}")
    return jsonify(subscription_json(changed))


@blueprint.delete("/<subscription_id>")
def delete_subscription(subscription_id: str):
    if not webhooks.remove_subscription(current_storage(), subscription_id):
        raise NotFound(f"no webhook subscription {subscription_id}")
    return "", 204


@blueprint.get("/dead-letters")
def dead_letters():
    query = parse_query(DeadLettersQuery, request.args)
    found = webhooks.dead_letters(current_storage(), query.subscription, after_id=query.after,
                                  limit=query.limit)
    return jsonify([dead_letter_json(entry) for entry in found])


@blueprint.post("/dead-letters/resend")
def resend():
    body = parse_body(ResendBody, request.get_json(silent=True))
    if body.subscription is not None:
        _subscription(body.subscription)
    count = webhooks.resend(current_storage(), body.ids, subscription_id=body.subscription)
    return jsonify({"resent": count})
