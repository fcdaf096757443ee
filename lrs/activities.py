"""Activities Resource, /xapi/activities (xAPI 1.0.3 Communication 2.5; 2.0 Part 3
§4.1.6.4), and the rule by which the hub's canonical Activity definitions grow.

The Statement resource teaches definitions: ids from every statement, definitions
only from credentials with the `define` scope (xAPI 1.0.3 Communication 4.2), merged
into the stored one by `merge_definition` (`lrs.statements.storing` hands it to the
activity store, as storage does not import lrs).
"""

from __future__ import annotations

import copy
import json
from typing import Any

from flask import Blueprint, Response, request
from pydantic import Field

from hub.auth import require_scope
from hub.errors import NotFound
from hub.inputs import Input, parse_query
from lrs.documents import etag_of
from lrs.documents_input import UNKNOWN_PARAMETER_RULE, ActivityIdParam
from lrs.storage import stores as lrs_stores
from lrs.storage.contract import StoredActivity
from lrs.versioning import current_version

LANGUAGE_MAPS = ("name", "description")
INTERACTION_COMPONENT_LISTS = ("choices", "scale", "source", "target", "steps")

blueprint = Blueprint("xapi_activities", __name__, url_prefix="/xapi")


class ActivityParams(Input):
    activity_id: ActivityIdParam = Field(alias="activityId")


@blueprint.get("/activities", strict_slashes=False)
def get_activity() -> Response:
    # Any read scope: a definition says what an activity is, not who did it.
    require_scope("statements/read/mine", "state/read", "profile/read")
    activity_id = parse_query(ActivityParams, request.args,
                              unknown_rule=UNKNOWN_PARAMETER_RULE).activity_id
    known = lrs_stores().activities.get_activity(activity_id)
    return render_activity(canonical_activity(activity_id, known, current_version()), known)


def render_activity(activity: dict[str, Any], known: StoredActivity | None) -> Response:
    body = json.dumps(activity, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    response = Response(body, status=200, content_type="application/json")
    response.set_etag(etag_of(body))
    if known is not None:
        response.last_modified = known.updated
    return response


def canonical_activity(activity_id: str, known: StoredActivity | None,
                       version: str) -> dict[str, Any]:
    """The full Activity Object the hub holds for `activity_id`.

    An activity the hub has seen in a statement is returned even without a definition.
    One it has never seen is 404 in 1.0.3 (a SHOULD*, so a typo'd id is reported) and,
    as 2.0 §4.1.6.4 makes it a SHALL, a bare Activity Object in 2.0.
    """
    if known is None and version == "1.0.3":
        raise NotFound("this LRS has never seen an activity with that id",
                       parameter="activityId")
    activity: dict[str, Any] = {"objectType": "Activity", "id": activity_id}
    if known is not None and known.definition:
        activity["definition"] = known.definition
    return activity


def merge_definition(existing: dict[str, Any] | None, incoming: dict[str, Any]) -> dict[str, Any]:
    """The canonical definition after learning `incoming`.

    Language maps (name, description, and each interaction component's description)
    are merged per language, so a course described in Bahasa Indonesia and later in
    English keeps both (xAPI 1.0.3 Communication 2.1.3.s4.b2 lets the LRS keep
    canonical maps).  Every other field comes from the newer definition when it has
    it, and stays as it was when it does not.
    """
    if not existing:
        return copy.deepcopy(incoming)
    merged = {**copy.deepcopy(existing), **copy.deepcopy(incoming)}
    for key in LANGUAGE_MAPS:
        if isinstance(existing.get(key), dict) and isinstance(incoming.get(key), dict):
            merged[key] = {**existing[key], **incoming[key]}
    for key in INTERACTION_COMPONENT_LISTS:
        if isinstance(existing.get(key), list) and isinstance(incoming.get(key), list):
            merged[key] = _merge_components(existing[key], merged[key])
    return merged


def _merge_components(existing: list[Any], incoming: list[Any]) -> list[Any]:
    """The newer list of components, each keeping the languages its earlier self had."""
    earlier = {c.get("id"): c for c in existing if isinstance(c, dict)}
    result = []
    for component in incoming:
        before = earlier.get(component.get("id")) if isinstance(component, dict) else None
        if before is not None and isinstance(before.get("description"), dict) \
                and isinstance(component.get("description"), dict):
            component = {**component,
                         "description": {**before["description"], **component["description"]}}
        result.append(component)
    return result
