"""HTTP for /xapi/statements: parse → one operation → render."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.http import http_date

from hub.auth import require_scope
from hub.settings import current_settings
from hub.storage import current_storage
from lrs.listeners import notify_stored
from lrs.statements import ops
from lrs.statements.attachments import render_multipart
from lrs.statements.formats import format_statement
from lrs.statements.inputs import (
    QueryRequest,
    SingleRequest,
    parse_get,
    parse_statements,
    reject_post_params,
    statement_id_param,
    to_datetime,
)
from lrs.statements.records import activity_definitions
from lrs.storage import stores as lrs_stores
from lrs.storage.contract import StatementQuery, StoredStatement
from lrs.versioning import current_version

blueprint = Blueprint("xapi_statements", __name__, url_prefix="/xapi")


@blueprint.after_request
def consistent_through(response: Response) -> Response:
    # xAPI 1.0.3 Communication 2.1.3.s2.b5: on every Statement resource response.
    response.headers["X-Experience-API-Consistent-Through"] = (
        ops.consistent_through().isoformat(timespec="milliseconds").replace("+00:00", "Z"))
    return response


def _validator():
    return current_app.extensions["lrs.validator"]


def _submission(statement_id: str | None = None) -> ops.Submission:
    statements, parts = parse_statements(request.content_type, request.get_data(),
                                         current_settings().lrs.max_attachment_bytes,
                                         single=statement_id is not None)
    return ops.Submission(statements=statements, version=current_version(),
                          attachments=parts, statement_id=statement_id)


@blueprint.put("/statements", strict_slashes=False)
def put_statement():
    credential = require_scope("statements/write")
    statement_id = statement_id_param(request.args)
    ops.store_statements(current_storage(), _validator(),
                         _submission(statement_id), credential, on_stored=notify_stored)
    return Response(status=204)


@blueprint.post("/statements", strict_slashes=False)
def post_statements():
    credential = require_scope("statements/write")
    reject_post_params(request.args)
    ids = ops.store_statements(current_storage(), _validator(), _submission(),
                               credential, on_stored=notify_stored)
    return jsonify(ids)


@blueprint.route("/statements", methods=["GET", "HEAD"], strict_slashes=False)
def get_statements():
    credential = require_scope("statements/read/mine")
    parsed = parse_get(request.args, _validator(), current_version())
    if isinstance(parsed, SingleRequest):
        found = ops.get_statement(lrs_stores().statements, parsed.statement_id,
                                  voided=parsed.voided, credential=credential)
        response = _render(_formatted([found], parsed.format)[0], [found], parsed.attachments)
        response.headers["Last-Modified"] = http_date(found.stored)
        return _conditional(response)
    page = ops.query_statements(lrs_stores().statements,
                                _statement_query(parsed, ops.readable_authority(credential)))
    body = {"statements": _formatted(page.statements, parsed.format), "more": ""}
    if page.more_after_seq is not None:
        # Relative to the server root, behind a proxy's path prefix too (SCRIPT_NAME).
        resource = f"{request.script_root}{blueprint.url_prefix}/statements"
        body["more"] = f"{resource}?more=" + parsed.next_page(page.more_after_seq,
                                                              page.ceiling_seq)
    return _conditional(_render(body, page.statements, parsed.attachments))


def _conditional(response: Response) -> Response:
    # RFC 9110 §13.1.2: If-None-Match naming this representation is a 304 without a body.
    # The tag is the digest of the body as rendered (format, language and page included).
    response.add_etag()
    response.make_conditional(request)  # in place; it returns werkzeug's type, not Flask's
    return response


def _statement_query(parsed: QueryRequest, authority_key: str | None) -> StatementQuery:
    settings = current_settings()
    # xAPI 1.0.3 Communication 2.1.3: limit=0 asks for the most the server allows.
    limit = settings.lrs.statement_page_size if parsed.limit is None else (
        parsed.limit or settings.lrs.statement_page_max)
    return StatementQuery(
        filters=parsed.filters,
        since=to_datetime(parsed.since),
        until=to_datetime(parsed.until),
        authority_key=authority_key,
        ascending=parsed.ascending,
        limit=min(limit, settings.lrs.statement_page_max),
        after_seq=parsed.after_seq,
        ceiling_seq=parsed.ceiling_seq,
    )


def _formatted(statements: list[StoredStatement], fmt: str) -> list[dict]:
    canonical: dict[str, dict] = {}
    if fmt == "canonical":
        # One lookup for the whole page, not one per activity.
        wanted = {a for s in statements for a in activity_definitions(s.document)}
        canonical = {activity_id: found.definition for activity_id, found
                     in lrs_stores().activities.find_activities(wanted).items()}
    return [format_statement(s.document, fmt, pick_language=request.accept_languages.best_match,
                             canonical=canonical.get)
            for s in statements]


def _render(body, statements: list[StoredStatement], with_attachments: bool) -> Response:
    if not with_attachments:
        return jsonify(body)
    hashes = [h for s in statements for h in s.attachment_hashes]
    found = lrs_stores().statements.get_attachments(hashes)
    content, content_type = render_multipart(body, (found[h] for h in dict.fromkeys(hashes)
                                                    if h in found))
    return Response(content, content_type=content_type)
