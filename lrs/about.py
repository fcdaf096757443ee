from __future__ import annotations

from flask import Blueprint, jsonify, request

from lrs.versioning import SUPPORTED, current_version

blueprint = Blueprint("xapi_about", __name__, url_prefix="/xapi")


@blueprint.route("/about", methods=["GET", "HEAD"], strict_slashes=False)
def about():
    # xAPI 1.0.3 Communication 2.8: the versions the LRS serves, and extensions.  A client
    # that asked in 1.0.x is told only the 1.0.x versions: 1.0.x clients (and the 1.0.3
    # conformance suite, XAPI-00316) know no other values and some fail on one.
    versions = list(SUPPORTED)
    if request.headers.get("X-Experience-API-Version") and current_version() == "1.0.3":
        versions = [v for v in versions if v.startswith("1.0.")]
    return jsonify({"version": versions, "extensions": {}})
