"""The auditor pages through Flask's test client, on both engines: sign-in, sessions and
CSRF, search, transcripts, the agency dashboard, CSV and PDF, agency limits, languages,
friendly error pages and the access log of every read."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from pypdf import PdfReader
from sqlalchemy import event
from transcript_fixtures import (
    ANI,
    BUDI,
    DEDI,
    INTEGRITAS,
    JABAR,
    KEBIJAKAN,
    KEMENPAN,
    KEUANGAN,
    SITI,
    WEBINAR,
    learning,
    mbox,
    siasn,
)

from transcripts.inputs import current_year
from transcripts.storage.contract import AccessQuery

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
TRANSCRIPT_LINK = re.compile(r'href="/auditor/people/(\d{18})/(\d{4})"')


# --- helpers --------------------------------------------------------------------------
def csrf_token(client, path: str = "/auditor/sign-in") -> str:
    return CSRF.search(client.get(path).get_data(as_text=True)).group(1)


def sign_in(client, credential: dict, **extra):
    return client.post("/auditor/sign-in", data={
        "key": credential["key"], "secret": credential["secret"],
        "csrf_token": csrf_token(client), **extra})


def text_of(response) -> str:
    return response.get_data(as_text=True)


def people_listed(response) -> list[str]:
    return list(dict.fromkeys(nip for nip, _ in TRANSCRIPT_LINK.findall(text_of(response))))


def alert(response) -> str:
    match = re.search(r'role="alert"[^>]*>([^<]*)<', text_of(response))
    return html.unescape(match.group(1)) if match else ""


def sign_in_target(response, sign_in_path: str = "/auditor/sign-in") -> str | None:
    """Where a redirect to the sign-in page will send the auditor afterwards."""
    parts = urlsplit(response.location)
    assert parts.path == sign_in_path, response.location
    return parse_qs(parts.query).get("next", [None])[0]


def entries(storage, **query) -> list:
    return storage.access.query_access(AccessQuery(limit=1000, **query))


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text_of(response).lstrip("\ufeff"))))


def pdf_text(response) -> str:
    """The PDF's text with every run of whitespace (table cells wrap) as one space."""
    pages = PdfReader(io.BytesIO(response.data)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


@pytest.fixture
def learning_year(registry, partners, send):
    """As the API tests: Siti 24 JP (compliant), Budi 8, Ani 20, Dedi 0 in 2026."""
    send(partners["jabar"],
         learning(siasn(SITI), KEUANGAN, name="Pengelolaan Keuangan Daerah", jp=24),
         learning(mbox("budi.santoso@menpan.go.id"), KEUANGAN, jp=8),
         learning(siasn(ANI), KEUANGAN, jp=20),
         learning(siasn(ANI), KEUANGAN, jp=6, timestamp="2025-06-01T10:00:00+07:00"))


@pytest.fixture
def siti_learning(registry, partners, send) -> dict[str, list[str]]:
    """Siti's year through the fixture rules: Analisis Kebijakan (6 JP, T.ANKEB level 2)
    twice, an Integritas class (M.1 level 3, 4 JP claimed), a webinar (SK.1, 2 JP) and an
    unmapped course of 3 JP: 15 JP, under the 20 JP of a PNS."""
    kebijakan = send(partners["akademi"],
                     learning(siasn(SITI), KEBIJAKAN, score=0.875,
                              timestamp="2026-02-10T09:00:00+07:00"),
                     learning(siasn(SITI), KEBIJAKAN, score=0.9,
                              timestamp="2026-02-11T09:00:00+07:00"))
    integritas = send(partners["akademi"],
                      learning(siasn(SITI), INTEGRITAS + "/dasar", name="Integritas ASN",
                               jp=4, timestamp="2026-04-02T10:00:00+07:00"))
    webinar = send(partners["akademi"],
                   learning(siasn(SITI), "https://akademi.example.id/webinar/kebangsaan",
                            name="Webinar Wawasan Kebangsaan", activity_type=WEBINAR,
                            timestamp="2026-05-20T13:00:00+07:00"))
    other = send(partners["jabar"],
                 learning(siasn(SITI), "https://lms.example.id/course/pelayanan",
                          name="Pelayanan Publik Prima", jp=3,
                          timestamp="2026-08-17T08:00:00+07:00", platform="Moodle BPSDM"))
    return {"kebijakan": kebijakan, "integritas": integritas, "webinar": webinar,
            "other": other}


@pytest.fixture
def signed_in(client, auditor):
    response = sign_in(client, auditor)
    assert response.status_code == 303, text_of(response)
    return client


def limit(client, admin, credential, *agencies):
    response = client.put(f"/api/transcripts/admin/auditors/{credential['key']}/agencies",
                          json={"agencies": list(agencies)},
                          headers={"Authorization": admin["Authorization"]})
    assert response.status_code == 200


# --- signing in -----------------------------------------------------------------------
PAGES = ["/auditor/people", "/auditor/people?year=2026&agency=Kementerian+PANRB",
         f"/auditor/people/{SITI}/2026", f"/auditor/people/{SITI}/2026/transcript.csv",
         f"/auditor/people/{SITI}/2026/transcript.pdf", f"/auditor/people/{SITI}",
         f"/auditor/agency?agency={KEMENPAN}", f"/auditor/agency/report.pdf?agency={KEMENPAN}",
         f"/auditor/agency/report.csv?agency={KEMENPAN}", "/auditor/people.csv"]


def test_without_a_session_every_page_redirects_to_sign_in_and_reads_nothing(registry, client,
                                                                            storage):
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 303, path
        assert sign_in_target(response) == path
    page = client.get("/auditor/sign-in")
    assert "Silakan masuk untuk membuka halaman ini." in text_of(page)
    assert entries(storage) == []


def test_signing_in_sets_a_signed_httponly_samesite_cookie_without_the_secret(registry, client,
                                                                              auditor):
    response = sign_in(client, auditor)
    assert (response.status_code, response.location) == (303, "/auditor/people")
    [cookie] = [c for c in response.headers.getlist("Set-Cookie")
                if c.startswith("hub_auditor_session=")]
    attributes = [part.strip() for part in cookie.split(";")]
    assert {"HttpOnly", "SameSite=Lax", "Path=/auditor"} <= set(attributes)
    assert "Secure" not in attributes  # plain http: a Secure cookie would never come back
    assert auditor["secret"] not in cookie
    assert client.get("/auditor/people").status_code == 200


def test_over_https_the_session_cookie_is_secure(registry, app, auditor):
    client = app.test_client()
    page = client.get("/auditor/sign-in", base_url="https://hub.example.id")
    token = CSRF.search(text_of(page)).group(1)
    response = client.post("/auditor/sign-in", base_url="https://hub.example.id", data={
        "key": auditor["key"], "secret": auditor["secret"], "csrf_token": token})
    cookie = next(c for c in response.headers.getlist("Set-Cookie")
                  if c.startswith("hub_auditor_session="))
    assert "Secure" in [part.strip() for part in cookie.split(";")]


@pytest.mark.parametrize(("scopes", "status", "message"), [
    (("admin",), 403, "bukan kredensial auditor"),
    (("all",), 403, "bukan kredensial auditor"),
    (("statements/write",), 403, "bukan kredensial auditor"),
])
def test_credentials_without_the_auditor_role_are_refused(registry, client, make_credential,
                                                          scopes, status, message):
    response = sign_in(client, make_credential(*scopes))
    assert response.status_code == status
    assert message in alert(response)
    assert client.get("/auditor/people").status_code == 303


def test_wrong_unknown_or_missing_credentials_are_refused(registry, client, auditor):
    wrong = sign_in(client, {**auditor, "secret": auditor["secret"] + "x"})
    unknown = sign_in(client, {**auditor, "key": "0" * 32})
    empty = sign_in(client, {"key": "", "secret": ""})
    assert (wrong.status_code, unknown.status_code, empty.status_code) == (401, 401, 400)
    assert "salah" in alert(wrong) and alert(wrong) == alert(unknown)
    assert auditor["key"] in text_of(wrong)  # the key typed stays in the form
    assert auditor["secret"] not in text_of(wrong)


KEY_FIELD = re.compile(r'id="key"[^>]*value="([^"]*)"')


@pytest.mark.parametrize("typed", [
    {"key": "a" * 65}, {"key": "kunci rahasia"}, {"key": "ab\x01cd"}, {"key": "a\x00b"},
    {"secret": "s" * 201}, {"secret": "baris\nbaru"},
])
def test_a_key_or_secret_no_credential_has_is_refused_on_the_form(registry, client, auditor,
                                                                  typed):
    response = sign_in(client, {**auditor, **typed})
    assert response.status_code == 400
    assert "persis seperti yang diberikan" in alert(response)
    assert KEY_FIELD.search(text_of(response)).group(1) == ""  # not typed back
    assert sign_in(client, auditor).status_code == 303


def test_the_sign_in_form_takes_its_own_fields_and_the_language_switch(registry, client,
                                                                       auditor):
    extra = sign_in(client, auditor, remember="on")
    assert extra.status_code == 400 and 'Parameter "remember" tidak dikenal' in alert(extra)
    english = sign_in(client, {**auditor, "secret": "salah"}, lang="en")
    assert english.status_code == 401 and "wrong" in alert(english)


def test_every_post_form_needs_the_csrf_token(registry, client, auditor):
    without = client.post("/auditor/sign-in", data={"key": auditor["key"],
                                                    "secret": auditor["secret"]})
    forged = client.post("/auditor/sign-in", data={"key": auditor["key"],
                                                   "secret": auditor["secret"],
                                                   "csrf_token": "forged"})
    assert (without.status_code, forged.status_code) == (400, 400)
    assert "kedaluwarsa" in alert(without)
    assert client.get("/auditor/people").status_code == 303  # not signed in
    assert sign_in(client, auditor).status_code == 303
    assert client.post("/auditor/sign-out").status_code == 400
    assert client.get("/auditor/people").status_code == 200  # still signed in


def test_opening_a_page_before_signing_in_keeps_the_sign_in_form_valid(registry, client,
                                                                        auditor):
    token = csrf_token(client)  # the form is open in one tab ...
    client.get("/auditor/people")  # ... while another tab asks for a page
    response = client.post("/auditor/sign-in", data={
        "key": auditor["key"], "secret": auditor["secret"], "csrf_token": token})
    assert response.status_code == 303


def test_the_pages_work_under_a_path_prefix(learning_year, app, auditor):
    client = app.test_client()
    base = "http://localhost/hub"
    first = client.get("/auditor/people?year=2026", base_url=base)
    assert first.location.startswith("/hub/auditor/sign-in?")
    assert sign_in_target(first, "/hub/auditor/sign-in") == "/hub/auditor/people?year=2026"
    token = CSRF.search(text_of(client.get("/auditor/sign-in", base_url=base))).group(1)
    signed = client.post("/auditor/sign-in", base_url=base, data={
        "key": auditor["key"], "secret": auditor["secret"], "csrf_token": token,
        "next": "/hub/auditor/people?year=2026"})
    assert signed.location == "/hub/auditor/people?year=2026"
    assert "Path=/hub/auditor" in next(c for c in signed.headers.getlist("Set-Cookie")
                                       if c.startswith("hub_auditor_session="))
    page = client.get("/auditor/people?year=2026", base_url=base)
    assert people_listed(page) == [] and 'href="/hub/auditor/people/' in text_of(page)
    assert client.get("/auditor/people?lang=en", base_url=base).location == "/hub/auditor/people"


def test_the_session_gets_a_new_csrf_token_at_sign_in(registry, client, auditor):
    before = csrf_token(client)
    sign_in(client, auditor)
    assert csrf_token(client, "/auditor/people") != before


def test_signing_out_ends_the_session(signed_in):
    token = csrf_token(signed_in, "/auditor/people")
    response = signed_in.post("/auditor/sign-out", data={"csrf_token": token})
    assert (response.status_code, response.location) == (303, "/auditor/sign-in")
    assert "Anda telah keluar." in text_of(signed_in.get("/auditor/sign-in"))
    assert signed_in.get("/auditor/people").status_code == 303


def test_a_credential_revoked_while_signed_in_stops_working_on_the_next_page(
        learning_year, signed_in, storage, auditor):
    assert signed_in.get(f"/auditor/people/{SITI}/2026").status_code == 200
    storage.credentials.revoke_credential(auditor["key"], datetime.now(UTC))
    response = signed_in.get(f"/auditor/people/{SITI}/2026")
    assert response.status_code == 303 and response.location.startswith("/auditor/sign-in")
    assert "kredensial sudah tidak berlaku" in text_of(signed_in.get("/auditor/sign-in"))
    assert signed_in.get("/auditor/people").status_code == 303
    assert len(entries(storage, action="transcript.read")) == 1
    assert sign_in(signed_in, auditor).status_code == 401


def test_a_session_ends_after_a_working_day_however_active(signed_in, app, monkeypatch):
    from transcripts.pages import session

    settings = app.extensions["hub.settings"]
    start = session._now()
    clock = start
    monkeypatch.setattr(session, "_now", lambda: clock)
    while clock + settings.sessions.idle_seconds // 2 < start + settings.sessions.lifetime_seconds:
        clock += settings.sessions.idle_seconds // 2  # a page every quarter of an hour
        assert signed_in.get("/auditor/people").status_code == 200
    clock = start + settings.sessions.lifetime_seconds
    assert signed_in.get("/auditor/people").status_code == 303
    assert "kedaluwarsa" in text_of(signed_in.get("/auditor/sign-in"))


def test_a_forged_session_cookie_is_not_trusted(registry, app, client, auditor):
    from itsdangerous import URLSafeSerializer

    forged = URLSafeSerializer("not-the-secret", salt="transcripts.auditor-pages").dumps(
        {"c": "x", "i": "a-session-id-never-issued", "n": None})
    client.set_cookie("hub_auditor_session", forged, path="/auditor")
    assert client.get("/auditor/people").status_code == 303


def test_after_sign_in_the_auditor_lands_on_the_page_asked_for_but_never_off_site(
        learning_year, client, auditor):
    target = f"/auditor/people/{SITI}/2026"
    first = client.get(target)
    assert sign_in_target(first) == target
    assert f'name="next" value="{target}"' in text_of(client.get(first.location))
    assert sign_in(client, auditor, next=target).location == target
    for hostile in ("https://evil.example/", "//evil.example/auditor/", "/api/admin/credentials",
                    "/\\evil.example"):
        client.post("/auditor/sign-out", data={"csrf_token": csrf_token(client, target)})
        assert sign_in(client, auditor, next=hostile).location == "/auditor/people"


# --- search ---------------------------------------------------------------------------
def test_search_lists_people_with_their_year_in_bahasa_indonesia(learning_year, signed_in):
    response = signed_in.get("/auditor/people", query_string={"year": 2026,
                                                               "agency": KEMENPAN})
    page = text_of(response)
    assert response.status_code == 200
    assert '<html lang="id">' in page
    assert people_listed(response) == [BUDI, SITI]
    assert "Budi Santoso" in page and "19880517 202206 1 002" in page
    assert ">Memenuhi<" in page and ">Belum memenuhi<" in page
    assert "2 pegawai ditampilkan" in page


def test_the_search_page_alone_reads_nobody(learning_year, signed_in, storage):
    page = text_of(signed_in.get("/auditor/people"))
    assert 'id="results"' not in page and entries(storage) == []


@pytest.mark.parametrize(("query", "expected"), [
    ({"compliance": "non_compliant"}, [DEDI, BUDI]),
    ({"compliance": "compliant"}, [ANI, SITI]),
    ({"unit": "Dinas Kesehatan"}, [DEDI]),
    ({"name": "lestari"}, [ANI]),
    ({"agency": JABAR, "year": "2025"}, [DEDI, ANI]),
    ({"agency": "", "unit": "", "name": "", "compliance": ""}, [DEDI, ANI, BUDI, SITI]),
])
def test_search_filters_as_the_api_does(learning_year, signed_in, query, expected):
    response = signed_in.get("/auditor/people", query_string={"year": "2026", **query})
    assert response.status_code == 200
    assert people_listed(response) == expected


def test_search_pages_through_many_people(learning_year, signed_in, monkeypatch):
    from transcripts.pages import forms

    monkeypatch.setattr(forms, "PAGE_SIZE", 3)
    first = signed_in.get("/auditor/people?year=2026")
    assert len(people_listed(first)) == 3
    after = re.search(r'href="(/auditor/people\?[^"]*after=\d+[^"]*)" rel="next"',
                      text_of(first)).group(1).replace("&amp;", "&")
    second = signed_in.get(after)
    assert people_listed(second) == [SITI]
    assert 'rel="next"' not in text_of(second)


def test_every_person_a_search_shows_is_in_the_access_log(learning_year, signed_in, storage,
                                                          auditor):
    signed_in.get("/auditor/people", query_string={"year": 2026, "agency": JABAR},
                  headers={"X-Request-ID": "search-req-1"})
    logged = entries(storage, action="people.search")
    assert sorted(e.subject for e in logged) == sorted([ANI, DEDI])
    assert {(e.credential_key, e.credential_name, e.year, e.request_id) for e in logged} == {
        (auditor["key"], "Inspektorat Jenderal", 2026, "search-req-1")}
    assert logged[0].detail == {"agency": JABAR}


def test_the_search_downloads_every_match_as_csv(learning_year, signed_in, monkeypatch):
    from transcripts.pages import forms

    monkeypatch.setattr(forms, "PAGE_SIZE", 1)  # the CSV is every match, not one page
    response = signed_in.get("/auditor/people.csv?year=2026&compliance=non_compliant")
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="asn-2026.csv"'
    rows = csv_rows(response)
    assert rows[0][:3] == ["nip", "nama", "jenis_pegawai"]
    assert [r[0] for r in rows[1:]] == ["'" + DEDI, "'" + BUDI]  # NIPs as text (hub.exports)


def test_a_nip_typed_in_the_search_opens_the_transcript(learning_year, signed_in):
    response = signed_in.get("/auditor/people?year=2026&nip=19900101+201503+2+001")
    assert (response.status_code, response.location) == (303, f"/auditor/people/{SITI}/2026")
    assert signed_in.get(f"/auditor/people/{SITI}").location == (
        f"/auditor/people/{SITI}/{current_year()}")
    assert signed_in.get(f"/auditor/people/{SITI}?year=2025").location == (
        f"/auditor/people/{SITI}/2025")


# --- a transcript ---------------------------------------------------------------------
def test_the_transcript_shows_jp_types_competencies_activities_and_evidence(
        siti_learning, signed_in):
    response = signed_in.get(f"/auditor/people/{SITI}/2026")
    page = text_of(response)
    assert response.status_code == 200
    assert "<h1>Siti Rahmawati</h1>" in page
    assert "19900101 201503 2 001" in page and "Biro SDM" in page and "PNS" in page
    assert 'id="total-jp">15 JP<' in page
    assert "Belum memenuhi" in page and "15 dari 20 JP" in page
    types = dict(re.findall(r'<th scope="row">([^<]+)</th><td class="num">([^<]+)</td>',
                            page.split('id="jp-by-type"')[1].split("</table>")[0]))
    assert types == {"Teknis": "6", "Manajerial": "4", "Sosial kultural": "2",
                     "Tanpa pemetaan kompetensi": "3", "Total JP": "15"}
    competencies = page.split('id="competencies"')[1].split("</table>")[0]
    assert re.findall(r"<td class=\"nowrap\">([^<]+)</td><th scope=\"row\">([^<]+)</th>"
                      r"<td>[^<]+</td><td class=\"num\">(\d+)</td>", competencies) == [
        ("T.ANKEB", "Analisis Kebijakan", "2"), ("M.1", "Integritas", "3"),
        ("SK.1", "Perekat Bangsa", "1")]
    activities = page.split('id="activities"')[1].split("</table>")[0]
    assert activities.count("<tr>") == 5  # the header and 4 lines: Kebijakan counted once
    assert "10 Februari 2026" in activities and "Akademi Digital LAN" in activities
    assert "90%" in activities  # the best score of the repeated activity
    assert "Moodle BPSDM" in activities  # the platform, when it is not the provider
    for ids in siti_learning.values():
        for statement_id in ids:
            assert f"<code>{statement_id}</code>" in activities


def test_the_transcript_speaks_english_when_asked(siti_learning, signed_in):
    page = text_of(signed_in.get(f"/auditor/people/{SITI}/2026",
                                 headers={"Accept-Language": "en-GB,en;q=0.9"}))
    assert '<html lang="en">' in page
    assert "Not compliant" in page and "15 of 20 JP" in page and "10 February 2026" in page
    assert "Technical" in page and "Socio-cultural" in page and "90%" in page


def test_decimal_jp_are_written_the_indonesian_way(registry, partners, send, signed_in):
    send(partners["akademi"], learning(siasn(SITI), KEUANGAN, jp=2.5, score=0.875))
    page = text_of(signed_in.get(f"/auditor/people/{SITI}/2026"))
    assert 'id="total-jp">2,5 JP<' in page and "87,5%" in page
    english = text_of(signed_in.get(f"/auditor/people/{SITI}/2026",
                                    headers={"Accept-Language": "en"}))
    assert 'id="total-jp">2.5 JP<' in english


def test_reading_a_transcript_is_in_the_access_log(siti_learning, signed_in, storage, auditor):
    signed_in.get(f"/auditor/people/{SITI}/2026", headers={"X-Request-ID": "page-42"})
    [entry] = entries(storage, subject=SITI)
    assert (entry.action, entry.year, entry.credential_key, entry.credential_name,
            entry.request_id) == ("transcript.read", 2026, auditor["key"],
                                  "Inspektorat Jenderal", "page-42")


def test_the_transcript_downloads_as_csv_and_pdf_and_both_are_logged(siti_learning, signed_in,
                                                                    storage):
    data = signed_in.get(f"/auditor/people/{SITI}/2026/transcript.csv")
    assert data.headers["Content-Disposition"] == (
        f'attachment; filename="transkrip-{SITI}-2026.csv"')
    rows = csv_rows(data)
    assert rows[0][:6] == ["nip", "'" + SITI, "nama", "Siti Rahmawati", "tahun", "2026"]
    assert len(rows) == 2 + 4
    document = signed_in.get(f"/auditor/people/{SITI}/2026/transcript.pdf")
    assert document.mimetype == "application/pdf"
    assert document.headers["Content-Disposition"] == (
        f'attachment; filename="transkrip-{SITI}-2026.pdf"')
    text = pdf_text(document)
    for expected in ("Transkrip pengembangan kompetensi 2026", "Siti Rahmawati",
                     "19900101 201503 2 001", "Belum memenuhi", "Analisis Kebijakan",
                     "Perekat Bangsa", "Pelayanan Publik Prima", "Akademi Digital LAN",
                     "Halaman 1"):
        assert expected in text, expected
    assert siti_learning["webinar"][0] in text.replace(" ", "")
    reader = PdfReader(io.BytesIO(document.data))
    assert reader.metadata.title.startswith("Transkrip pengembangan kompetensi 2026")
    english = pdf_text(signed_in.get(f"/auditor/people/{SITI}/2026/transcript.pdf",
                                     headers={"Accept-Language": "en"}))
    assert "Competency development transcript 2026" in english and "Not compliant" in english
    assert [e.action for e in entries(storage, subject=SITI)] == ["transcript.read"] * 3


def test_a_person_without_learning_has_an_empty_transcript(registry, signed_in):
    page = text_of(signed_in.get(f"/auditor/people/{DEDI}/2026"))
    assert "Belum ada kegiatan yang tercatat untuk tahun ini." in page
    assert 'id="total-jp">0 JP<' in page


# --- the agency dashboard -------------------------------------------------------------
def test_the_dashboard_has_totals_charts_with_text_alternatives_and_people_under_20_jp(
        learning_year, signed_in, storage):
    response = signed_in.get("/auditor/agency", query_string={"agency": KEMENPAN,
                                                               "year": 2026})
    page = text_of(response)
    assert response.status_code == 200
    assert "<h1>Kementerian PANRB</h1>" in page
    stats = dict((label, value) for value, label in re.findall(
        r'<span class="stat-value">([^<]+)</span> <span class="stat-label">([^<]+)</span>',
        page))
    assert stats == {"Pegawai": "2", "Memenuhi": "1", "Belum memenuhi": "1",
                     "Jenis pegawai belum diketahui": "0", "Total JP": "32",
                     "Rata-rata JP": "16"}
    charts = re.findall(r'<svg role="img" aria-labelledby="([\w-]+)-title [\w-]+-desc"', page)
    assert charts == ["chart-by-type", "chart-distribution"]
    assert ("<desc id=\"chart-by-type-desc\">Total JP per jenis kompetensi: Teknis 0 JP; "
            "Manajerial 0 JP; Sosial kultural 0 JP; Tanpa pemetaan kompetensi 32 JP.") in page
    assert ("<desc id=\"chart-distribution-desc\">Jumlah pegawai per rentang JP: 0-5 JP 0; "
            "5-10 JP 1;") in page
    assert "1 pegawai di bawah 20 JP, 1 pegawai pada atau di atas 20 JP." in page
    assert 'class="required-line"' in page and "Batas 20 JP" in page
    under = page.split('id="under-required"')[1].split("</table>")[0]
    assert people_listed_in(under) == [BUDI]
    assert "Biro SDM" in page and "Deputi SDM Aparatur" in page  # per unit
    [report] = entries(storage, action="agency.report")
    assert (report.subject, report.year, report.detail) == (f"agency:{KEMENPAN}", 2026,
                                                            {"people": 2})
    assert [e.subject for e in entries(storage, action="people.search")] == [BUDI]


def people_listed_in(fragment: str) -> list[str]:
    return [nip for nip, _ in TRANSCRIPT_LINK.findall(fragment)]


def test_the_dashboard_without_an_agency_only_asks_for_one(learning_year, signed_in, storage):
    page = text_of(signed_in.get("/auditor/agency"))
    assert 'id="agency"' in page and "<svg" not in page
    assert entries(storage) == []


def test_an_agency_without_people_says_so(registry, signed_in):
    response = signed_in.get("/auditor/agency?agency=Badan+Tidak+Ada&year=2026")
    assert response.status_code == 200
    assert "Tidak ada pegawai terdaftar pada instansi ini." in text_of(response)


def test_the_agency_report_downloads_as_csv_and_pdf(learning_year, signed_in, storage):
    data = signed_in.get(f"/auditor/agency/report.csv?agency={JABAR}&year=2026")
    assert data.headers["Content-Disposition"] == 'attachment; filename="belum-20-jp-2026.csv"'
    assert [(r[0], r[6], r[-1]) for r in csv_rows(data)[1:]] == [("'" + DEDI, "0", "tidak")]
    document = signed_in.get(f"/auditor/agency/report.pdf?agency={JABAR}&year=2026",
                             headers={"Accept-Language": "en"})
    assert document.mimetype == "application/pdf"
    text = pdf_text(document)
    for expected in (f"{JABAR} dashboard 2026", "People", "Compliant", "JP by competency type",
                     "People's JP against the 20 JP line", "20 JP line", "By unit",
                     "Dinas Kesehatan", "People under 20 JP", "Dedi Kurniawan",
                     "19790325 200501 1 004"):
        assert expected in text, expected
    assert "Ani Lestari" not in text  # compliant: not in the list
    assert len(entries(storage, action="agency.report")) == 1


def test_a_long_list_under_20_jp_is_paged_on_the_page_and_whole_in_the_pdf(
        learning_year, signed_in, monkeypatch):
    from transcripts.pages import views

    monkeypatch.setattr(views, "AGENCY_PAGE", 1)
    page = text_of(signed_in.get("/auditor/agency?agency=Kementerian+PANRB&year=2025"))
    under = page.split('id="under-required"')[1].split("</table>")[0]
    assert people_listed_in(under) == [BUDI]
    assert f"after={SITI}" not in page and f"after={BUDI}" in page.replace("&amp;", "&")
    text = pdf_text(signed_in.get("/auditor/agency/report.pdf?agency=Kementerian+PANRB"
                                  "&year=2025"))
    assert "Budi Santoso" in text and "Siti Rahmawati" in text


# --- agency limits --------------------------------------------------------------------
def test_an_auditor_limited_to_an_agency_sees_only_its_people(learning_year, client, admin,
                                                              auditor, storage):
    limit(client, admin, auditor, JABAR)
    sign_in(client, auditor)
    search = client.get("/auditor/people?year=2026")
    assert people_listed(search) == [DEDI, ANI]
    assert f'<option value="{JABAR}"' in text_of(search)
    assert "Kredensial Anda dibatasi pada instansi: Pemerintah Provinsi Jawa Barat." in \
        text_of(search)
    assert people_listed(client.get(f"/auditor/people?year=2026&agency={KEMENPAN}")) == []
    for path in (f"/auditor/people/{SITI}/2026", f"/auditor/people/{SITI}/2026/transcript.pdf",
                 f"/auditor/people/{SITI}/2026/transcript.csv",
                 f"/auditor/agency?agency={KEMENPAN}",
                 f"/auditor/agency/report.csv?agency={KEMENPAN}",
                 f"/auditor/agency/report.pdf?agency={KEMENPAN}"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.mimetype == "text/html"
    assert "Tidak ada pegawai dengan NIP 19900101 201503 2 001 yang dapat Anda lihat." in \
        alert(client.get(f"/auditor/people/{SITI}/2026"))
    assert client.get(f"/auditor/people/{ANI}/2026").status_code == 200
    csv_nips = [r[0] for r in csv_rows(client.get("/auditor/people.csv?year=2026"))[1:]]
    assert csv_nips == ["'" + DEDI, "'" + ANI]
    assert SITI not in {e.subject for e in entries(storage)}


def test_a_limit_set_while_signed_in_applies_on_the_next_page(learning_year, client, admin,
                                                              auditor):
    sign_in(client, auditor)
    assert client.get(f"/auditor/people/{SITI}/2026").status_code == 200
    limit(client, admin, auditor, JABAR)
    assert client.get(f"/auditor/people/{SITI}/2026").status_code == 404


# --- languages ------------------------------------------------------------------------
def test_bahasa_indonesia_is_the_default_and_accept_language_a_hint(registry, client):
    assert '<html lang="id">' in text_of(client.get("/auditor/sign-in"))
    english = text_of(client.get("/auditor/sign-in", headers={"Accept-Language": "en-US"}))
    assert '<html lang="en">' in english and "Auditor sign-in" in english
    assert '<html lang="id">' in text_of(client.get(
        "/auditor/sign-in", headers={"Accept-Language": "fr, id;q=0.5"}))


def test_the_language_switch_is_remembered(learning_year, signed_in):
    switch = signed_in.get("/auditor/people?year=2026&name=siti&lang=en",
                           headers={"Accept-Language": "id"})
    assert (switch.status_code, switch.location) == (303, "/auditor/people?year=2026&name=siti")
    cookie = next(c for c in switch.headers.getlist("Set-Cookie")
                  if c.startswith("hub_auditor_lang="))
    assert cookie.startswith("hub_auditor_lang=en;") and "Path=/auditor" in cookie
    # The remembered choice beats the browser's hint, on every page.
    page = text_of(signed_in.get(switch.location, headers={"Accept-Language": "id"}))
    assert '<html lang="en">' in page and "Search people" in page
    dashboard = text_of(signed_in.get("/auditor/agency", headers={"Accept-Language": "id"}))
    assert "Agency dashboard" in dashboard
    links = re.findall(r'<a href="([^"]+)" lang="(\w+)" hreflang="\w+"( aria-current="true")?',
                       page)
    assert [(lang, bool(current)) for _, lang, current in links] == [("id", False),
                                                                     ("en", True)]
    back = signed_in.get(links[0][0].replace("&amp;", "&"))
    assert '<html lang="id">' in text_of(signed_in.get(back.location))


def test_an_unknown_language_is_ignored(registry, client):
    response = client.get("/auditor/sign-in?lang=fr")
    assert response.status_code == 303
    assert not any(c.startswith("hub_auditor_lang=")
                   for c in response.headers.getlist("Set-Cookie"))


# --- errors ---------------------------------------------------------------------------
@pytest.mark.parametrize(("path", "status", "message"), [
    (f"/auditor/people/{SITI[:-1]}9/2026", 404, "Tidak ada pegawai dengan NIP"),
    ("/auditor/people/123/2026", 400, "NIP tidak sah"),
    ("/auditor/people/19900101201503200X/2026", 400, "NIP tidak sah"),
    (f"/auditor/people/{SITI}/20x6", 400, "Tahun tidak sah"),
    (f"/auditor/people/{SITI}/1800", 400, "Tahun tidak sah"),
    (f"/auditor/people/{SITI}/99999", 400, "Tahun tidak sah"),
    (f"/auditor/people/{SITI}/20x6/transcript.pdf", 400, "Tahun tidak sah"),
    (f"/auditor/people/{SITI}?year=abc", 400, "Tahun tidak sah"),
    ("/auditor/people?year=tahun+ini", 400, "Tahun tidak sah"),
    ("/auditor/people?compliance=maybe", 400, 'Nilai isian "Kepatuhan" tidak dikenal'),
    ("/auditor/people?name=" + "x" * 201, 400, 'Isian "Nama (sebagian)" tidak sah'),
    ("/auditor/people?name=a%00b", 400, 'Isian "Nama (sebagian)" tidak sah'),
    ("/auditor/people.csv?unit=%01", 400, 'Isian "Unit kerja" tidak sah'),
    ("/auditor/agency?agency=a%00", 400, 'Isian "Instansi" tidak sah'),
    ("/auditor/people?after=1", 400, "NIP tidak sah"),
    ("/auditor/people?nip=12345", 400, "NIP tidak sah"),
    ("/auditor/people?year=2026&year=2025", 400, "lebih dari sekali"),
    ("/auditor/people?sort=name", 400, 'Parameter "sort" tidak dikenal'),
    ("/auditor/agency?tahun=2026", 400, 'Parameter "tahun" tidak dikenal'),
    (f"/auditor/people/{SITI}/2026?format=json", 400, 'Parameter "format" tidak dikenal'),
    ("/auditor/agency/report.csv", 400, "Pilih instansi terlebih dahulu."),
    ("/auditor/agency/report.pdf?year=2026", 400, "Pilih instansi terlebih dahulu."),
    ("/auditor/agency?agency=X&year=0", 400, "Tahun tidak sah"),
    ("/auditor/tidak-ada", 404, "Halaman ini tidak ada."),
    (f"/auditor/people/{SITI}/2026/extra", 404, "Halaman ini tidak ada."),
    ("/auditor/sign-out", 405, "tidak menerima cara permintaan"),
])
def test_bad_input_is_a_friendly_page_with_the_right_status(registry, signed_in, path, status,
                                                           message, storage):
    response = signed_in.get(path)
    assert response.status_code == status
    assert response.mimetype == "text/html"
    assert '<html lang="id">' in text_of(response)
    assert message in alert(response)
    assert "Kode permintaan" in text_of(response)
    assert 'href="/auditor/people"' in text_of(response)  # the menu, still signed in
    assert entries(storage) == []


def test_error_pages_speak_the_chosen_language(registry, signed_in):
    response = signed_in.get(f"/auditor/people/{SITI}/20x6", headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert "The year is not valid" in alert(response)
    missing = signed_in.get(f"/auditor/people/{SITI[:-1]}9/2026",
                            headers={"Accept-Language": "en"})
    assert "There is no civil servant with NIP" in alert(missing)


def test_a_post_to_a_page_that_only_shows_is_a_405_page(registry, signed_in):
    response = signed_in.post("/auditor/people")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET"
    assert response.mimetype == "text/html"


def test_an_unexpected_failure_is_a_friendly_500_page(learning_year, signed_in, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr("transcripts.queries.search_people", broken)
    response = signed_in.get("/auditor/people?year=2026", headers={"X-Request-ID": "boom-1"})
    assert response.status_code == 500
    assert "Terjadi kesalahan pada server" in text_of(response)
    assert "boom-1" in text_of(response) and "database on fire" not in text_of(response)


def test_the_api_keeps_its_json_errors(registry, client):
    response = client.get("/api/transcripts/people")
    assert response.status_code == 401 and response.json["error"]["code"] == "unauthorized"


# --- headers and markup ---------------------------------------------------------------
def test_pages_forbid_caching_framing_and_scripts(learning_year, signed_in):
    response = signed_in.get(f"/auditor/people/{SITI}/2026")
    assert response.headers["Cache-Control"] == "no-store"
    assert "script-src" not in response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "<script" not in text_of(response)
    css = signed_in.get("/auditor/static/auditor.css")
    assert css.status_code == 200 and css.mimetype == "text/css"
    assert "http" not in css.get_data(as_text=True).replace("https://", "").split("*/", 1)[1]


class Markup(HTMLParser):
    """What an accessibility review checks by eye: labels, headers, ids, the skip link."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.label_for: set[str] = set()
        self.fields: list[dict] = []
        self.th_without_scope = 0
        self.first_link: str | None = None
        self.html_lang: str | None = None
        self.in_thead = False
        self.main_id: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "html":
            self.html_lang = a.get("lang")
        if tag == "a" and self.first_link is None:
            self.first_link = a.get("href")
        if tag == "label":
            self.label_for.add(a.get("for"))
        if tag in ("input", "select", "textarea") and a.get("type") != "hidden":
            self.fields.append(a)
        if tag == "th" and "scope" not in a:
            self.th_without_scope += 1
        if tag == "main":
            self.main_id = a.get("id")


def test_every_page_has_labels_table_headers_a_skip_link_and_a_language(learning_year,
                                                                        signed_in, client):
    paths = ["/auditor/people?year=2026", f"/auditor/people/{ANI}/2026",
             f"/auditor/agency?agency={JABAR}&year=2026", "/auditor/tidak-ada"]
    pages = [text_of(signed_in.get(path)) for path in paths]
    signed_in.post("/auditor/sign-out", data={"csrf_token": csrf_token(signed_in,
                                                                       "/auditor/people")})
    pages.append(text_of(client.get("/auditor/sign-in")))
    for page in pages:
        markup = Markup()
        markup.feed(page)
        assert markup.html_lang == "id"
        assert markup.first_link == "#main" and markup.main_id == "main"
        assert len(markup.ids) == len(set(markup.ids)), "duplicate ids"
        for field in markup.fields:
            assert field.get("id") in markup.label_for, field
        assert markup.th_without_scope == 0


def test_templates_and_styles_ship_in_the_wheel():
    import tomllib
    from fnmatch import fnmatch
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    globs = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"]["transcripts"]
    shipped = [p.relative_to(root / "transcripts").as_posix()
               for folder in ("templates", "static")
               for p in (root / "transcripts" / folder).rglob("*") if p.is_file()]
    assert shipped and all(any(fnmatch(f, g) for g in globs) for f in shipped), shipped


@pytest.mark.parametrize("page", ["", "/transcript.csv"])
def test_a_transcript_page_reads_nothing_twice(learning_year, signed_in, storage, page):
    seen: list[tuple[str, str]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, repr(parameters)))

    event.listen(storage.engine, "before_cursor_execute", record)
    try:
        assert signed_in.get(f"/auditor/people/{SITI}/2026{page}").status_code == 200
    finally:
        event.remove(storage.engine, "before_cursor_execute", record)
    assert seen, "no statement was counted"
    assert not {entry for entry in seen if seen.count(entry) > 1}
