"""The learner's LTI landing page in real Chromium at 360 px (a small phone, or a narrow
LMS iframe): nothing scrolls sideways, buttons stay on screen (issue 14.3)."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from lti.platform.tools import NewPlacement, NewTool, place_entry, register_tool
from lti.tool.registration import NewEntry, add_catalogue_entry
from tests.lti.conftest import Browser as LtiBrowser
from tests.lti.conftest import register
from tests.lti.lms import CLAIM, TestPlatform

SITI = "199001012015032001"
LONG = "Pengembangan-Kompetensi-Manajerial-Berkelanjutan-Aparatur-Sipil-Negara"


@pytest.fixture
def landing_html(app, tmp_path) -> str:
    """The page a learner with a NIP lands on, with a catalogue of long titles, saved
    as a file (its styles are inline, so the file renders as the served page)."""
    platform = TestPlatform()
    try:
        register(app, platform)
        with app.app_context():
            storage = app.extensions["hub.storage"]
            tool = register_tool(storage.lti_platform_tools, NewTool(
                name="Mitra", organisation="LAN", login_url="https://mitra.example/login",
                target_link_uri="https://mitra.example/launch",
                jwks_url="https://mitra.example/jwks"))
            for n in range(3):
                add_catalogue_entry(storage.lti_catalogue, NewEntry(
                    id=f"e{n}", title=f"{LONG} {n}", description=LONG * 2,
                    activity_id=f"https://mitra.example/a/{n}",
                    launch_url="https://mitra.example/launch"))
                place_entry(storage.lti_platform_tools, storage.lti_catalogue,
                            NewPlacement(catalogue_id=f"e{n}", tool_id=tool.id))
        browser = LtiBrowser(app.test_client(), platform)
        page = browser.follow(browser.launch(claims={
            CLAIM + "custom": {"nip": SITI}, "name": LONG,
            CLAIM + "context": {"id": "course-1", "title": LONG}}))
        assert page.status_code == 200
    finally:
        platform.close()
    path = tmp_path / "landing.html"
    path.write_text(page.get_data(as_text=True), encoding="utf-8")
    return path.as_uri()


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_the_landing_page_fits_a_360_px_phone(browser, landing_html, screenshot):
    driver = browser
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": 360, "height": 740, "deviceScaleFactor": 2, "mobile": True})
    try:
        driver.get(landing_html)
        viewport, page_width = driver.execute_script(
            "return [window.innerWidth, document.documentElement.scrollWidth]")
        assert viewport == 360
        assert page_width <= viewport  # nothing makes the page scroll sideways
        buttons = driver.find_elements(By.CSS_SELECTOR, "#offers button")
        assert len(buttons) == 3
        for element in [*buttons, *driver.find_elements(By.CSS_SELECTOR, "h1, h2, .bar")]:
            box = element.rect
            assert box["x"] >= 0 and box["x"] + box["width"] <= viewport + 0.5, element.text
        bar = driver.find_element(By.CSS_SELECTOR, ".bar").rect
        assert bar["width"] > 250  # the progress bar spans the card
        screenshot(driver, "phone")
        driver.execute_script("document.getElementById('offers').scrollIntoView()")
        screenshot(driver, "phone-offers")
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
