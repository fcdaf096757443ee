from __future__ import annotations

from flask import Blueprint, jsonify

from lrs.versioning import SUPPORTED

blueprint = Blueprint("xapi_about", __name__, url_prefix="/xapi")


@blueprint.route("/about", methods=["GET", "HEAD"], strict_slashes=False)
def about():
    # xAPI 1.0.3 Communication 2.8: every version the LRS serves, and extensions.
    return jsonify({"version": list(SUPPORTED), "extensions": {}})
