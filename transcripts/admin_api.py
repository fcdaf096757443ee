"""Administration of transcripts (scope `admin`): the registry, frameworks, mapping
rules, auditors' agency limits, and the access log.

    PUT    /api/transcripts/admin/people/<nip>                register or update a person
    POST   /api/transcripts/admin/roster                      roster CSV (text/csv)
    GET    /api/transcripts/admin/people/<nip>/identities     identifiers linked to a NIP
    POST   /api/transcripts/admin/identities                  link {"nip", "agent"|"lti", "relink"?}
    DELETE /api/transcripts/admin/identities?agent=|lti_issuer=&lti_sub=
    GET    /api/transcripts/admin/conflicts                   identity conflicts
    POST   /api/transcripts/admin/frameworks                  CASE 1.1 JSON, or CSV (?id=&title=)
    GET    /api/transcripts/admin/rules | POST | DELETE /rules/<id>
    GET|PUT|DELETE /api/transcripts/admin/auditors/<key>/agencies
    GET    /api/transcripts/admin/access-log
    GET    /api/transcripts/admin/status                      feed cursor, gaps, waiting statements,
                                                              competency claims not counted
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, jsonify, request

from hub.auth import require_scope
from hub.errors import BadRequest, Conflict, NotFound
from hub.inputs import parse_body, parse_query
from hub.storage import current_storage
from hub.text_input import NotUTF8, decode_utf8
from transcripts import frameworks, identity, inputs, queries, render
from transcripts.access import Reader, reader_for, record_access
from transcripts.admin_inputs import (
    AccessLogQuery,
    AgencyLimits,
    ConflictsQuery,
    CsvFrameworkQuery,
    IdentityLink,
    IdentityQuery,
    PersonBody,
    RosterQuery,
    rule_bodies,
)
from transcripts.api_inputs import NoParameters
from transcripts.mapping import CLAIMS_NOT_COUNTED, RuleError
from transcripts.policy import current_policy
from transcripts.roster import parse_roster
from transcripts.storage import stores as transcript_stores
from transcripts.storage.contract import AccessQuery, Person

blueprint = Blueprint("transcripts_admin_api", __name__, url_prefix="/api/transcripts/admin")


def _admin() -> Reader:
    return reader_for(require_scope("admin"), transcript_stores().access)


def _no_params() -> None:
    parse_query(NoParameters, request.args)


@blueprint.put("/people/<nip>")
def put_person(nip: str):
    _admin()
    _no_params()
    nip = inputs.nip_in_path(nip)
    body = parse_body(PersonBody, request.get_json(silent=True))
    storage = current_storage()
    people = transcript_stores(storage).people
    created = people.get_person(nip) is None
    person = Person(nip=nip, name=body.name, employee_type=body.employee_type,
                    agency=body.agency, unit=body.unit, source="admin",
                    updated_at=datetime.now(UTC))
    people.upsert_people([person])
    identity.link_claims(storage, [(a, nip) for a in identity.nip_accounts(nip,
                                                                           current_policy())],
                         "admin", current_policy())
    return jsonify(render.person_json(person)), 201 if created else 200


@blueprint.post("/roster")
def post_roster():
    _admin()
    query = parse_query(RosterQuery, request.args)
    if request.mimetype not in ("text/csv", "text/plain"):
        raise BadRequest("send the roster as text/csv", header="Content-Type")
    roster = parse_roster(_uploaded_text("the roster"))
    report = identity.import_roster(current_storage(), roster, current_policy(),
                                    skip_invalid=query.skip_invalid)
    body = {"imported": report.imported, "people": report.people, "links": report.links,
            "errors": [{"line": e.line, "column": e.column, "message": e.message}
                       for e in report.errors],
            "conflicts": [render.conflict_json(c) for c in report.conflicts]}
    return jsonify(body), 200 if report.imported else 400


@blueprint.get("/people/<nip>/identities")
def get_identities(nip: str):
    reader = _admin()
    _no_params()
    nip = inputs.nip_in_path(nip)
    data = transcript_stores()
    if data.people.get_person(nip) is None:
        raise NotFound(f"no person with NIP {nip}")
    links = data.people.links_of(nip)
    record_access(data.access, reader, "identities.read", [nip])
    return jsonify({"nip": nip, "identities": [render.link_json(link) for link in links]})


@blueprint.post("/identities")
def post_identity():
    _admin()
    _no_params()
    body = parse_body(IdentityLink, request.get_json(silent=True))
    nip, actor = body.nip, body.actor()
    storage = current_storage()
    if transcript_stores(storage).people.get_person(nip) is None:
        raise NotFound(f"no person with NIP {nip}; register them first")
    result = identity.link_identity(storage, nip, actor, current_policy(),
                                    relink=body.relink)
    if result.conflicts:
        conflict = result.conflicts[0]
        raise Conflict(f"{actor.identifier} is linked to NIP {conflict.linked_nip}; the "
                       "conflict is recorded. Send relink: true to move it.",
                       pointer="/nip")
    return jsonify(render.link_json(result.linked[0])), 201


@blueprint.delete("/identities")
def delete_identity():
    _admin()
    actor = parse_query(IdentityQuery, request.args).actor()
    if identity.unlink_identity(current_storage(), actor, current_policy()) is None:
        raise NotFound(f"{actor.identifier} is not linked")
    return "", 204


@blueprint.get("/conflicts")
def get_conflicts():
    reader = _admin()
    query = parse_query(ConflictsQuery, request.args)
    data = transcript_stores()
    conflicts = data.people.list_conflicts(open_only=query.open, after_id=query.after,
                                           limit=query.limit)
    record_access(data.access, reader, "conflicts.read",
                  [n for c in conflicts for n in (c.linked_nip, c.claimed_nip)])
    return jsonify({"conflicts": [render.conflict_json(c) for c in conflicts]})


@blueprint.post("/frameworks")
def post_framework():
    _admin()
    storage, policy = current_storage(), current_policy()
    try:
        if request.mimetype == "text/csv":
            named = parse_query(CsvFrameworkQuery, request.args)
            parsed = frameworks.parse_csv(_uploaded_text("the framework CSV"), named.id,
                                          named.title)
        elif request.is_json:
            _no_params()
            parsed = frameworks.parse_case(request.get_json(silent=True))
        else:
            raise BadRequest("send CASE 1.1 JSON (application/json) or CSV (text/csv)",
                             header="Content-Type")
        changed = frameworks.import_framework(storage, parsed, policy)
    except frameworks.FrameworkError as exc:
        raise BadRequest(str(exc), pointer=exc.pointer) from None
    framework = transcript_stores(storage).frameworks.get_framework(parsed.framework.id)
    if framework is None:  # removed by a concurrent request since the import
        raise NotFound(f"no framework {parsed.framework.id}")
    return jsonify({**render.framework_json(framework, parsed.competencies),
                    "evidence_remapped": changed}), 201


@blueprint.get("/rules")
def get_rules():
    _admin()
    _no_params()
    return jsonify({"rules": [render.rule_json(r)
                              for r in transcript_stores().frameworks.list_rules()]})


@blueprint.post("/rules")
def post_rules():
    _admin()
    _no_params()
    bodies = rule_bodies(request.get_json(silent=True))
    storage = current_storage()
    rules = []
    for prefix, rule in bodies:
        try:
            rules.append(frameworks.new_rule(
                storage, kind=rule.kind, pattern=rule.pattern, competency=rule.competency,
                level=rule.level, jp_centi=rule.jp_centi()))
        except RuleError as exc:
            raise BadRequest(str(exc), pointer=f"{prefix}/{exc.field}") from None
    stored, changed = frameworks.add_rules(storage, rules, current_policy())
    return jsonify({"rules": [render.rule_json(r) for r in stored],
                    "evidence_remapped": changed}), 201


@blueprint.delete("/rules/<int:rule_id>")
def delete_rule(rule_id: int):
    _admin()
    _no_params()
    if not frameworks.delete_rule(current_storage(), rule_id, current_policy()):
        raise NotFound(f"no rule {rule_id}")
    return "", 204


@blueprint.get("/auditors/<key>/agencies")
def get_agencies(key: str):
    _admin()
    _no_params()
    limits = transcript_stores().access.agency_limits(key)
    return jsonify({"credential_key": key,
                    "agencies": sorted(limits) if limits is not None else None})


@blueprint.put("/auditors/<key>/agencies")
def put_agencies(key: str):
    _admin()
    _no_params()
    agencies = parse_body(AgencyLimits, request.get_json(silent=True)).agencies
    storage = current_storage()
    if storage.credentials.find_credential(key) is None:
        raise NotFound(f"no credential with key {key}")
    transcript_stores(storage).access.set_agency_limits(key, agencies)
    return jsonify({"credential_key": key, "agencies": sorted(set(agencies))})


@blueprint.delete("/auditors/<key>/agencies")
def delete_agencies(key: str):
    _admin()
    _no_params()
    transcript_stores().access.set_agency_limits(key, None)
    return "", 204


@blueprint.get("/access-log")
def get_access_log():
    reader = _admin()
    given = parse_query(AccessLogQuery, request.args)
    query = AccessQuery(subject=given.subject, credential_key=given.credential,
                        action=given.action, since=given.since, until=given.until,
                        after_id=given.after, limit=given.limit)
    entries = queries.access_log(current_storage(), reader, query)
    return jsonify({"entries": [render.access_json(e) for e in entries],
                    "next_after": entries[-1].id if len(entries) == query.limit else None})


@blueprint.get("/status")
def get_status():
    _admin()
    _no_params()
    data = transcript_stores()
    state = data.transcripts.feed_state()
    not_counted = [{"code": c.code, "outcome": c.outcome, "evidence": c.evidence}
                   for c in data.transcripts.claim_counts() if c.outcome in CLAIMS_NOT_COUNTED]
    return jsonify({"cursor": state.cursor, "open_gaps": sorted(state.gaps),
                    "waiting_for_identity": data.transcripts.count_unlinked(),
                    "competency_claims_not_counted": not_counted,
                    "issuer_keys": len(data.issuer_keys.list_keys())})


def _uploaded_text(what: str) -> str:
    try:
        return decode_utf8(request.get_data(), what=what)
    except NotUTF8 as exc:
        raise BadRequest(str(exc), rule="utf-8") from None
