"""Credentials over HTTP.

`GET /api/credentials/me` lets a partner check what its own credential may do;
`/api/admin/credentials` (scope `admin`) issues, lists and revokes credentials,
as `flask --app wsgi credentials ...` does on the server.  Secrets appear once,
in the response that issues them; digests never leave the hub.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, jsonify, request

from hub import auth
from hub.auth import ALL_SCOPES, authenticate, issue_credential, scope_required
from hub.errors import BadRequest, NotFound
from hub.settings import current_settings
from hub.storage import current_storage
from hub.storage.contract import Credential

log = logging.getLogger(__name__)
blueprint = Blueprint("credentials_api", __name__, url_prefix="/api")


@dataclass(frozen=True)
class NewCredential:
    name: str
    owner: str
    scopes: frozenset[str]
    authority: dict[str, Any] | None = None


_NEW_CREDENTIAL_FIELDS = ("name", "owner", "scopes", "authority")


def _pointer(*tokens: object) -> str:
    # RFC 6901: "~" and "/" inside a token are escaped.
    return "".join("/" + str(t).replace("~", "~0").replace("/", "~1") for t in tokens)


def _required_text(body: dict[str, Any], field: str) -> str:
    value = body.get(field)
    if not isinstance(value, str) or not value.strip():
        raise BadRequest(f"{field} is required and must be a non-empty string",
                         pointer=_pointer(field))
    return value.strip()


def parse_new_credential(body: Any) -> NewCredential:
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object (Content-Type: application/json)",
                         pointer="")
    for field in body:
        if field not in _NEW_CREDENTIAL_FIELDS:
            raise BadRequest(f"unknown field {field!r}; expected "
                             f"{', '.join(_NEW_CREDENTIAL_FIELDS)}", pointer=_pointer(field))
    name = _required_text(body, "name")
    owner = _required_text(body, "owner")
    scopes = body.get("scopes")
    if not isinstance(scopes, list) or not scopes:
        raise BadRequest("scopes is required and must be a non-empty array of scope names",
                         pointer="/scopes")
    for index, scope in enumerate(scopes):
        if not isinstance(scope, str) or scope not in ALL_SCOPES:
            raise BadRequest(f"unknown scope {scope!r}; known scopes: "
                             f"{', '.join(sorted(ALL_SCOPES))}", pointer=_pointer("scopes", index))
    authority = body.get("authority")
    if authority is not None and not isinstance(authority, dict):
        raise BadRequest("authority must be an xAPI Agent object", pointer="/authority")
    return NewCredential(name=name, owner=owner, scopes=frozenset(scopes), authority=authority)


def _no_query_parameters() -> None:
    for name in request.args:
        raise BadRequest(f"unknown query parameter {name!r}; this resource takes none",
                         parameter=name)


def credential_json(credential: Credential) -> dict[str, Any]:
    """What may be shown about a credential: everything but its digest."""
    return {
        "key": credential.key,
        "name": credential.name,
        "owner": credential.owner,
        "scopes": sorted(credential.scopes),
        "authority": credential.authority,
        "created_at": credential.created_at.isoformat(),
        "revoked_at": credential.revoked_at.isoformat() if credential.revoked_at else None,
    }


@blueprint.get("/credentials/me")
def my_credential():
    credential = authenticate()
    _no_query_parameters()
    return jsonify(credential_json(credential))


@blueprint.post("/admin/credentials")
@scope_required("admin")
def create_credential():
    new = parse_new_credential(request.get_json(silent=True))
    try:
        issued = issue_credential(
            current_storage().credentials, name=new.name, owner=new.owner, scopes=new.scopes,
            authority=new.authority, authority_home_page=current_settings().authority_home_page,
        )
    except ValueError as exc:  # name, owner and scopes were checked above: the authority
        raise BadRequest(str(exc), pointer="/authority") from None
    log.info("credential %s issued to %s by %s", issued.credential.key, new.owner,
             authenticate().key)
    body = {**credential_json(issued.credential), "secret": issued.secret}
    return jsonify(body), 201, {"Cache-Control": "no-store"}


@blueprint.get("/admin/credentials")
@scope_required("admin")
def list_credentials():
    _no_query_parameters()
    return jsonify({"credentials": [credential_json(c)
                                    for c in current_storage().credentials.list_credentials()]})


@blueprint.delete("/admin/credentials/<key>")
@scope_required("admin")
def revoke_credential(key: str):
    storage = current_storage()
    if storage.credentials.find_credential(key) is None:
        raise NotFound(f"no credential with key {key!r}")
    # Revoking a revoked credential changes nothing and is not an error (DELETE is idempotent).
    if auth.revoke_credential(storage, key, datetime.now(UTC)):
        log.info("credential %s revoked by %s", key, authenticate().key)
    return "", 204
