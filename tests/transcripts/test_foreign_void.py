"""Issue 13.1 as an auditor sees it: another partner's void cannot take JP off a transcript."""

from __future__ import annotations

import uuid

from transcript_fixtures import KEUANGAN, SITI, learning, siasn, voiding


def total_jp(auditor_get) -> float:
    response = auditor_get(f"/api/transcripts/people/{SITI}/transcripts/2026")
    assert response.status_code == 200, response.json
    return response.json["total_jp"]


def test_a_refused_void_by_another_partner_leaves_the_transcript_unchanged(
        registry, partners, send, client, auditor_get):
    [target] = send(partners["akademi"], learning(siasn(SITI), KEUANGAN, jp=21))
    before = total_jp(auditor_get)
    assert before == 21
    response = client.post("/xapi/statements", json=voiding(target),
                           headers={"Authorization": partners["jabar"]["Authorization"],
                                    "X-Experience-API-Version": "1.0.3"})
    assert response.status_code == 403
    assert total_jp(auditor_get) == before


def test_a_void_sent_in_advance_by_another_partner_does_not_take_the_jp(
        registry, partners, send, auditor_get):
    target = str(uuid.uuid4())
    send(partners["jabar"], voiding(target))
    send(partners["akademi"], learning(siasn(SITI), KEUANGAN, jp=21, statement_id=target))
    assert total_jp(auditor_get) == 21


def test_the_owner_still_voids_its_own_statement_off_the_transcript(
        registry, partners, send, auditor_get):
    [target] = send(partners["akademi"], learning(siasn(SITI), KEUANGAN, jp=21))
    send(partners["akademi"], voiding(target))
    assert total_jp(auditor_get) == 0
