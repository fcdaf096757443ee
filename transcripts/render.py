"""JSON and CSV shapes of what the queries return (API, CLI and exports share them)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from hub.exports import BOM
from hub.exports import csv_line as _csv_line
from transcripts.aggregation import JP_TYPES, Transcript, jp, transcript_json, utc_text
from transcripts.queries import AgencyReport, PeoplePage, Standing
from transcripts.storage.contract import (
    AccessEntry,
    Competency,
    Framework,
    IdentityConflict,
    IdentityLink,
    MappingRule,
    Person,
)

# Distribution buckets of the agency report: 5 JP wide, lower bound included.
BUCKET_LABELS = [f"{5 * b}-{5 * b + 5}" for b in range(8)] + ["40+"]


def person_json(person: Person) -> dict[str, Any]:
    return {"nip": person.nip, "name": person.name, "employee_type": person.employee_type,
            "agency": person.agency, "unit": person.unit, "source": person.source,
            "updated_at": utc_text(person.updated_at)}


def standing_json(standing: Standing) -> dict[str, Any]:
    person = standing.person
    return {"nip": person.nip, "name": person.name, "employee_type": person.employee_type,
            "agency": person.agency, "unit": person.unit, "year": standing.year,
            "total_jp": jp(standing.jp_centi),
            "jp_by_type": {k: jp(standing.jp_by_type_centi.get(k, 0)) for k in JP_TYPES},
            "activity_count": standing.activity_count,
            "required_jp": jp(standing.required_jp_centi), "compliant": standing.compliant}


def people_page_json(page: PeoplePage) -> dict[str, Any]:
    return {"people": [standing_json(s) for s in page.people], "next_after": page.next_after}


def report_json(report: AgencyReport) -> dict[str, Any]:
    totals = report.totals
    return {
        "agency": report.agency,
        "year": report.year,
        "required_jp": {kind: jp(value) for kind, value in report.requirements_centi.items()},
        "people": totals.people,
        "compliant": totals.compliant,
        "non_compliant": totals.non_compliant,
        "unknown_employee_type": totals.unknown,
        "total_jp": jp(totals.jp_centi),
        "average_jp": jp(totals.jp_centi // totals.people) if totals.people else 0,
        "jp_by_type": {k: jp(v) for k, v in totals.jp_by_type_centi.items()},
        "distribution": [{"bucket": BUCKET_LABELS[b], "people": n}
                         for b, n in sorted(totals.distribution.items())],
        "units": [{"unit": u["unit"], "people": u["people"], "compliant": u["compliant"],
                   "total_jp": jp(u["jp_centi"])} for u in totals.units],
        "under_required": [standing_json(s) for s in report.under_required],
        "next_after": report.next_after,
    }


def link_json(link: IdentityLink) -> dict[str, Any]:
    return {"identifier": link.identifier, "kind": link.kind, "value": link.value,
            "nip": link.nip, "source": link.source, "linked_at": utc_text(link.linked_at)}


def conflict_json(conflict: IdentityConflict) -> dict[str, Any]:
    return {"id": conflict.id, "identifier": conflict.identifier, "kind":
            next(iter(conflict.value)) if "issuer" not in conflict.value else "lti",
            "value": conflict.value, "linked_nip": conflict.linked_nip,
            "claimed_nip": conflict.claimed_nip, "source": conflict.source,
            "reported_at": utc_text(conflict.reported_at),
            "resolved_at": utc_text(conflict.resolved_at) if conflict.resolved_at else None}


def framework_json(framework: Framework, competencies: Iterable[Competency] = ()
                   ) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": framework.id, "title": framework.title, "format": framework.format,
        "uri": framework.uri, "version": framework.version,
        "imported_at": utc_text(framework.imported_at),
        "competency_count": framework.competency_count}
    listed = list(competencies)
    if listed:
        body["competencies"] = [competency_json(c) for c in listed]
    return body


def competency_json(competency: Competency) -> dict[str, Any]:
    return {"id": competency.id, "framework_id": competency.framework_id,
            "code": competency.code, "name": competency.name, "type": competency.type,
            "levels": [{"level": lv.level, "description": lv.description}
                       for lv in competency.levels], "uri": competency.uri}


def rule_json(rule: MappingRule) -> dict[str, Any]:
    return {"id": rule.id, "kind": rule.kind, "pattern": rule.pattern,
            "competency_id": rule.competency_id, "level": rule.level, "jp": jp(rule.jp_centi),
            "created_at": utc_text(rule.created_at)}


def access_json(entry: AccessEntry) -> dict[str, Any]:
    return {"id": entry.id, "at": utc_text(entry.at), "credential_key": entry.credential_key,
            "credential_name": entry.credential_name, "action": entry.action,
            "subject": entry.subject, "year": entry.year, "detail": entry.detail,
            "request_id": entry.request_id}


# --- CSV ------------------------------------------------------------------------------
# Every cell goes through hub.exports: no formula reaches an auditor's spreadsheet (issue 13.2).
STANDING_COLUMNS = ["nip", "nama", "jenis_pegawai", "instansi", "unit_kerja", "tahun",
                    "total_jp", "jp_teknis", "jp_manajerial", "jp_sosial_kultural",
                    "jp_tanpa_pemetaan", "jumlah_kegiatan", "jp_wajib", "memenuhi"]


def _yes_no(value: bool | None) -> str:
    return {True: "ya", False: "tidak", None: ""}[value]


def standings_csv(standings: Iterable[Standing]) -> Iterator[str]:
    yield BOM + _csv_line(STANDING_COLUMNS)
    for s in standings:
        p = s.person
        yield _csv_line([p.nip, p.name, p.employee_type, p.agency, p.unit, s.year,
                         jp(s.jp_centi), *[jp(s.jp_by_type_centi.get(k, 0)) for k in JP_TYPES],
                         s.activity_count, jp(s.required_jp_centi), _yes_no(s.compliant)])


TRANSCRIPT_COLUMNS = ["tanggal", "kegiatan", "id_kegiatan", "penyelenggara", "platform",
                      "nilai", "jp", "sumber_jp", "kompetensi", "jenis_kompetensi", "level",
                      "id_statement", "klaim_kompetensi", "hasil_klaim"]


def transcript_csv(transcript: Transcript, competencies: dict[str, Competency]
                   ) -> Iterator[str]:
    head = transcript_json(transcript)
    yield BOM + _csv_line(["nip", head["nip"], "nama", head["name"], "tahun", head["year"],
                           "total_jp", head["total_jp"], "memenuhi",
                           _yes_no(head["compliant"])])
    yield _csv_line(TRANSCRIPT_COLUMNS)
    for line in transcript.lines:
        competency = competencies.get(line.competency_id) if line.competency_id else None
        yield _csv_line([utc_text(line.date)[:10], line.activity_name, line.activity_id,
                         line.provider, line.platform, jp(line.score_centi), jp(line.jp_centi),
                         line.jp_source, competency.name if competency else "",
                         competency.type if competency else "", line.level,
                         " ".join(line.statement_ids), line.claimed_competency or "",
                         line.claim_outcome or ""])
