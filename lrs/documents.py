"""The xAPI rules the three Document Resources share: State, Activity Profile and
Agent Profile (xAPI 1.0.3 Communication 2.2, 2.3, 2.6, 2.7 and 3.1; 2.0 Part 3 §4.1.4,
§4.1.6.2, §4.1.6.5, §4.1.6.6).

Each operation hands the store a callback that decides the write from the document
as it is under the store's lock, so ETag preconditions and JSON merges can never act
on a stale read.  Requests arrive parsed (lrs.documents_input) and leave rendered
(lrs.documents_views).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from hub.errors import BadRequest, Conflict, NotFound, PreconditionFailed
from hub.json_input import JSONInputError
from lrs.json_body import parse_json
from lrs.storage.contract import (
    DocumentContent,
    DocumentListing,
    DocumentScope,
    DocumentStore,
    StoredDocument,
)

JSON_MEDIA_TYPE = "application/json"


@dataclass(frozen=True)
class DocumentResource:
    """What differs between the three Document Resources."""

    kind: str  # the storage kind, see hub.storage.contract.DOCUMENT_KINDS
    name: str  # for messages: "state", "activity profile", "agent profile"
    id_param: str  # "stateId" or "profileId"
    scope_params: tuple[str, ...]  # the parameters naming the scope, optional ones included
    read_scope: str
    write_scope: str
    can_delete_all: bool  # only State has a multiple-document DELETE
    # Versions in which PUT may replace an existing document without If-Match or
    # If-None-Match; in every other version that is 409 Conflict.
    unconditional_put_versions: frozenset[str] = frozenset()
    # Versions in which a PUT must carry If-Match or If-None-Match even when it creates the
    # document (400 when neither is sent; 409 still wins over an existing one).
    precondition_required_versions: frozenset[str] = frozenset()


def profile_resource(kind: str, name: str, scope_param: str) -> DocumentResource:
    """The Activity and Agent Profile Resources differ only in what scopes a document."""
    return DocumentResource(
        kind=kind, name=name, id_param="profileId", scope_params=(scope_param,),
        read_scope="profile/read", write_scope="profile", can_delete_all=False,
        # 2.0 asks for a concurrency header on every profile PUT; 1.0.3 Communication 3.1
        # only for a PUT over an existing document (docs/documents.md).
        precondition_required_versions=frozenset({"2.0.0"}),
    )


@dataclass(frozen=True)
class Preconditions:
    """If-Match / If-None-Match as parsed entity-tag lists; "*" stands for any."""

    if_match: tuple[str, ...] | None = None
    if_none_match: tuple[str, ...] | None = None

    @property
    def given(self) -> bool:
        return self.if_match is not None or self.if_none_match is not None


@dataclass(frozen=True)
class Upload:
    content: bytes
    content_type: str

    @property
    def is_json(self) -> bool:
        return is_json_media_type(self.content_type)


@dataclass(frozen=True)
class DocumentRead:
    scope: DocumentScope
    document_id: str


@dataclass(frozen=True)
class IdsRead:
    scope: DocumentScope
    since: datetime | None = None


@dataclass(frozen=True)
class DocumentWrite:
    scope: DocumentScope
    document_id: str
    upload: Upload
    preconditions: Preconditions
    version: str


@dataclass(frozen=True)
class DocumentDeletion:
    scope: DocumentScope
    document_id: str
    preconditions: Preconditions


@dataclass(frozen=True)
class ScopeDeletion:
    """Every document in a scope: State's multiple-document DELETE."""

    scope: DocumentScope
    preconditions: Preconditions


@dataclass(frozen=True)
class DocumentIds:
    """The ids response: its exact body, the ETag of that body, the newest update."""

    body: bytes
    etag: str
    last_modified: datetime | None


# --- operations ------------------------------------------------------------------
def read_document(store: DocumentStore, resource: DocumentResource,
                  read: DocumentRead) -> StoredDocument:
    document = store.get_document(read.scope, read.document_id)
    if document is None:
        raise NotFound(f"no {resource.name} document with that {resource.id_param} here",
                       parameter=resource.id_param)
    return document


def list_document_ids(store: DocumentStore, read: IdsRead) -> DocumentIds:
    listing = store.list_document_ids(read.scope, since=read.since)
    body = ids_body(listing)
    newest = max((entry.updated for entry in listing), default=None)
    return DocumentIds(body=body, etag=etag_of(body), last_modified=newest)


def put_document(store: DocumentStore, resource: DocumentResource,
                 write: DocumentWrite) -> StoredDocument:
    check_json_upload(write.upload)

    def replace(current: StoredDocument | None) -> DocumentContent:
        check_preconditions(current.etag if current else None, write.preconditions)
        if current is not None and not write.preconditions.given \
                and write.version not in resource.unconditional_put_versions:
            raise Conflict(
                f"this {resource.name} document already exists: GET it to check its current "
                "state, then PUT again with If-Match set to its ETag",
                header="If-Match", rule="xAPI 1.0.3 Communication 3.1.s4.b13")
        if current is None and not write.preconditions.given \
                and write.version in resource.precondition_required_versions:
            raise BadRequest(
                f"a PUT of an {resource.name} document needs If-None-Match: * to create it "
                "(or If-Match with the current ETag to replace it)",
                header="If-None-Match",
                rule="xAPI 2.0 Part 3 §4.1.4 (profile PUTs carry a concurrency header)")
        return stamped(write.upload.content, write.upload.content_type)

    return store.save_document(write.scope, write.document_id, replace)


def post_document(store: DocumentStore, write: DocumentWrite) -> StoredDocument:
    check_json_upload(write.upload)
    if write.upload.is_json:
        # POST exists to merge objects (2.2.s7); a created array or string could never be
        # merged into later, so it is refused on the first POST as on every other.
        _json_object(write.upload.content, "the posted document")

    def merge(current: StoredDocument | None) -> DocumentContent:
        check_preconditions(current.etag if current else None, write.preconditions)
        if current is None:
            return stamped(write.upload.content, write.upload.content_type)
        return stamped(merge_json_documents(current, write.upload), JSON_MEDIA_TYPE)

    return store.save_document(write.scope, write.document_id, merge)


def delete_document(store: DocumentStore, deletion: DocumentDeletion) -> None:
    def check(current: StoredDocument | None) -> None:
        check_preconditions(current.etag if current else None, deletion.preconditions)

    store.delete_document(deletion.scope, deletion.document_id, check)


def delete_documents(store: DocumentStore, deletion: ScopeDeletion) -> None:
    def check(listing: list[DocumentListing]) -> None:
        # The representation at this URL is the ids list, so that is what ETags name.
        check_preconditions(etag_of(ids_body(listing)), deletion.preconditions)

    store.delete_documents(deletion.scope, check)


# --- concurrency -------------------------------------------------------------------
def etag_of(content: bytes) -> str:
    # xAPI 1.0.3 Communication 3.1.s4.b2: the SHA-1 of the contents, lowercase hex.
    return hashlib.sha1(content).hexdigest()


def check_preconditions(current_etag: str | None, preconditions: Preconditions) -> None:
    """RFC 7232 §3.1-3.2 for a state-changing request; `current_etag` None: no document."""
    if preconditions.if_match is not None and not _matches(current_etag, preconditions.if_match):
        raise PreconditionFailed(
            "If-Match does not match the document's current ETag"
            if current_etag else "If-Match names a document that does not exist",
            header="If-Match", rule="xAPI 1.0.3 Communication 3.1.s4.b9")
    if preconditions.if_none_match is not None \
            and _matches(current_etag, preconditions.if_none_match):
        raise PreconditionFailed(
            "If-None-Match: the document exists" if "*" in preconditions.if_none_match
            else "If-None-Match matches the document's current ETag",
            header="If-None-Match", rule="xAPI 1.0.3 Communication 3.1.s4.b9")


def _matches(current_etag: str | None, tags: tuple[str, ...]) -> bool:
    if current_etag is None:
        return False
    return "*" in tags or current_etag in tags


def stamped(content: bytes, content_type: str) -> DocumentContent:
    return DocumentContent(content=content, content_type=content_type,
                           etag=etag_of(content), updated=datetime.now(UTC))


def ids_body(listing: list[DocumentListing]) -> bytes:
    ids = [entry.document_id for entry in listing]
    return json.dumps(ids, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# --- JSON documents --------------------------------------------------------------------
def is_json_media_type(content_type: str) -> bool:
    return content_type.split(";", 1)[0].strip().lower() == JSON_MEDIA_TYPE


def check_json_upload(upload: Upload) -> None:
    """A body sent as application/json must be JSON (xAPI 1.0.3 Communication 3.2.s3.b6)."""
    if upload.is_json:
        _parse_json(upload.content, "the document")


def merge_json_documents(current: StoredDocument, upload: Upload) -> bytes:
    """xAPI 1.0.3 Communication 2.2.s7: top-level properties of the posted object replace
    the stored object's; anything else is 400 and the stored document stays."""
    if not is_json_media_type(current.content_type) or not upload.is_json:
        raise BadRequest(
            "POST merges JSON objects: the stored and the posted document must both be "
            f"application/json (stored: {current.content_type}, posted: {upload.content_type});"
            " use PUT to replace the document", header="Content-Type",
            rule="xAPI 1.0.3 Communication 2.2.s8.b1")
    stored = _json_object(current.content, "the stored document")
    posted = _json_object(upload.content, "the posted document")
    merged = {**stored, **posted}
    return json.dumps(merged, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _json_object(content: bytes, what: str) -> dict[str, Any]:
    value = _parse_json(content, what)
    if not isinstance(value, dict):
        raise BadRequest(f"POST merges JSON objects, and {what} is not one; use PUT to "
                         "replace the document", rule="xAPI 1.0.3 Communication 2.2.s8.b1")
    return value


def _parse_json(content: bytes, what: str) -> Any:
    try:
        return parse_json(content)
    except JSONInputError as exc:
        raise BadRequest(f"{what} is sent as application/json but is refused: {exc}",
                         header="Content-Type", pointer=exc.pointer or None) from None


