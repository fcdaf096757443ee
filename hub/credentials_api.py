"""Credentials over HTTP.

`GET /api/credentials/me` lets a partner check what its own credential may do;
`/api/admin/credentials` (scope `admin`) issues, lists and revokes credentials,
as `flask --app wsgi credentials ...` does on the server.  Secrets appear once,
in the response that issues them; digests never leave the hub.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, jsonify, request

from hub import auth
from hub.auth import authenticate, issue_credential, scope_required
from hub.credential_inputs import NewCredential, NoParameters
from hub.errors import BadRequest, NotFound
from hub.inputs import parse_body, parse_query
from hub.settings import current_settings
from hub.storage import current_storage
from hub.storage.contract import Credential

log = logging.getLogger(__name__)
blueprint = Blueprint("credentials_api", __name__, url_prefix="/api")


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
    parse_query(NoParameters, request.args)
    return jsonify(credential_json(credential))


@blueprint.post("/admin/credentials")
@scope_required("admin")
def create_credential():
    new = parse_body(NewCredential, request.get_json(silent=True))
    try:
        issued = issue_credential(
            current_storage().credentials, name=new.name, owner=new.owner,
            scopes=frozenset(new.scopes),
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
    parse_query(NoParameters, request.args)
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
