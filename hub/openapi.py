"""`GET /openapi.json`: the OpenAPI 3.1 description of every endpoint (schemas/openapi.yaml).

The YAML in `schemas/` is the source, kept true against the URL map by
tests/hub/test_openapi.py; this serves it as JSON, read once per process.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml
from flask import Blueprint, jsonify

blueprint = Blueprint("openapi", __name__)


@cache
def description() -> dict[str, Any]:
    text = resources.files("schemas").joinpath("openapi.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


@blueprint.get("/openapi.json")
def openapi_json():
    """This description, as JSON."""
    response = jsonify(description())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
