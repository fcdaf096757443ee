"""`GET /health`: 200 when the database answers and is migrated, else 503 (for load balancers)."""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify

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
    return jsonify(body), 200 if report.ok else 503
