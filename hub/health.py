"""`GET /health`: 200 when the database answers and is migrated, else 503 (for load balancers)."""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify

from hub.errors import DATABASE_RETRY_AFTER_SECONDS
from hub.storage import current_storage

log = logging.getLogger(__name__)
blueprint = Blueprint("health", __name__)


@blueprint.get("/health")
def health():
    report = current_storage().health()
    body = {"status": "ok" if report.ok else "unavailable", "database": report.engine}
    if not report.ok:
        # The driver's message stays in the log: it may name hosts and paths.
        log.warning("health check failed: %s", report.detail.get("error", "unknown"))
        body["detail"] = "database not answering or not migrated"
    if report.ok:
        return jsonify(body), 200
    return jsonify(body), 503, {"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)}
