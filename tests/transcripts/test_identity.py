"""The person registry: links from the roster, statements, LTI and administrators;
conflicts are reported, never merged; the Agents resource shows the combined Person."""

from __future__ import annotations

import json

import pytest
from transcript_fixtures import (
    BUDI,
    DEDI,
    KEUANGAN,
    ROSTER_FILE,
    SIASN,
    SITI,
    learning,
    mbox,
    siasn,
)

from transcripts.identity import link_lti_user

LMS = "https://lms.bpsdm.jabarprov.go.id"


def conflicts(client, admin, open_only: bool = True) -> list[dict]:
    response = client.get("/api/transcripts/admin/conflicts",
                          query_string={"open": "true" if open_only else "false"},
                          headers={"Authorization": admin["Authorization"]})
    assert response.status_code == 200
    return response.json["conflicts"]


def test_the_agents_resource_shows_every_identifier_of_the_nip(registry, client, xapi):
    response = client.get("/xapi/agents", query_string={
        "agent": json.dumps(mbox("Siti.Rahmawati@menpan.go.id"))}, headers=xapi())
    person = response.json
    assert person["name"] == ["Siti Rahmawati"]
    assert person["mbox"] == ["mailto:Siti.Rahmawati@menpan.go.id"]
    assert len(person["mbox_sha1sum"]) == 1
    assert person["openid"] == ["https://sso.menpan.go.id/siti"]
    assert person["account"] == [{"homePage": SIASN, "name": SITI}]


def test_a_person_shown_by_the_agents_resource_is_in_the_access_log(registry, client, xapi,
                                                                    admin):
    client.get("/xapi/agents", query_string={"agent": json.dumps(siasn(SITI))},
               headers=xapi())
    log = client.get("/api/transcripts/admin/access-log", query_string={"subject": SITI},
                     headers={"Authorization": admin["Authorization"]}).json["entries"]
    assert [(e["action"], e["credential_key"]) for e in log] == [
        ("agents.person", xapi.credential["key"])]


def test_an_unknown_agent_is_a_person_of_just_itself(registry, client, xapi):
    response = client.get("/xapi/agents", query_string={
        "agent": json.dumps(mbox("nobody@example.go.id"))}, headers=xapi())
    assert response.json == {"objectType": "Person", "mbox": ["mailto:nobody@example.go.id"]}


def test_a_roster_claiming_an_identifier_of_another_nip_is_a_conflict_not_a_merge(
        registry, runner, tmp_path, client, admin, app):
    roster = tmp_path / "roster.csv"
    roster.write_text("nip,nama,jenis_pegawai,instansi,email\n"
                      f"{DEDI},Dedi Kurniawan,PNS,Pemerintah Provinsi Jawa Barat,"
                      "siti.rahmawati@menpan.go.id\n")
    result = runner.invoke(args=["transcripts", "roster", "import", str(roster)])
    assert result.exit_code == 0, result.output
    assert "conflict: agent:mbox:mailto:siti.rahmawati@menpan.go.id is linked to NIP " \
           f"{SITI}" in result.output
    found = conflicts(client, admin)
    assert {(c["kind"], c["linked_nip"], c["claimed_nip"]) for c in found} == {
        ("mbox", SITI, DEDI), ("mbox_sha1sum", SITI, DEDI)}
    with app.app_context():
        links = app.extensions["hub.storage"].people.links_of(DEDI)
    assert [link.kind for link in links] == ["account"]  # only his own NIP account


def test_importing_the_same_roster_twice_reports_no_conflict(registry, runner, client, admin):
    result = runner.invoke(args=["transcripts", "roster", "import", str(ROSTER_FILE)])
    assert result.exit_code == 0, result.output
    assert "imported 4 people" in result.output
    assert conflicts(client, admin) == []


def test_an_administrator_can_relink_explicitly_and_the_evidence_follows(
        registry, partners, send, client, admin, auditor_get):
    send(partners["jabar"], learning(mbox("siti.rahmawati@menpan.go.id"), KEUANGAN, jp=5))
    headers = {"Authorization": admin["Authorization"]}
    claim = {"nip": DEDI, "agent": mbox("siti.rahmawati@menpan.go.id")}
    refused = client.post("/api/transcripts/admin/identities", json=claim, headers=headers)
    assert refused.status_code == 409
    assert refused.json["error"]["code"] == "conflict"
    assert auditor_get(f"/api/transcripts/people/{SITI}/transcripts/2026").json[
        "total_jp"] == 5
    moved = client.post("/api/transcripts/admin/identities", json={**claim, "relink": True},
                        headers=headers)
    assert moved.status_code == 201
    assert auditor_get(f"/api/transcripts/people/{SITI}/transcripts/2026").json[
        "total_jp"] == 0
    assert auditor_get(f"/api/transcripts/people/{DEDI}/transcripts/2026").json[
        "total_jp"] == 5
    assert conflicts(client, admin) == []


def test_unlinking_an_identifier_takes_its_evidence_off_the_transcript(
        registry, partners, send, client, admin, auditor_get):
    send(partners["jabar"], learning(mbox("siti.rahmawati@menpan.go.id"), KEUANGAN, jp=5))
    response = client.delete("/api/transcripts/admin/identities", query_string={
        "agent": json.dumps(mbox("siti.rahmawati@menpan.go.id"))},
        headers={"Authorization": admin["Authorization"]})
    assert response.status_code == 204
    assert auditor_get(f"/api/transcripts/people/{SITI}/transcripts/2026").json[
        "total_jp"] == 0


def test_an_lti_user_in_the_roster_is_known_at_once(registry, app):
    with app.test_request_context():
        assert link_lti_user(LMS, "u-4821") == BUDI


def test_an_lti_launch_claiming_a_nip_links_the_user_and_its_email(registry, app, partners,
                                                                   send, auditor_get):
    with app.test_request_context():
        assert link_lti_user("https://elearning.bkpsdm.go.id", "77", nip="19790325 200501 1 004",
                             email="dedi.k@jabarprov.go.id") == DEDI
        assert link_lti_user("https://elearning.bkpsdm.go.id", "77") == DEDI
    send(partners["jabar"], learning(mbox("dedi.k@jabarprov.go.id"), KEUANGAN, jp=3))
    assert auditor_get(f"/api/transcripts/people/{DEDI}/transcripts/2026").json[
        "total_jp"] == 3


def test_an_lti_launch_is_recognised_by_a_known_email(registry, app):
    with app.test_request_context():
        assert link_lti_user("https://moodle.lan.go.id", "abc",
                             email="Siti.Rahmawati@menpan.go.id") == SITI
        assert link_lti_user("https://moodle.lan.go.id", "abc") == SITI


def test_a_sourcedid_that_is_a_nip_identifies_the_user(registry, app):
    with app.test_request_context():
        assert link_lti_user("https://moodle.lan.go.id", "s9",
                             sourcedid="199001012015032001") == SITI


def test_an_unknown_lti_user_is_none_and_nothing_is_linked(registry, app):
    with app.test_request_context():
        assert link_lti_user("https://moodle.lan.go.id", "zzz", nip="12345",
                             email="who@example.com") is None
        storage = app.extensions["hub.storage"]
        from transcripts.identifiers import lti_actor
        key = lti_actor("https://moodle.lan.go.id", "zzz").key
        assert storage.people.find_links([key]) == {}


def test_an_lti_user_linked_to_one_nip_claiming_another_is_a_conflict(registry, app, client,
                                                                       admin):
    with app.test_request_context():
        assert link_lti_user(LMS, "u-4821", nip=SITI) == BUDI
    [conflict] = conflicts(client, admin)
    assert (conflict["kind"], conflict["linked_nip"], conflict["claimed_nip"]) == (
        "lti", BUDI, SITI)


@pytest.mark.parametrize("agent", [
    {"objectType": "Group", "member": [siasn(SITI)]},
    {"name": "no identifier"},
])
def test_the_resolver_links_nothing_for_groups_or_anonymous_agents(registry, app, agent):
    from transcripts.identity import RegistryResolver
    with app.test_request_context():
        assert RegistryResolver().same_person(agent) == []


def test_reimporting_the_roster_reads_no_statement_again(registry, app, partners, send,
                                                         monkeypatch, auditor_get):
    send(partners["jabar"], learning(mbox("siti.rahmawati@menpan.go.id"), KEUANGAN, jp=5),
         learning(mbox("new.address@menpan.go.id"), f"{KEUANGAN}/lanjutan", jp=2))
    from lrs import service as lrs_service
    read: list[str] = []
    original = lrs_service.find_statements

    def counting(ids):
        ids = list(ids)
        read.extend(ids)
        return original(ids)

    monkeypatch.setattr(lrs_service, "find_statements", counting)
    from transcript_fixtures import load_roster
    load_roster(app)
    assert read == []  # nothing newly linked: nothing to process again
    roster = ROSTER_FILE.read_text().replace("siti.rahmawati@menpan.go.id",
                                             "siti.rahmawati@menpan.go.id|new.address@menpan.go.id")
    with app.app_context():
        from transcripts.identity import import_roster
        from transcripts.policy import current_policy
        from transcripts.roster import parse_roster
        import_roster(app.extensions["hub.storage"], parse_roster(roster), current_policy())
    assert len(read) == 1  # only the statement that waited for the new address
    assert auditor_get(f"/api/transcripts/people/{SITI}/transcripts/2026").json[
        "total_jp"] == 7
