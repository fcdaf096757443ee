"""The learner's landing page after an LMS launch (issue 14.3): JP of the year against
20 JP and per competency type, the partner activities they may open, what was counted
lately — in Bahasa Indonesia and English, inside an LMS iframe, on a phone."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from lti.platform.tools import NewPlacement, NewTool, place_entry, register_tool
from lti.tool.registration import NewEntry, add_catalogue_entry
from tests.lti.lms import CLAIM
from tests.transcripts.transcript_fixtures import (
    INTEGRITAS,
    JP,
    KEBIJAKAN,
    SITI,
    WEBINAR,
    learning,
    load_framework,
    load_rules,
    siasn,
)
from transcripts.evidence import JAKARTA
from transcripts.storage.contract import AccessQuery

WITH_NIP = {CLAIM + "custom": {"nip": SITI}}
ENGLISH = {CLAIM + "launch_presentation": {"locale": "en-US"}}


def this_year(fraction: float) -> str:
    """A moment of the current year (Asia/Jakarta) before now: `fraction` of the way
    from 1 January to now, so the test holds on any day of any year."""
    now = datetime.now(JAKARTA)
    start = datetime(now.year, 1, 1, tzinfo=JAKARTA)
    return (start + (now - timedelta(seconds=5) - start) * fraction).isoformat()


@pytest.fixture
def seeded(app, client, make_credential):
    """The competency framework and mapping rules, and three counted activities of SITI
    this year: 6 JP teknis (rule), 4.5 JP manajerial (extension), 2 JP sosial kultural
    (activity type rule) — 12.5 JP."""
    load_framework(app)
    load_rules(app)
    partner = make_credential("statements/write", name="Akademi Digital LAN")
    statements = [
        learning(siasn(SITI), KEBIJAKAN, name="Analisis Kebijakan Publik",
                 timestamp=this_year(0.2)),
        learning(siasn(SITI), INTEGRITAS, name="Integritas ASN", jp=4.5,
                 timestamp=this_year(0.5)),
        learning(siasn(SITI), "https://akademi.example.id/webinar/budaya-kerja",
                 name="Webinar Budaya Kerja", activity_type=WEBINAR, timestamp=this_year(0.9)),
    ]
    response = client.post("/xapi/statements", json=statements,
                           headers={"Authorization": partner["Authorization"],
                                    "X-Experience-API-Version": "1.0.3"})
    assert response.status_code == 200, response.json
    return statements


def landing(browser, **claims):
    response = browser.launch(claims=claims)
    assert response.status_code == 303 and "/lti/progress/" in response.headers["Location"]
    page = browser.follow(response)
    assert page.status_code == 200
    return page


def section(page: str, section_id: str) -> str:
    match = re.search(rf'<section id="{section_id}".*?</section>', page, re.S)
    assert match, f"no section {section_id}"
    return match.group(0)


# --- the year in numbers ----------------------------------------------------------------
def test_learner_sees_jp_of_the_year_against_20_jp_in_bahasa_indonesia(browser, seeded):
    page = landing(browser, **WITH_NIP).get_data(as_text=True)
    year = section(page, "year")
    assert 'data-state="linked"' in year
    assert f"JP saya tahun {datetime.now(JAKARTA).year}" in year
    assert "12,5 dari 20 JP" in year
    assert 'data-jp-centi="1250" data-required-centi="2000"' in year
    assert 'aria-valuenow="62"' in year  # 12.5 / 20
    assert "Masih kurang 7,5 JP untuk memenuhi 20 JP." in year


def test_jp_by_competency_type(browser, seeded):
    year = section(landing(browser, **WITH_NIP).get_data(as_text=True), "year")
    rows = dict(re.findall(r'<li data-type="(\w+)" data-jp-centi="(\d+)">', year))
    assert rows == {"teknis": "600", "manajerial": "450", "sosial_kultural": "200"}
    assert "<span>Teknis</span><strong>6 JP</strong>" in year
    assert "<span>Manajerial</span><strong>4,5 JP</strong>" in year
    assert "<span>Sosial kultural</span><strong>2 JP</strong>" in year


def test_the_same_page_in_english_from_the_launch_locale(browser, seeded):
    page = landing(browser, **WITH_NIP, **ENGLISH).get_data(as_text=True)
    assert '<html lang="en">' in page
    year = section(page, "year")
    assert "12.5 of 20 JP" in year and "7.5 JP to go to reach 20 JP." in year
    assert "<span>Technical</span><strong>6 JP</strong>" in year
    assert "<span>Managerial</span><strong>4.5 JP</strong>" in year
    assert "<span>Socio-cultural</span><strong>2 JP</strong>" in year
    assert "Recently counted" in page and "dari 20 JP" not in page


def test_recent_evidence_newest_first_with_date_jp_and_type(browser, seeded):
    recent = section(landing(browser, **WITH_NIP).get_data(as_text=True), "recent")
    names = re.findall(r'data-type="\w+"><span>([^<]+)<br>', recent)
    assert names == ["Webinar Budaya Kerja", "Integritas ASN", "Analisis Kebijakan Publik"]
    newest = datetime.fromisoformat(seeded[2]["timestamp"]).astimezone(JAKARTA)
    months = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
              "September", "Oktober", "November", "Desember")
    assert f"{newest.day} {months[newest.month - 1]} {newest.year} · Sosial kultural" in recent
    assert re.findall(r'<li data-jp-centi="(\d+)" data-type="(\w+)">', recent) == [
        ("200", "sosial_kultural"), ("450", "manajerial"), ("600", "teknis")]


def test_requirement_met_is_said_so(browser, app, client, make_credential, seeded):
    partner = make_credential("statements/write")
    more = learning(siasn(SITI), "https://akademi.example.id/kelas/lain", name="Kelas lain",
                    jp=8, timestamp=this_year(0.95))
    more["result"] = {"extensions": {JP: 8}}
    assert client.post("/xapi/statements", json=more, headers={
        "Authorization": partner["Authorization"],
        "X-Experience-API-Version": "1.0.3"}).status_code == 200
    year = section(landing(browser, **WITH_NIP).get_data(as_text=True), "year")
    assert "20,5 dari 20 JP" in year and 'aria-valuenow="100"' in year
    assert "Kewajiban 20 JP tahun ini sudah terpenuhi." in year
    assert 'data-type="unmapped" data-jp-centi="800"' in year  # no rule maps it


def test_linked_learner_without_evidence_sees_zero_of_20(browser):
    page = landing(browser, **WITH_NIP).get_data(as_text=True)
    assert "0 dari 20 JP" in section(page, "year")
    assert "Belum ada aktivitas yang dihitung tahun ini." in section(page, "recent")


def test_the_learners_read_is_in_the_access_log(app, browser, seeded):
    landing(browser, **WITH_NIP)
    with app.app_context():
        entries = app.extensions["hub.storage"].access.query_access(
            AccessQuery(subject=SITI, action="learner.summary"))
    assert len(entries) == 1
    assert entries[0].credential_name.startswith("lti:") and entries[0].year == \
        datetime.now(JAKARTA).year


# --- no NIP -------------------------------------------------------------------------------
def test_without_a_nip_the_page_explains_what_the_lms_must_send(browser, seeded):
    page = landing(browser).get_data(as_text=True)
    year = section(page, "year")
    assert 'data-state="no_nip"' in year
    assert "NIP Anda belum diketahui" in year
    assert "LMS tidak mengirimkan NIP Anda" in year
    assert "parameter khusus (custom parameter) nip berisi NIP 18 angka" in year
    assert "dari 20 JP" not in page and 'id="recent"' not in page


def test_without_a_nip_in_english(browser):
    year = section(landing(browser, **ENGLISH).get_data(as_text=True), "year")
    assert "Your NIP is not known" in year and "Your LMS did not send your NIP" in year
    assert "custom parameter nip holding your 18-digit NIP" in year


def test_a_nip_that_is_not_18_digits_is_named_as_such(browser):
    year = section(landing(browser, **{CLAIM + "custom": {"nip": "12345"}})
                   .get_data(as_text=True), "year")
    assert 'data-state="invalid_nip"' in year
    assert "NIP yang tidak berisi 18 angka" in year


# --- the catalogue ------------------------------------------------------------------------
@pytest.fixture
def catalogue(app):
    """Two entries placed on a partner tool, one entry placed on none."""
    with app.app_context():
        storage = app.extensions["hub.storage"]
        tool = register_tool(storage.lti_platform_tools, NewTool(
            name="Akademi Mitra", organisation="LAN", login_url="https://mitra.example/login",
            target_link_uri="https://mitra.example/launch",
            jwks_url="https://mitra.example/jwks"))
        for entry_id, title in (("etika-asn", "Etika ASN"), ("k3", "Keselamatan Kerja"),
                                ("draft", "Belum ditempatkan")):
            add_catalogue_entry(storage.lti_catalogue, NewEntry(
                id=entry_id, title=title, activity_id=f"https://mitra.example/a/{entry_id}",
                launch_url="https://mitra.example/launch", description=f"Tentang {title}"))
        for entry_id in ("etika-asn", "k3"):
            place_entry(storage.lti_platform_tools, storage.lti_catalogue,
                        NewPlacement(catalogue_id=entry_id, tool_id=tool.id))
    return tool


def test_placed_catalogue_entries_are_listed_with_a_button_that_opens_them(browser, catalogue):
    page = landing(browser)
    offers = section(page.get_data(as_text=True), "offers")
    assert re.findall(r'<li data-catalogue-id="([\w-]+)">', offers) == ["etika-asn", "k3"]
    assert "Etika ASN" in offers and "Tentang Etika ASN" in offers and "Belum ditempatkan" \
        not in offers
    action = f'{page.request.path}/open/etika-asn'
    assert f'action="{action}"' in offers and 'target="_blank"' in offers


def test_opening_an_entry_starts_the_partner_launch(browser, catalogue):
    page = landing(browser)
    response = browser.client.post(f"{page.request.path}/open/etika-asn")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == \
        "https://mitra.example/login"
    query = parse_qs(location.query)
    assert query["client_id"] == [catalogue.client_id] and query["lti_message_hint"]
    assert "hub_platform_session=" in response.headers["Set-Cookie"]


def test_an_entry_not_offered_cannot_be_opened(browser, catalogue):
    page = landing(browser)
    response = browser.client.post(f"{page.request.path}/open/draft")
    assert response.status_code == 404
    assert 'data-reason="unknown_activity"' in response.get_data(as_text=True)


def test_an_empty_catalogue_is_said_so(browser):
    offers = section(landing(browser).get_data(as_text=True), "offers")
    assert "Belum ada aktivitas mitra di katalog." in offers


# --- iframe and phone ---------------------------------------------------------------------
def test_the_page_may_be_framed_by_the_lms_and_fits_a_phone(browser):
    page = landing(browser)
    assert "X-Frame-Options" not in page.headers
    assert page.headers["Content-Security-Policy"] == "frame-ancestors *"
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in \
        page.get_data(as_text=True)


def test_no_lti_page_refuses_framing(browser, catalogue):
    page = landing(browser)
    for response in (browser.client.post("/lti/login", data=browser.login_params()),
                     browser.client.post(f"{page.request.path}/open/draft"),
                     browser.client.get("/lti/progress/lti1p3-launch-unknown"),
                     browser.client.get("/lti/platform/catalogue")):
        assert "X-Frame-Options" not in response.headers
        assert response.headers["Content-Security-Policy"] == "frame-ancestors *"


def test_frame_ancestors_may_be_limited_to_the_lms_origins(app_config, platform):
    from hub.app import create_app
    from tests.lti.conftest import Browser, register

    app = create_app({**app_config, "lti_frame_ancestors":
                      "https://elearning.bkpsdm.go.id, https://*.instructure.com"})
    try:
        register(app, platform)
        page = landing(Browser(app.test_client(), platform))
        assert page.headers["Content-Security-Policy"] == \
            "frame-ancestors https://elearning.bkpsdm.go.id https://*.instructure.com"
    finally:
        app.extensions["hub.storage"].dispose()


@pytest.mark.parametrize("bad", ["'none'", "https://lms.example/path", "javascript:"])
def test_frame_ancestors_that_are_not_origins_are_refused_at_start(bad):
    from hub.config import ConfigError, load_settings

    with pytest.raises(ConfigError, match="HUB_LTI_FRAME_ANCESTORS"):
        load_settings({"env": "test", "lti_frame_ancestors": bad}, environ={})


def test_cookies_after_a_launch_are_samesite_none_secure_partitioned(browser, catalogue):
    """Over HTTPS (as behind the reverse proxy), every cookie an LTI page sets comes
    back inside a third-party iframe: SameSite=None; Secure; Partitioned."""
    https = "https://hub.example"
    login = browser.client.post("/lti/login", data=browser.login_params(), base_url=https)
    page = landing(browser)
    opened = browser.client.post(f"{page.request.path}/open/k3", base_url=https)
    cookies = [c for r in (login, opened) for c in r.headers.getlist("Set-Cookie")]
    assert any(c.startswith("hub_platform_session=") for c in cookies)
    for cookie in cookies:
        attributes = {a.strip().lower() for a in cookie.split(";")}
        assert {"samesite=none", "secure", "partitioned", "httponly"} <= attributes, cookie


def test_the_page_itself_needs_no_cookie(app, browser, seeded):
    """The launch id in the URL is what the page reads: a browser that kept no cookie
    (an LMS iframe blocking third-party cookies) sees the same page."""
    page = landing(browser, **WITH_NIP)
    cookieless = app.test_client().get(page.request.path)
    assert cookieless.status_code == 200
    assert "12,5 dari 20 JP" in cookieless.get_data(as_text=True)


def test_a_disabled_partner_tool_is_not_offered_and_cannot_be_opened(app, browser, catalogue):
    with app.app_context():
        app.extensions["hub.storage"].lti_platform_tools.set_tool_disabled(
            catalogue.id, datetime.now(UTC))
    page = landing(browser)
    offers = section(page.get_data(as_text=True), "offers")
    assert "data-catalogue-id" not in offers
    response = browser.client.post(f"{page.request.path}/open/etika-asn")
    assert response.status_code == 403
    assert 'data-reason="tool_disabled"' in response.get_data(as_text=True)
