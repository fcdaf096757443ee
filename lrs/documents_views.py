"""HTTP for the Document Resources: one blueprint per resource, each view parse → one
operation → render.  HEAD is Flask's: a GET without the body (xAPI 1.0.3
Communication 1.1)."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Response, request

from hub.auth import require_scope
from lrs import documents
from lrs.documents import DocumentIds, DocumentRead, DocumentResource, ScopeDeletion
from lrs.documents_input import parse_delete, parse_get, parse_write
from lrs.storage import stores as lrs_stores
from lrs.storage.contract import StoredDocument


def document_blueprint(resource: DocumentResource, name: str, rule: str) -> Blueprint:
    blueprint = Blueprint(name, __name__, url_prefix="/xapi")

    @blueprint.get(rule, strict_slashes=False)
    def read() -> Response:
        # The write scope reads too: `state` and `profile` are read/write (Communication 4.2).
        require_scope(resource.read_scope, resource.write_scope)
        wanted = parse_get(resource)
        store = lrs_stores().documents
        if isinstance(wanted, DocumentRead):
            response = render_document(documents.read_document(store, resource, wanted))
        else:
            response = render_ids(documents.list_document_ids(store, wanted))
        # RFC 9110 §13.1.2: If-None-Match naming the current ETag is a 304 without a body.
        response.make_conditional(request)  # in place; it returns werkzeug's type, not Flask's
        return response

    @blueprint.put(rule, strict_slashes=False)
    def replace() -> Response:
        require_scope(resource.write_scope)
        write = parse_write(resource)
        return render_written(documents.put_document(lrs_stores().documents, resource,
                                                     write))

    @blueprint.post(rule, strict_slashes=False)
    def merge() -> Response:
        require_scope(resource.write_scope)
        write = parse_write(resource)
        return render_written(documents.post_document(lrs_stores().documents, write))

    @blueprint.delete(rule, strict_slashes=False)
    def remove() -> Response:
        require_scope(resource.write_scope)
        deletion = parse_delete(resource)
        store = lrs_stores().documents
        if isinstance(deletion, ScopeDeletion):
            documents.delete_documents(store, deletion)
        else:
            documents.delete_document(store, deletion)
        return Response(status=204)

    return blueprint


def render_document(document: StoredDocument) -> Response:
    # The bytes and the Content-Type exactly as they were stored.
    response = Response(document.content, status=200, content_type=document.content_type)
    return _stamp(response, document.etag, document.updated)


def render_ids(ids: DocumentIds) -> Response:
    response = Response(ids.body, status=200, content_type="application/json")
    return _stamp(response, ids.etag, ids.last_modified)


def render_written(document: StoredDocument) -> Response:
    # 204, with the new version's ETag so the client can chain its next write.
    return _stamp(Response(status=204), document.etag, document.updated)


def _stamp(response: Response, etag: str, last_modified: datetime | None) -> Response:
    response.set_etag(etag)  # quoted, as RFC 7232 and xAPI 1.0.3 Communication 3.1.s4.b4 want
    if last_modified is not None:
        # xAPI 1.0.3 Communication 2.2.s6; a SHALL for single documents in 2.0.
        response.last_modified = last_modified
    return response
