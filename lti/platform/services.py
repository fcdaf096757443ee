"""The platform's service endpoints for tools: OAuth 2 token, AGS 2.0 and NRPS 2.0.

URL rules and rendering only; the rules live in lti.platform.oauth, .ags and .nrps.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, request

from hub.inputs import parse_body, parse_query
from lti.platform import ags, nrps, oauth
from lti.platform.inputs import (
    LineItemBody,
    LineItemsQuery,
    MembershipsQuery,
    ResultsQuery,
    ScoreBody,
)
from lti.platform.storage.contract import LineItemQuery
from lti.platform.tools import SERVICE_SCOPES

blueprint = Blueprint("lti_platform_services", __name__, url_prefix="/lti/platform")

LINEITEM = SERVICE_SCOPES["lineitem"]
LINEITEM_READ = SERVICE_SCOPES["lineitem.readonly"]
RESULT_READ = SERVICE_SCOPES["result.readonly"]
SCORE = SERVICE_SCOPES["score"]
NRPS = SERVICE_SCOPES["nrps"]
LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
CONTAINER_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
RESULTS_TYPE = "application/vnd.ims.lis.v2.resultcontainer+json"
MEMBERSHIP_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"


@blueprint.errorhandler(oauth.OAuthError)
def oauth_error(exc: oauth.OAuthError):
    """RFC 6749 §5.2 error JSON; RFC 6750 §3 WWW-Authenticate on service requests."""
    response = jsonify({"error": exc.error, "error_description": exc.description})
    response.status_code = exc.status
    response.headers["Cache-Control"] = "no-store"
    if request.endpoint != "lti_platform_services.token" and exc.status in (401, 403):
        response.headers["WWW-Authenticate"] = (f'Bearer error="{exc.error}", '
                                                f'error_description="{exc.description}"')
    elif exc.error == "invalid_client":
        response.headers["WWW-Authenticate"] = 'Bearer realm="Berpijar LTI platform"'
    return response


def _typed(body, content_type: str, status: int = 200) -> Response:
    response = jsonify(body)
    response.status_code = status
    response.content_type = content_type
    return response


def _json() -> Any:
    return request.get_json(force=True, silent=True)  # tools send AGS media types


def _next(response: Response, **params) -> Response:
    """RFC 8288 next link, lower-case only (pylti1p3 lower-cases Link headers)."""
    query = urlencode({k: v for k, v in params.items() if v is not None})
    response.headers["Link"] = f'<{request.base_url}?{query}>; rel="next"'
    return response


@blueprint.post("/token")
def token():
    issued = oauth.issue_token(oauth.token_request(request.form))
    response = jsonify({"access_token": issued.access_token, "token_type": "Bearer",
                        "expires_in": issued.expires_in, "scope": issued.scope})
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


@blueprint.route("/ags/<context_id>/lineitems", methods=["GET", "POST"])
def line_items(context_id: str):
    if request.method == "POST":
        client = oauth.authenticate(LINEITEM)
        item = ags.create_line_item(client.tool, context_id, parse_body(LineItemBody, _json()))
        response = _typed(ags.line_item_json(item), LINEITEM_TYPE, 201)
        response.headers["Location"] = ags.line_item_url(item)
        return response
    client = oauth.authenticate(LINEITEM, LINEITEM_READ)
    given = parse_query(LineItemsQuery, request.args)
    limit = given.limit
    query = LineItemQuery(tool_id=client.tool.stored_id, context_id=context_id,
                          resource_link_id=given.resource_link_id,
                          resource_id=given.resource_id, tag=given.tag, after_id=given.after,
                          limit=limit + 1)
    found = ags.list_line_items(client.tool, query)
    response = _typed([ags.line_item_json(i) for i in found[:limit]], CONTAINER_TYPE)
    if len(found) > limit:
        _next(response, resource_link_id=query.resource_link_id, resource_id=query.resource_id,
              tag=query.tag, after=found[limit - 1].id, limit=limit)
    return response


@blueprint.route("/ags/<context_id>/lineitems/<int:item_id>", methods=["GET", "PUT", "DELETE"])
def line_item(context_id: str, item_id: int):
    if request.method == "GET":
        client = oauth.authenticate(LINEITEM, LINEITEM_READ)
        return _typed(ags.line_item_json(ags.owned_item(client.tool, context_id, item_id)),
                      LINEITEM_TYPE)
    client = oauth.authenticate(LINEITEM)
    if request.method == "DELETE":
        ags.delete_line_item(client.tool, context_id, item_id)
        return "", 204
    item = ags.update_line_item(client.tool, context_id, item_id,
                                parse_body(LineItemBody, _json()))
    return _typed(ags.line_item_json(item), LINEITEM_TYPE)


@blueprint.post("/ags/<context_id>/lineitems/<int:item_id>/scores")
def scores(context_id: str, item_id: int):
    client = oauth.authenticate(SCORE)
    ags.post_score(client.tool, context_id, item_id, parse_body(ScoreBody, _json()))
    return "", 204


@blueprint.get("/ags/<context_id>/lineitems/<int:item_id>/results")
def results(context_id: str, item_id: int):
    client = oauth.authenticate(RESULT_READ)
    given = parse_query(ResultsQuery, request.args)
    limit = given.limit
    item, found = ags.list_results(client.tool, context_id, item_id, user_id=given.user_id,
                                   after=given.after, limit=limit + 1)
    response = _typed([ags.result_json(item, r) for r in found[:limit]], RESULTS_TYPE)
    if len(found) > limit:
        _next(response, user_id=given.user_id, after=found[limit - 1].sub, limit=limit)
    return response


@blueprint.get("/nrps/<context_id>/memberships")
def memberships(context_id: str):
    client = oauth.authenticate(NRPS)
    given = parse_query(MembershipsQuery, request.args)
    context, members, after = nrps.memberships(client.tool, context_id, after=given.after,
                                               limit=given.limit, role=given.role)
    body = {"id": request.url, "context": {"id": context.id, **(
        {"label": context.label} if context.label else {}), **(
        {"title": context.title} if context.title else {})}, "members": members}
    response = _typed(body, MEMBERSHIP_TYPE)
    if after is not None:
        _next(response, role=given.role, after=after, limit=given.limit)
    return response
