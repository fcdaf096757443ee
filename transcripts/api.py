"""Auditor API (scope `auditor`) and the public issuer/verification endpoints.

    GET  /api/transcripts/people                          search (agency, unit, name, compliance)
    GET  /api/transcripts/people/<nip>                    the person and the years on record
    GET  /api/transcripts/people/<nip>/transcripts/<year> a transcript (JSON or CSV)
    POST /api/transcripts/people/<nip>/transcripts/<year>/credential   signed OB 3.0 copy
    GET  /api/transcripts/reports/agency                  agency compliance report
    GET  /api/transcripts/frameworks                      frameworks and competencies
    GET  /api/transcripts/issuer | /issuer/jwks | /issuer/keys/<kid>   public
    POST /api/transcripts/verify                          public: check a signed copy

Views parse, call one query or operation, and render; reads are logged by the queries.
"""

from __future__ import annotations

from collections.abc import Iterator

from flask import Blueprint, Response, jsonify, request, stream_with_context

from hub.auth import require_scope
from hub.errors import BadRequest, NotFound, ServiceUnavailable
from hub.inputs import parse_body, parse_query
from hub.storage import current_storage
from transcripts import inputs, queries, render, signing
from transcripts.access import Reader, anonymous_reader, reader_for, record_access
from transcripts.aggregation import transcript_json
from transcripts.api_inputs import (
    AgencyReportQuery,
    FrameworksQuery,
    NoParameters,
    PeopleQuery,
    TranscriptQuery,
    VerifyBody,
)
from transcripts.policy import current_policy
from transcripts.storage import stores as transcript_stores

blueprint = Blueprint("transcripts_api", __name__, url_prefix="/api/transcripts")

def _auditor() -> Reader:
    return reader_for(require_scope("auditor"), transcript_stores().access)


def _csv(lines: Iterator[str], filename: str) -> Response:
    return Response(stream_with_context(lines), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@blueprint.get("/people")
def search_people():
    reader = _auditor()
    query = parse_query(PeopleQuery, request.args)
    criteria = queries.PeopleFilter(
        year=query.year or inputs.current_year(), agency=query.agency, unit=query.unit,
        name=query.name, compliance=query.compliance, after=query.after, limit=query.limit)
    storage, policy = current_storage(), current_policy()
    if query.format == "csv":
        rows = queries.all_people(storage, policy, reader, criteria)
        return _csv(render.standings_csv(rows), f"asn-{criteria.year}.csv")
    return jsonify(render.people_page_json(queries.search_people(storage, policy, reader,
                                                                 criteria)))


@blueprint.get("/people/<nip>")
def get_person(nip: str):
    reader = _auditor()
    parse_query(NoParameters, request.args)
    nip = inputs.nip_in_path(nip)
    storage = current_storage()
    person, years = queries.person_and_years(storage, reader, nip)
    record_access(transcript_stores(storage).access, reader, "person.read", [nip])
    return jsonify({**render.person_json(person), "years": years})


@blueprint.get("/people/<nip>/transcripts/<int:year>")
def get_transcript(nip: str, year: int):
    reader = _auditor()
    query = parse_query(TranscriptQuery, request.args)
    storage, policy = current_storage(), current_policy()
    read = queries.read_transcript(storage, policy, reader, inputs.nip_in_path(nip),
                                   inputs.year("year", str(year)))
    transcript = read.transcript
    if query.format == "csv":
        return _csv(render.transcript_csv(transcript, read.competencies),
                    f"transkrip-{transcript.person.nip}-{year}.csv")
    return jsonify(transcript_json(transcript))


@blueprint.post("/people/<nip>/transcripts/<int:year>/credential")
def issue_credential(nip: str, year: int):
    reader = _auditor()
    parse_query(NoParameters, request.args)
    storage, policy = current_storage(), current_policy()
    transcript = queries.transcript_for(storage, policy, reader, inputs.nip_in_path(nip),
                                        inputs.year("year", str(year)),
                                        action="credential.issue")
    try:
        issued = signing.issue(transcript_stores(storage).issuer_keys, policy, transcript)
    except signing.SigningError as exc:
        raise ServiceUnavailable(str(exc)) from None
    return jsonify({"credential": issued.token, "payload": issued.credential,
                    "kid": issued.kid}), 201


@blueprint.get("/reports/agency")
def agency_report():
    reader = _auditor()
    query = parse_query(AgencyReportQuery, request.args)
    storage, policy = current_storage(), current_policy()
    year = query.year or inputs.current_year()
    if query.format == "csv":
        if not reader.may_read_agency(query.agency):
            raise NotFound(f"agency {query.agency!r} is not visible to this credential")
        rows = queries.all_people(storage, policy, reader, queries.PeopleFilter(
            year=year, agency=query.agency, compliance="non_compliant"))
        return _csv(render.standings_csv(rows), f"belum-20-jp-{year}.csv")
    report = queries.agency_report(storage, policy, reader, query.agency, year,
                                   limit=query.limit or queries.UNDER_REQUIRED_PAGE,
                                   after=query.after)
    return jsonify(render.report_json(report))


@blueprint.get("/frameworks")
def list_frameworks():
    require_scope("auditor", "admin")
    query = parse_query(FrameworksQuery, request.args)
    stored = transcript_stores().frameworks
    competencies = stored.competencies() if query.competencies else {}
    return jsonify({"frameworks": [
        render.framework_json(f, [c for c in competencies.values() if c.framework_id == f.id])
        for f in stored.list_frameworks()]})


# --- public: the issuer and verification ----------------------------------------------
@blueprint.get("/issuer")
def issuer():
    parse_query(NoParameters, request.args)
    return jsonify(signing.issuer_profile(current_policy()))


@blueprint.get("/issuer/jwks")
def issuer_jwks():
    parse_query(NoParameters, request.args)
    response = jsonify(signing.jwks(transcript_stores().issuer_keys.list_keys()))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@blueprint.get("/issuer/keys/<kid>")
def issuer_key(kid: str):
    parse_query(NoParameters, request.args)
    key = transcript_stores().issuer_keys.get_key(kid)
    if key is None:
        raise NotFound(f"no issuer key {kid}")
    return jsonify(key.public_jwk)


@blueprint.post("/verify")
def verify():
    """Anyone may verify: the body is the compact JWS (text/plain) or
    {"credential": "<compact JWS>"}."""
    parse_query(NoParameters, request.args)
    token = _token_from_body()
    result = queries.verify_credential(current_storage(), current_policy(),
                                       anonymous_reader("verifier"), token)
    return jsonify(result.as_json())


def _token_from_body() -> str:
    if request.is_json:
        token = parse_body(VerifyBody, request.get_json(silent=True)).credential
    else:
        token = request.get_data(as_text=True)
    if not isinstance(token, str) or not token.strip() or len(token) > 2_000_000:
        raise BadRequest("send the credential as a compact JWS (text/plain), or as "
                         "{\"credential\": \"...\"}", pointer="/credential")
    return token
