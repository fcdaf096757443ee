from __future__ import annotations

from flask import Blueprint, jsonify

from hub.storage import current_storage

blueprint = Blueprint("health", __name__)


@blueprint.get("/health")
def health():
    report = current_storage().health()
    body = {"status": "ok" if report.ok else "unavailable", "database": report.engine}
    if not report.ok:
        body["detail"] = "database not answering or not migrated"
    return jsonify(body), 200 if report.ok else 503
