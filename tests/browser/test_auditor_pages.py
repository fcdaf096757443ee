"""The auditor pages in a real browser (headless Chromium) against a real hub under gunicorn:
signing in, searching with the keyboard alone, a transcript, the language switch, the
dashboard's charts, CSV and PDF downloads, and a phone-sized screen."""

from __future__ import annotations

import csv
import io
import os
import time
from pathlib import Path

import pytest
from pypdf import PdfReader
from realistic_hub import JABAR, KEMENPAN
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import Select, WebDriverWait

pytestmark = pytest.mark.slow


def wait(driver, condition, timeout: float = 10):
    return WebDriverWait(driver, timeout).until(condition)


def sign_in(driver, site, credential: tuple[str, str], path: str = "/auditor/people") -> None:
    driver.get(site.url + path)
    wait(driver, ready.presence_of_element_located((By.ID, "key")))
    driver.find_element(By.ID, "key").send_keys(credential[0])
    driver.find_element(By.ID, "secret").send_keys(credential[1] + Keys.ENTER)
    wait(driver, lambda d: "/auditor/sign-in" not in d.current_url)


def keys(driver, *sequence: str) -> None:
    ActionChains(driver).send_keys(*sequence).perform()


def focused(driver):
    return driver.switch_to.active_element


def outline_of(driver, element) -> tuple[str, float]:
    style = driver.execute_script(
        "const s = getComputedStyle(arguments[0]); return [s.outlineStyle, s.outlineWidth];",
        element)
    return style[0], float(style[1].removesuffix("px") or 0)


def wait_for_download(folder: Path, suffix: str, before: set[str], timeout: float = 15) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [p for p in folder.iterdir() if p.name not in before and p.suffix == suffix]
        if done and not any(p.suffix == ".crdownload" for p in folder.iterdir()):
            return done[0]
        time.sleep(0.1)
    raise AssertionError(f"no {suffix} download in {folder}: {sorted(os.listdir(folder))}")


def test_an_auditor_signs_in_searches_and_opens_a_transcript(fresh_browser, site, screenshot):
    driver = fresh_browser
    sign_in(driver, site, site.seeded.auditor, "/auditor/people?year=2026")
    assert driver.current_url == site.url + "/auditor/people?year=2026"  # where it was asked
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "id"
    driver.find_element(By.ID, "agency").send_keys(KEMENPAN)
    driver.find_element(By.ID, "name").send_keys("siti")
    driver.find_element(By.ID, "search-submit").click()
    # The page before the search lists people too: wait for the search's own page.
    wait(driver, lambda d: "name=siti" in d.current_url)
    rows = wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#results tbody tr"))
    assert "Siti Rahmawati" in rows[0].text and "19900101 201503 2 001" in rows[0].text
    screenshot(driver, "search")
    rows[0].find_element(By.LINK_TEXT, "Siti Rahmawati").click()
    wait(driver, ready.title_contains("Transkrip 2026"))
    assert driver.find_element(By.TAG_NAME, "h1").text == "Siti Rahmawati"
    assert driver.find_element(By.ID, "total-jp").text == "22 JP"
    activities = driver.find_elements(By.CSS_SELECTOR, "#activities tbody tr")
    assert len(activities) == 6
    assert all(row.find_elements(By.CSS_SELECTOR, ".statement-ids code") for row in activities)
    screenshot(driver, "transcript")
    reads = site.access_log(subject=site.seeded.star, action="transcript.read")
    assert [e.credential_name for e in reads][-1:] == ["Inspektorat Jenderal"]


def test_the_search_form_works_with_the_keyboard_alone(fresh_browser, site):
    driver = fresh_browser
    sign_in(driver, site, site.seeded.auditor)
    driver.get(site.url + "/auditor/people")  # a fresh page: nothing has the focus yet
    keys(driver, Keys.TAB)
    skip = focused(driver)
    assert skip.text == "Langsung ke isi" and skip.location["y"] >= 0  # shown on focus
    assert outline_of(driver, skip)[0] != "none"
    keys(driver, Keys.ENTER)
    assert focused(driver).get_attribute("id") == "main"
    keys(driver, Keys.TAB)
    year = focused(driver)
    assert year.get_attribute("id") == "year"
    style, width = outline_of(driver, year)
    assert style != "none" and width >= 2  # focus is visible
    ActionChains(driver).key_down(Keys.CONTROL).send_keys("a").key_up(Keys.CONTROL).perform()
    keys(driver, "2026", Keys.TAB, JABAR, Keys.TAB)
    assert focused(driver).get_attribute("id") == "unit"
    keys(driver, Keys.TAB)
    assert focused(driver).get_attribute("id") == "name"
    keys(driver, Keys.TAB)
    assert focused(driver).get_attribute("id") == "compliance"
    keys(driver, Keys.ARROW_DOWN, Keys.ARROW_DOWN)  # "Belum memenuhi"
    assert Select(focused(driver)).first_selected_option.get_attribute("value") == \
        "non_compliant"
    keys(driver, Keys.TAB)
    assert focused(driver).get_attribute("id") == "search-submit"
    keys(driver, Keys.ENTER)
    rows = wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#results tbody tr"))
    assert "compliance=non_compliant" in driver.current_url
    assert all("Belum memenuhi" in row.text and JABAR in row.text for row in rows)
    # On to the first person, still by keyboard: Tab until the first name link is focused.
    first = rows[0].find_element(By.CSS_SELECTOR, "th a")
    for _ in range(20):
        keys(driver, Keys.TAB)
        if focused(driver) == first:
            break
    assert focused(driver) == first
    name = first.text
    keys(driver, Keys.ENTER)
    wait(driver, lambda d: d.find_element(By.TAG_NAME, "h1").text == name)


def test_the_language_switch_is_visible_and_remembered(fresh_browser, site):
    driver = fresh_browser
    sign_in(driver, site, site.seeded.auditor)
    assert driver.find_element(By.TAG_NAME, "h1").text == "Cari pegawai"
    driver.find_element(By.LINK_TEXT, "English").click()
    wait(driver, lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en")
    assert driver.find_element(By.TAG_NAME, "h1").text == "Search people"
    assert "lang=" not in driver.current_url
    driver.find_element(By.LINK_TEXT, "Agency dashboard").click()
    wait(driver, ready.title_contains("Agency dashboard"))
    driver.get(site.url + f"/auditor/people/{site.seeded.star}/2026")
    assert "Competency development transcript 2026" in driver.page_source
    driver.find_element(By.LINK_TEXT, "Bahasa Indonesia").click()
    wait(driver, lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "id")
    assert "Transkrip pengembangan kompetensi 2026" in driver.page_source


def test_the_dashboard_draws_its_charts_and_the_reports_download(fresh_browser, site, downloads,
                                                                 screenshot):
    driver = fresh_browser
    sign_in(driver, site, site.seeded.auditor, f"/auditor/agency?agency={JABAR}&year=2026")
    viewport, page_width = driver.execute_script(
        "return [window.innerWidth, document.documentElement.scrollWidth]")
    assert viewport >= 1200 and page_width <= viewport  # a laptop, and nothing overflows
    charts = driver.find_elements(By.CSS_SELECTOR, "svg[role=img]")
    assert len(charts) == 2
    for chart in charts:
        assert chart.size["width"] > 200 and chart.size["height"] > 100
        labelled = chart.get_attribute("aria-labelledby").split()
        assert [driver.find_element(By.ID, i).get_attribute("textContent") for i in labelled]
    assert len(charts[0].find_elements(By.CSS_SELECTOR, "rect")) >= 3
    line = charts[1].find_element(By.CSS_SELECTOR, ".required-line")
    assert line.rect["height"] > 100  # a vertical line across the plot
    stats = driver.find_element(By.CSS_SELECTOR, ".stats").text
    assert "Pegawai" in stats and "Belum memenuhi" in stats
    screenshot(driver, "dashboard")

    before = set(p.name for p in downloads.iterdir())
    driver.find_element(By.PARTIAL_LINK_TEXT, "(CSV)").click()
    report = wait_for_download(downloads, ".csv", before)
    rows = list(csv.reader(io.StringIO(report.read_text(encoding="utf-8-sig"))))
    assert rows[0][:3] == ["nip", "nama", "jenis_pegawai"] and len(rows) > 2
    assert {row[3] for row in rows[1:]} == {JABAR} and {row[-1] for row in rows[1:]} == {"tidak"}

    before = set(p.name for p in downloads.iterdir())
    driver.find_element(By.PARTIAL_LINK_TEXT, "(PDF)").click()
    pdf = wait_for_download(downloads, ".pdf", before)
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(pdf).pages).split())
    assert f"Dasbor {JABAR} 2026" in text and "Batas 20 JP" in text

    driver.get(site.url + f"/auditor/people/{site.seeded.star}/2026")
    before = set(p.name for p in downloads.iterdir())
    driver.find_element(By.PARTIAL_LINK_TEXT, "(PDF)").click()
    transcript = wait_for_download(downloads, ".pdf", before)
    assert transcript.name == f"transkrip-{site.seeded.star}-2026.pdf"
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(transcript).pages).split())
    assert "Siti Rahmawati" in text and "22 JP" in text


@pytest.mark.parametrize("path", ["/auditor/people?year=2026&agency=Kementerian+PANRB",
                                  "/auditor/people/{star}/2026",
                                  "/auditor/agency?agency=Pemerintah+Provinsi+Jawa+Barat"
                                  "&year=2026"])
def test_the_pages_fit_a_phone(fresh_browser, site, path, screenshot):
    driver = fresh_browser
    sign_in(driver, site, site.seeded.auditor)
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True})
    driver.get(site.url + path.format(star=site.seeded.star))
    viewport, page_width, font = driver.execute_script(
        "return [window.innerWidth, document.documentElement.scrollWidth,"
        " parseFloat(getComputedStyle(document.body).fontSize)]")
    assert viewport == 390
    assert page_width <= viewport  # nothing makes the page scroll sideways
    assert font >= 16
    for element in driver.find_elements(By.CSS_SELECTOR, "h1, .sign-out button, form button,"
                                                         " svg, .downloads a"):
        box = element.rect
        assert box["x"] >= 0 and box["x"] + box["width"] <= viewport + 0.5, element.tag_name
    # Wide tables scroll inside their own box, which the keyboard can reach.
    for box in driver.find_elements(By.CSS_SELECTOR, ".table-wrap"):
        assert box.get_attribute("tabindex") == "0"
    screenshot(driver, "phone")
