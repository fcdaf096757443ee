"""Platform-role fixtures: the hub served over HTTP on loopback (the partner tool calls
its JWKS, token, AGS and NRPS endpoints), a pylti1p3 partner tool registered with it, a
test LMS that launches the hub, and a browser that walks every redirect and form."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from flask import Flask
from werkzeug.serving import make_server

from hub.app import create_app
from lti.platform.storage.contract import PartnerTool as ToolRecord
from lti.platform.tools import NewPlacement, NewTool, place_entry, register_tool
from lti.tool.registration import NewEntry, add_catalogue_entry
from tests.live_server import free_port
from tests.lti.conftest import register as register_lms
from tests.lti.lms import CLAIM, NextLaunch, TestPlatform, auto_post_form
from tests.lti_platform.partner import PartnerTool

ENTRY = "etika-asn"
ACTIVITY = "https://mitra.example/activities/etika-asn"


@dataclass
class LiveHub:
    app: Flask
    url: str

    @property
    def storage(self):
        return self.app.extensions["hub.storage"]

    def context(self):
        return self.app.app_context()


@pytest.fixture
def hub(app_config) -> Iterator[LiveHub]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    app = create_app({**app_config, "public_url": url})
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield LiveHub(app, url)
    server.shutdown()
    thread.join(5)
    app.extensions["hub.storage"].dispose()


@pytest.fixture
def partner() -> Iterator[PartnerTool]:
    tool = PartnerTool()
    yield tool
    tool.close()


def register_partner(hub: LiveHub, partner: PartnerTool, **overrides) -> ToolRecord:
    values = partner.registration(**overrides)
    with hub.context():
        record = register_tool(hub.storage.lti_platform_tools, NewTool(
            name=values["name"], organisation=values["organisation"],
            login_url=values["login_url"], target_link_uri=values["target_link_uri"],
            redirect_uris=tuple(values["redirect_uris"]), jwks_url=values["jwks_url"],
            deep_linking_url=values["deep_linking_url"], services=values["services"],
            personal_data=values["personal_data"]))
    partner.configure(hub.url, record.client_id, record.deployment_id)
    partner.record = record
    return record


def place(hub: LiveHub, tool: ToolRecord, entry_id: str = ENTRY, *, graded: bool = True,
          lesson_hours: float | None = 2.0, passing_score: float | None = 0.7) -> None:
    with hub.context():
        storage = hub.storage
        if storage.lti_catalogue.get_entry(entry_id) is None:
            add_catalogue_entry(storage.lti_catalogue, NewEntry(
                id=entry_id, title="Etika ASN", activity_id=ACTIVITY + entry_id[len(ENTRY):],
                launch_url=tool.target_link_uri, graded=graded, score_maximum=50.0))
        place_entry(storage.lti_platform_tools, storage.lti_catalogue, NewPlacement(
            catalogue_id=entry_id, tool_id=tool.id, lesson_hours=lesson_hours,
            passing_score=passing_score, custom={"modul": "1"}))


@pytest.fixture
def registered_partner(hub, partner) -> ToolRecord:
    record = register_partner(hub, partner)
    place(hub, record)
    return record


@pytest.fixture
def lms(hub) -> Iterator[TestPlatform]:
    platform = TestPlatform()
    register_lms(hub.app, platform)
    yield platform
    platform.close()


class Browser:
    """One person's browser: requests keeps the cookies of the hub, the LMS and the tool."""

    def __init__(self, hub: LiveHub, lms: TestPlatform | None) -> None:
        self.hub = hub
        self.lms = lms
        self.http = requests.Session()

    def lms_launch(self, **claims) -> requests.Response:
        """The LMS launches the hub (tool role); redirects are followed from there."""
        self.lms.next = NextLaunch(claims=claims)
        params = {"iss": self.lms.issuer, "login_hint": "user-1",
                  "target_link_uri": self.hub.url + "/lti/launch",
                  "lti_message_hint": "link-1", "client_id": self.lms.client_id,
                  "lti_deployment_id": self.lms.deployment_id, "lti1p3_new_window": "1"}
        to_lms = self.http.get(self.hub.url + "/lti/login", params=params,
                               allow_redirects=False)
        assert to_lms.status_code == 302, to_lms.text[:300]
        form = auto_post_form(self.http.get(to_lms.headers["Location"]).text)
        return self.http.post(self.hub.url + "/lti/launch", data=form)

    def sign_in(self, **claims) -> str:
        """Launch the hub from the LMS and return the tool-role launch id."""
        landed = self.lms_launch(**claims)
        assert landed.status_code == 200, landed.text[:300]
        return urlsplit(landed.url).path.rsplit("/", 1)[-1]

    def open_catalogue(self, launch_id: str) -> requests.Response:
        return self.http.get(self.hub.url + "/lti/platform/catalogue",
                             params={"launch": launch_id})

    def launch_entry(self, entry_id: str = ENTRY, csrf: str | None = None) -> requests.Response:
        """Press "Buka" on the catalogue page; returns the hub's auto-posted form page."""
        page = self.http.get(self.hub.url + "/lti/platform/catalogue").text
        token = csrf if csrf is not None else page.split('name="csrf" value="')[1].split('"')[0]
        return self.http.post(self.hub.url + f"/lti/platform/launch/{entry_id}",
                              data={"csrf": token})

    def post_form(self, page: requests.Response) -> requests.Response:
        """Submit an auto-posting form page as its script would."""
        action = page.text.split('action="')[1].split('"')[0]
        return self.http.post(action.replace("&amp;", "&"), data=auto_post_form(page.text))


def relay_claims(entry_id: str = ENTRY) -> dict:
    return {CLAIM + "custom": {"catalogue_id": entry_id}}


@pytest.fixture
def browser(hub, lms) -> Browser:
    return Browser(hub, lms)


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
