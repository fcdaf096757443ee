"""Imports through the admin API (scope `admin`); the worker does the importing.

    POST /api/connectors/admin/imports        multipart/form-data: file, mapping (JSON),
                                              credential (the importing credential key)
                                              → 202 {"id", "status", ...}, Location
    GET  /api/connectors/admin/imports/<id>   status, rows total/done, counters, errors
"""

from __future__ import annotations

import json

from flask import Blueprint, jsonify, request, url_for

from connectors.imports import jobs
from connectors.imports.jobs import MAX_LISTED_ERRORS
from connectors.storage.import_jobs import ImportJob
from hub.auth import require_scope
from hub.errors import BadRequest, NotFound
from hub.inputs import Input, parse_query
from hub.text_input import NotUTF8, decode_utf8
from hub.timestamps import format_timestamp

blueprint = Blueprint("connectors_imports_api", __name__,
                      url_prefix="/api/connectors/admin/imports")


class NoParameters(Input):
    pass


@blueprint.post("")
def post_import():
    admin = require_scope("admin")
    parse_query(NoParameters, request.args)
    if request.mimetype != "multipart/form-data":
        raise BadRequest("send the file as multipart/form-data with the parts file, mapping "
                         "and credential", header="Content-Type")
    upload = request.files.get("file")
    if upload is None:
        raise BadRequest("the part file is required (the CSV or XLSX file)", parameter="file")
    job = jobs.submit_import(upload.read(), upload.filename or "upload",
                             _mapping_part(), _text_part("credential"), admin.key)
    response = jsonify(import_json(job))
    response.status_code = 202
    response.headers["Location"] = url_for(".get_import", import_id=job.id)
    return response


@blueprint.get("/<import_id>")
def get_import(import_id: str):
    require_scope("admin")
    parse_query(NoParameters, request.args)
    job = jobs.get_import(import_id)
    if job is None:
        raise NotFound(f"no import {import_id}")
    return jsonify(import_json(job))


def _text_part(name: str) -> str:
    """A form field, or a part sent as a file (`-F mapping=@mapping.json`)."""
    value = request.form.get(name)
    if value is None and name in request.files:
        try:
            value = decode_utf8(request.files[name].read(), what=f"the part {name}")
        except NotUTF8 as error:
            raise BadRequest(str(error), parameter=name) from None
    if value is None or not value.strip():
        raise BadRequest(f"the part {name} is required", parameter=name)
    return value.strip()


def _mapping_part() -> object:
    text = _text_part("mapping")
    try:
        return json.loads(text)
    except ValueError as error:
        raise BadRequest(f"the mapping is not JSON: {error}", parameter="mapping") from None


def import_json(job: ImportJob) -> dict[str, object]:
    p = job.progress
    return {
        "id": job.id, "status": job.status, "file_name": job.file_name,
        "credential": job.credential_key,
        "rows_total": p.rows_total, "rows_done": p.rows_done,
        "stored": p.stored, "already_present": p.present, "conflicts": p.conflicts,
        "refused": p.refused, "errors": list(p.errors), "errors_total": p.errors_total,
        "errors_listed_at_most": MAX_LISTED_ERRORS,
        "message": job.message,
        "created_at": format_timestamp(job.created_at),
        "updated_at": format_timestamp(job.updated_at),
        "finished_at": format_timestamp(job.finished_at) if job.finished_at else None,
    }
