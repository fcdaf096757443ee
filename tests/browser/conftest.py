"""Headless Chromium (Debian's chromium and chromium-driver, driven by selenium) against a
real hub under gunicorn on loopback, with realistic transcripts.

Without Chromium the browser tests are skipped with a message saying what to install;
under CI=true they fail instead, as a missing PostgreSQL does (tests/conftest.py).
`dev.py` and `.ci/run` install the two packages when they are missing and run as root.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from live_server import LiveHub
from realistic_hub import Seeded, seed

from hub.app import open_hub_storage
from transcripts.storage.contract import AccessQuery

CHROMIUM = Path(os.environ.get("HUB_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("HUB_TEST_CHROMEDRIVER", "/usr/bin/chromedriver"))
# The network is closed: nothing may try to reach the outside (updates, sync, QUIC).
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--lang=id-ID"]
LAPTOP = (1280, 900)
PHONE = (390, 844)


def _missing() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not path.exists():
            return (f"{path} not found: install Debian's {package} "
                    "(apt-get install -y chromium chromium-driver; dev.py test does it as root)")
    return None


@pytest.fixture(scope="session")
def chromium_available() -> None:
    missing = _missing()
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests need Chromium: {missing} — CI=true requires them")
        pytest.skip(f"browser tests skipped: {missing}")


@dataclass(frozen=True)
class Site:
    url: str
    database_url: str
    seeded: Seeded

    def access_log(self, **query) -> list:
        storage = open_hub_storage(self.database_url)
        try:
            return storage.access.query_access(AccessQuery(limit=1000, **query))
        finally:
            storage.dispose()


@pytest.fixture(scope="session")
def site(chromium_available, tmp_path_factory) -> Iterator[Site]:
    """One seeded hub under gunicorn for the browser tests of a worker."""
    folder = tmp_path_factory.mktemp("browser-hub")
    url = f"sqlite:///{folder / 'hub.sqlite3'}"
    storage = open_hub_storage(url)
    storage.upgrade()
    storage.dispose()
    seeded = seed(url, str(folder / "instance"))
    with LiveHub(url, workers=2) as hub:
        yield Site(hub.url, url, seeded)


@pytest.fixture(scope="session")
def downloads(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="session")
def browser(chromium_available, tmp_path_factory, downloads):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.add_argument(f"--window-size={LAPTOP[0]},{LAPTOP[1]}")
    options.add_experimental_option("prefs", {
        "download.default_directory": str(downloads), "download.prompt_for_download": False,
        "intl.accept_languages": "id-ID,id"})
    # A driver path given: selenium does not look for (or download) one of its own.
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)),
                              options=options)
    driver.set_page_load_timeout(20)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior",
                           {"behavior": "allow", "downloadPath": str(downloads)})
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def fresh_browser(browser, site):
    """The shared browser with no cookies of the hub (signed out, no language chosen), a
    laptop-sized window and an empty downloads folder."""
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    browser.set_window_size(*LAPTOP)
    browser.get(site.url + "/auditor/static/auditor.css")
    browser.delete_all_cookies()
    return browser


@pytest.fixture
def screenshot(request):
    """screenshot(driver, name): saved under $HUB_TEST_SCREENSHOTS when set, to look at
    what the pages really show (never committed)."""
    folder = os.environ.get("HUB_TEST_SCREENSHOTS")

    def take(driver, name: str) -> None:
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            test = re.sub(r"[^\w.-]+", "_", request.node.name)
            driver.save_screenshot(str(Path(folder) / f"{test}-{name}.png"))

    return take
