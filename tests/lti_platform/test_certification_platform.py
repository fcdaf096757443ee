"""The 1EdTech LTI Advantage Conformance Certification Guide 1.3, §5 "Learning Platform
Certification", as tests: one test per listed item, named after it.  The hub is the
platform; a pylti1p3 partner tool on loopback plays the certification suite's tool, and
the test LMS launches the hub, which relays its learners and instructors to the
partner.  docs/lti-platform.md maps each item to its test.

Each payload (and the DL, NRPS and AGS walks) is produced once per engine by a
module-scoped fixture on a hub of its own (its own SQLite file or PostgreSQL schema);
the tests then check one certification item each against what was captured.
"""

from __future__ import annotations

import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import jwt
import pytest
import requests
from jwcrypto.jwk import JWK
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.lineitem import LineItem
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from hub.app import create_app, open_hub_storage
from tests.conftest import TEST_SECRET
from tests.live_server import free_port
from tests.lti.conftest import register as register_lms
from tests.lti.lms import CLAIM, INSTRUCTOR, LEARNER, TestPlatform, auto_post_form
from tests.lti_platform.conftest import Browser, LiveHub, place, register_partner
from tests.lti_platform.partner import PartnerTool
from tests.lti_platform.test_deep_linking import admin_headers
from tests.lti_platform.test_security import ASSERTION, NRPS, SCOPE, assertion

AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
DL_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
PII = ("name", "given_name", "family_name", "middle_name", "email", "picture", "phone_number",
       "address", "birthdate", CLAIM + "lis")
FULL_ENTRY, ANON_ENTRY = "etika-asn", "etika-asn-anonim"
# The LMS pads its values: the hub must not pass extra whitespace on (cert §5.1.1).
STUDENT = {"name": "  Siti Rahma ", "given_name": "Siti ", "family_name": " Rahma",
           "email": "siti@example.go.id",
           CLAIM + "context": {"id": "course-1", "label": " ASN-101",
                               "title": "Orientasi ASN  "}}
TEACHER = {"sub": "teacher-1", CLAIM + "roles": [INSTRUCTOR], "name": "Bu Guru",
           "given_name": "Ratna", "family_name": "Guru", "email": "ratna@example.go.id"}


# --- a hub of this module's own ----------------------------------------------------------
@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def cert_database(request, tmp_path_factory) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("certification") / "hub.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    base = request.getfixturevalue("postgres_database")
    schema = f"cert_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = (make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
           .render_as_string(hide_password=False))
    storage = open_hub_storage(url)
    storage.upgrade()
    storage.dispose()
    try:
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@dataclass
class World:
    hub: LiveHub
    lms: TestPlatform
    full: PartnerTool  # may have name, e-mail and NIP
    anonymous: PartnerTool  # may have no personal data
    cache: dict[str, Any] = field(default_factory=dict)

    def once(self, name: str, make: Callable[[], Any]) -> Any:
        if name not in self.cache:
            self.cache[name] = make()
        return self.cache[name]


@pytest.fixture(scope="module")
def world(cert_database, tmp_path_factory) -> Iterator[World]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    app = create_app({"env": "test", "secret_key": TEST_SECRET, "database_url": cert_database,
                      "instance_path": str(tmp_path_factory.mktemp("instance")),
                      "log_format": "text", "log_level": "WARNING",
                      "auth_failure_delay_ms": 0, "public_url": url})
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    hub, lms = LiveHub(app, url), TestPlatform()
    full, anonymous = PartnerTool("Akademi Mitra"), PartnerTool("Mitra Anonim")
    try:
        register_lms(app, lms)
        place(hub, register_partner(hub, full, personal_data=["name", "email", "nip"]),
              FULL_ENTRY)
        place(hub, register_partner(hub, anonymous, personal_data=[]), ANON_ENTRY)
        yield World(hub, lms, full, anonymous)
    finally:
        for closing in (lms, full, anonymous):
            closing.close()
        server.shutdown()
        thread.join(5)
        app.extensions["hub.storage"].dispose()


# --- capturing what the partner receives -------------------------------------------------
@dataclass
class Payload:
    token: str
    header: dict[str, Any]
    claims: dict[str, Any]
    tool: PartnerTool
    received: dict[str, Any]  # what the partner's pylti1p3 validated and read


def capture(page: requests.Response, browser: Browser, tool: PartnerTool) -> Payload:
    """The hub's auto-posted id_token form: read the token, then post it to the tool."""
    assert page.status_code == 200 and 'name="id_token"' in page.text, page.text[:400]
    token = auto_post_form(page.text)["id_token"]
    delivered = browser.post_form(page)
    assert delivered.status_code == 200, delivered.text[:400]
    return Payload(token=token, header=jwt.get_unverified_header(token),
                   claims=jwt.decode(token, options={"verify_signature": False}), tool=tool,
                   received=tool.last.get_launch_data())


def relayed(world: World, entry: str, tool: PartnerTool, claims: dict,
            *, staff: bool = False) -> Payload:
    """The LMS launches a link deep-linked to `entry`; a learner is relayed to the tool at
    once, an instructor presses the course page's button to go there."""
    browser = Browser(world.hub, world.lms)
    page = browser.lms_launch(**{CLAIM + "custom": {"catalogue_id": entry}, **claims})
    if staff:
        assert "/lti/course/" in page.url and 'id="open-partner"' in page.text, page.text[:400]
        launch_id = urlsplit(page.url).path.rsplit("/", 1)[-1]
        page = browser.http.post(f"{world.hub.url}/lti/course/{launch_id}/partner")
    return capture(page, browser, tool)


@pytest.fixture(scope="module")
def full_student(world) -> Payload:
    return world.once("full_student", lambda: relayed(world, FULL_ENTRY, world.full, STUDENT))


@pytest.fixture(scope="module")
def student_without_pii(world) -> Payload:
    return world.once("anon_student", lambda: relayed(world, ANON_ENTRY, world.anonymous,
                                                      STUDENT))


@pytest.fixture(scope="module")
def full_instructor(world) -> Payload:
    return world.once("full_teacher", lambda: relayed(world, FULL_ENTRY, world.full, TEACHER,
                                                      staff=True))


@pytest.fixture(scope="module")
def instructor_without_pii(world) -> Payload:
    return world.once("anon_teacher", lambda: relayed(world, ANON_ENTRY, world.anonymous,
                                                      TEACHER, staff=True))


# --- the checks the certification suite runs on a payload --------------------------------
def hub_key(world: World, kid: str):
    keys = requests.get(world.hub.url + "/lti/platform/jwks").json()["keys"]
    [key] = [k for k in keys if k["kid"] == kid]
    return JWK(**key).export_to_pem()


def payload_is_lti_1_3(world, p: Payload, message_type="LtiResourceLinkRequest") -> None:
    assert p.token.count(".") == 2 and p.header.get("typ") == "JWT"
    assert p.claims[CLAIM + "message_type"] == message_type


def payload_timestamps_valid(world, p: Payload) -> None:
    now = time.time()
    assert p.claims["iat"] <= now + 5 and p.claims["exp"] > now
    assert 0 < p.claims["exp"] - p.claims["iat"] <= 3600


def payload_signed_with_rsa_256(world, p: Payload) -> None:
    assert p.header["alg"] == "RS256"


def payload_signature_valid(world, p: Payload) -> None:
    # The kid names a key on the hub's JWKS URL, and that key verifies the signature.
    verified = jwt.decode(p.token, hub_key(world, p.header["kid"]), algorithms=["RS256"],
                          audience=p.tool.client_id, issuer=world.hub.url)
    assert verified == p.claims
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(p.token[:-6] + ("A" * 6 if not p.token.endswith("A" * 6) else "B" * 6),
                   hub_key(world, p.header["kid"]), algorithms=["RS256"],
                   audience=p.tool.client_id)


def payload_is_complete(world, p: Payload) -> None:
    """LTI Core 1.3 §5.3 required claims of a resource link launch."""
    c = p.claims
    assert c["iss"] == world.hub.url and c["aud"] == p.tool.client_id
    assert c["sub"] and c["nonce"] and c[CLAIM + "target_link_uri"]
    assert c[CLAIM + "deployment_id"] == p.tool.record.deployment_id
    assert c[CLAIM + "resource_link"]["id"]
    assert isinstance(c[CLAIM + "roles"], list)


def payload_lti_version(world, p: Payload) -> None:
    assert p.claims[CLAIM + "version"] == "1.3.0"


def role_names(p: Payload) -> set[str]:
    return {r.rsplit("#", 1)[-1] for r in p.claims[CLAIM + "roles"]}


def payload_roles_of_a_learner(world, p: Payload) -> None:
    assert p.claims[CLAIM + "roles"] == [LEARNER]


def payload_roles_of_an_instructor(world, p: Payload) -> None:
    assert INSTRUCTOR in p.claims[CLAIM + "roles"]
    assert "Learner" not in role_names(p) and "Student" not in role_names(p)


def payload_without_pii(world, p: Payload) -> None:
    assert not [name for name in PII if name in p.claims]
    sent = {v.strip() for person in (STUDENT, TEACHER) for k, v in person.items()
            if k in PII or k == "sub"} | {"learner-1"}
    assert not sent & set(strings(p.claims))  # no LMS name, e-mail or id anywhere


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, inner in value.items():
            yield key
            yield from strings(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from strings(inner)


def payload_is_free_of_extra_whitespace(world, p: Payload) -> None:
    padded = [s for s in strings(p.claims) if s != s.strip()]
    assert padded == []


def expected_received(**personal: str) -> Callable[[World, Payload], None]:
    def check(world, p: Payload) -> None:
        # The tool's own library accepted the launch and read exactly what was signed.
        assert p.received == p.claims
        assert p.received[CLAIM + "resource_link"]["title"] == "Etika ASN"
        assert p.received[CLAIM + "context"]["title"] == "Orientasi ASN"
        assert p.received[CLAIM + "custom"] == {"modul": "1"}
        for name, value in personal.items():
            assert p.received[name] == value
    return check


STUDENT_NAMES = {"name": "Siti Rahma", "given_name": "Siti", "family_name": "Rahma",
                 "email": "siti@example.go.id"}
TEACHER_NAMES = {"name": "Bu Guru", "email": "ratna@example.go.id"}
CORE = [("Payload is LTI 1.3", payload_is_lti_1_3),
        ("Payload Timestamps Valid", payload_timestamps_valid),
        ("Payload Signed with RSA 256", payload_signed_with_rsa_256),
        ("Payload Signature Valid", payload_signature_valid),
        ("Payload is Complete", payload_is_complete),
        ("Payload LTI Version", payload_lti_version)]
TAIL = [("Payload is Free of Extra Whitespace", payload_is_free_of_extra_whitespace)]
FULL_STUDENT_TESTS = [*CORE, ("Payload Roles Correct", payload_roles_of_a_learner), *TAIL,
                      ("Payload Expected Received", expected_received(**STUDENT_NAMES))]
STUDENT_WITHOUT_PII_TESTS = [*CORE, ("Payload Roles Correct", payload_roles_of_a_learner),
                             ("Payload Without PII", payload_without_pii), *TAIL,
                             ("Payload Expected Received", expected_received())]
FULL_TEACHER_TESTS = [*CORE, ("Payload Roles Correct", payload_roles_of_an_instructor), *TAIL,
                      ("Payload Expected Received", expected_received(**TEACHER_NAMES))]
TEACHER_WITHOUT_PII_TESTS = [*CORE, ("Payload Roles Correct", payload_roles_of_an_instructor),
                             ("Payload Without PII", payload_without_pii), *TAIL,
                             ("Payload Expected Received", expected_received())]


def items(tests):
    return pytest.mark.parametrize("check", [c for _, c in tests], ids=[n for n, _ in tests])


# --- §5.1 LTI Core --------------------------------------------------------------------------
@items(FULL_STUDENT_TESTS)
def test_5_1_1_full_student_payload(world, full_student, check):
    check(world, full_student)


@items(STUDENT_WITHOUT_PII_TESTS)
def test_5_1_2_student_payload_without_pii(world, student_without_pii, check):
    check(world, student_without_pii)


@items(FULL_TEACHER_TESTS)
def test_5_1_3_full_instructor_payload(world, full_instructor, check):
    check(world, full_instructor)


@items(TEACHER_WITHOUT_PII_TESTS)
def test_5_1_4_instructor_payload_without_pii(world, instructor_without_pii, check):
    check(world, instructor_without_pii)


# --- §5.2 Deep Linking ----------------------------------------------------------------------
@dataclass
class DeepLinkWalk:
    request: Payload
    entry_id: str
    placement_url: str | None
    imported_launch: Payload


def deep_link_walk(world: World) -> DeepLinkWalk:
    hub, tool = world.hub, world.full
    tool.deep_link_items = [
        DeepLinkResource().set_title("Kuis Integritas").set_url(tool.url + "/launch?kuis=1")
        .set_custom_params({"activity_id": "https://mitra.example/kuis", "jp": "1.5"})
        .set_lineitem(LineItem().set_score_maximum(20).set_label("Kuis Integritas"))]
    try:
        url = requests.post(f"{hub.url}/api/admin/lti/platform/tools/{tool.record.id}/deep-link",
                            headers=admin_headers(hub)).json()["url"]
        http = requests.Session()
        auth_form = http.get(url)
        token = auto_post_form(auth_form.text)["id_token"]
        tool_form = http.post(auth_form.text.split('action="')[1].split('"')[0],
                              data=auto_post_form(auth_form.text))
        request_payload = Payload(token=token, header=jwt.get_unverified_header(token),
                                  claims=jwt.decode(token, options={"verify_signature": False}),
                                  tool=tool, received=tool.last.get_launch_data())
        back = http.post(tool_form.text.split('action="')[1].split('"')[0],
                         data=auto_post_form(tool_form.text))
        assert back.status_code == 200, back.text[:400]
    finally:
        tool.deep_link_items = []
    entry_id = back.text.split('data-entry="')[1].split('"')[0]
    with hub.context():
        placement = hub.storage.lti_platform_tools.get_placement(entry_id)
    claims = {CLAIM + "resource_link": {"id": "link-dl", "title": "Kuis"}}
    return DeepLinkWalk(request_payload, entry_id, placement.url,
                        relayed(world, entry_id, tool, claims))


@pytest.fixture(scope="module")
def deep_link(world) -> DeepLinkWalk:
    return world.once("deep_link", lambda: deep_link_walk(world))


def deep_linking_request_is_lti_1_3(world, p: Payload) -> None:
    payload_is_lti_1_3(world, p, "LtiDeepLinkingRequest")
    settings = p.claims[DL_SETTINGS]
    assert settings["deep_link_return_url"] == world.hub.url + "/lti/platform/deep-link/return"
    assert "ltiResourceLink" in settings["accept_types"]
    assert settings["accept_presentation_document_targets"]


def deep_linking_request_is_complete(world, p: Payload) -> None:
    c = p.claims
    assert c["iss"] == world.hub.url and c["aud"] == p.tool.client_id
    assert c["sub"] and c["nonce"] and isinstance(c[CLAIM + "roles"], list)
    assert c[CLAIM + "deployment_id"] == p.tool.record.deployment_id
    assert c[DL_SETTINGS]["data"]  # echoed back by the tool, binds the response
    assert CLAIM + "resource_link" not in c  # a deep linking request has no link yet


DEEP_LINKING_TESTS = [
    ("Payload is LTI 1.3", lambda w, d: deep_linking_request_is_lti_1_3(w, d.request)),
    ("Payload Timestamps Valid", lambda w, d: payload_timestamps_valid(w, d.request)),
    ("Payload Signed with RSA 256", lambda w, d: payload_signed_with_rsa_256(w, d.request)),
    ("Payload Signature Valid", lambda w, d: payload_signature_valid(w, d.request)),
    ("Payload is Complete", lambda w, d: deep_linking_request_is_complete(w, d.request)),
    ("Payload LTI Version", lambda w, d: payload_lti_version(w, d.request)),
]


@items(DEEP_LINKING_TESTS)
def test_5_2_deep_linking(world, deep_link, check):
    check(world, deep_link)


def test_5_2_deep_linking_proof_of_lti_link(world, deep_link):
    """The absorbed link: a catalogue entry placed on the tool, which an LMS link then
    launches with the item's URL and custom parameters."""
    with world.hub.context():
        entry = world.hub.storage.lti_catalogue.get_entry(deep_link.entry_id)
    assert (entry.title, entry.activity_id, entry.graded, entry.score_maximum) == (
        "Kuis Integritas", "https://mitra.example/kuis", True, 20.0)
    launched = deep_link.imported_launch.received
    assert deep_link.placement_url == world.full.url + "/launch?kuis=1"
    assert launched[CLAIM + "target_link_uri"] == deep_link.placement_url
    assert launched[CLAIM + "custom"]["activity_id"] == "https://mitra.example/kuis"
    assert launched[CLAIM + "resource_link"]["title"] == "Kuis Integritas"


# --- §5.3 Names and Role Provisioning Services -------------------------------------------
def token_for(world: World, tool: PartnerTool, scope: str) -> requests.Response:
    return requests.post(world.hub.url + "/lti/platform/token", data={
        "grant_type": "client_credentials", "client_assertion_type": ASSERTION,
        "client_assertion": assertion(world.hub, tool), "scope": scope})


def bearer(response: requests.Response) -> dict[str, str]:
    return {"Authorization": "Bearer " + response.json()["access_token"]}


@dataclass
class NrpsWalk:
    launch: Payload
    token: requests.Response
    members: requests.Response
    first_page: requests.Response


def nrps_walk(world: World) -> NrpsWalk:
    course = {CLAIM + "context": {"id": "course-nrps", "title": "Orientasi ASN"}, "_context_id":
              "course-nrps", CLAIM + "resource_link": {"id": "link-nrps", "title": "Etika"}}
    relayed(world, FULL_ENTRY, world.full, course)  # a learner of the course first
    launch = relayed(world, FULL_ENTRY, world.full, {**TEACHER, **course}, staff=True)
    token = token_for(world, world.full, NRPS)
    url = launch.claims[NRPS_CLAIM]["context_memberships_url"]
    headers = {**bearer(token),
               "Accept": "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"}
    return NrpsWalk(launch, token, requests.get(url, headers=headers),
                    requests.get(url, params={"limit": 1}, headers=headers))


@pytest.fixture(scope="module")
def nrps(world) -> NrpsWalk:
    return world.once("nrps", lambda: nrps_walk(world))


def nrps_payload_is_complete(world, walk: NrpsWalk) -> None:
    payload_is_complete(world, walk.launch)
    claim = walk.launch.claims[NRPS_CLAIM]
    assert claim["service_versions"] == ["2.0"]
    assert claim["context_memberships_url"].startswith(world.hub.url + "/lti/platform/nrps/")


def nrps_oauth2_call(world, walk: NrpsWalk) -> None:
    assert walk.token.status_code == 200, walk.token.text
    body = walk.token.json()
    assert body["token_type"] == "Bearer" and body["scope"] == NRPS and body["expires_in"] > 0


def nrps_call(world, walk: NrpsWalk) -> None:
    assert walk.members.status_code == 200, walk.members.text


def nrps_payload(world, walk: NrpsWalk) -> None:
    body = walk.members.json()
    assert body["id"] and body["context"]["id"] == walk.launch.claims[CLAIM + "context"]["id"]
    members = {m["user_id"]: m for m in body["members"]}
    assert len(members) == 2
    teacher = members[walk.launch.claims["sub"]]  # the tool's own sub for the instructor
    assert INSTRUCTOR in teacher["roles"] and teacher["status"] == "Active"
    assert teacher["name"] == "Bu Guru" and teacher["email"] == "ratna@example.go.id"
    assert all(isinstance(m["roles"], list) for m in body["members"])


def nrps_headers(world, walk: NrpsWalk) -> None:
    for response in (walk.members, walk.first_page):
        assert response.headers["Content-Type"].startswith(
            "application/vnd.ims.lti-nrps.v2.membershipcontainer+json")
    assert len(walk.first_page.json()["members"]) == 1
    assert 'rel="next"' in walk.first_page.headers["Link"]
    assert "Link" not in walk.members.headers  # one page holds the whole class


NRPS_TESTS = [
    ("Payload is LTI 1.3", lambda w, n: payload_is_lti_1_3(w, n.launch)),
    ("Payload Timestamps Valid", lambda w, n: payload_timestamps_valid(w, n.launch)),
    ("Payload Signature Valid", lambda w, n: payload_signature_valid(w, n.launch)),
    ("Payload is Complete", nrps_payload_is_complete),
    ("Generate OAuth2 Call", nrps_oauth2_call),
    ("Do Names and Roles Call", nrps_call),
    ("Names and Roles Payload", nrps_payload),
    ("Verify Names and Roles Headers", nrps_headers),
]


@items(NRPS_TESTS)
def test_5_3_names_and_role_provisioning_services(world, nrps, check):
    check(world, nrps)


# --- §5.4 Assignment and Grade Services -------------------------------------------------------
LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"


def ags_walk(world: World) -> dict[str, Any]:
    """The guide's two AGS payloads and every call, in its order; each step's outcome."""
    steps: dict[str, Any] = {}

    def course(n: int) -> dict:
        return {"_context_id": f"course-ags-{n}",
                CLAIM + "context": {"id": f"course-ags-{n}", "title": "Orientasi ASN"},
                CLAIM + "resource_link": {"id": f"link-ags-{n}", "title": "Etika"}}

    first = steps["payload 1"] = relayed(world, FULL_ENTRY, world.full, course(1))
    lineitem_token = steps["token 1"] = token_for(world, world.full, SCOPE + "lineitem")
    items_1 = first.claims[AGS_CLAIM]["lineitems"]
    headers = {**bearer(lineitem_token), "Content-Type": LINEITEM_TYPE}
    steps["create 1"] = requests.post(items_1, json={"label": "Kuis 1", "scoreMaximum": 10},
                                      headers=headers)
    steps["retrieve 1"] = requests.get(steps["create 1"].json()["id"], headers={
        **bearer(lineitem_token), "Accept": LINEITEM_TYPE})
    steps["create 2"] = requests.post(items_1, json={"label": "Kuis 2", "scoreMaximum": 20},
                                      headers=headers)
    second = steps["payload 2"] = relayed(world, FULL_ENTRY, world.full, course(2))
    steps["create 3"] = requests.post(second.claims[AGS_CLAIM]["lineitems"],
                                      json={"label": "Kuis 3", "scoreMaximum": 30},
                                      headers=headers)
    score_token = steps["token 2"] = token_for(world, world.full, SCOPE + "score")
    when = datetime.now(UTC)
    for number, given, maximum in ((3, 25, 30), (1, 8, 10)):
        steps[f"score {number}"] = requests.post(
            steps[f"create {number}"].json()["id"] + "/scores", headers={
                **bearer(score_token), "Content-Type": "application/vnd.ims.lis.v1.score+json"},
            json={"userId": second.claims["sub"], "scoreGiven": given, "scoreMaximum": maximum,
                  "activityProgress": "Completed", "gradingProgress": "FullyGraded",
                  "timestamp": (when + timedelta(seconds=number)).isoformat()})
    steps["score token reads results"] = requests.get(
        steps["create 3"].json()["id"] + "/results", headers=bearer(score_token))
    results_token = steps["token 3"] = token_for(world, world.full, SCOPE + "result.readonly")
    for number in (3, 1):
        steps[f"results {number}"] = requests.get(
            steps[f"create {number}"].json()["id"] + "/results", headers={
                **bearer(results_token),
                "Accept": "application/vnd.ims.lis.v2.resultcontainer+json"})
    steps["results token posts scores"] = requests.post(
        steps["create 1"].json()["id"] + "/scores", headers=bearer(results_token), json={})
    with world.hub.context():
        documents = [s.document for s in world.hub.storage.statements.statements_after(0, 1000)]
    steps["statements"] = [d for d in documents if d["verb"]["id"].endswith("/scored")]
    return steps


@pytest.fixture(scope="module")
def ags(world) -> dict[str, Any]:
    return world.once("ags", lambda: ags_walk(world))


def ags_payload_is_complete(payload: str):
    def check(world, steps) -> None:
        p = steps[payload]
        payload_is_complete(world, p)
        claim = p.claims[AGS_CLAIM]
        assert claim["lineitems"] == (f"{world.hub.url}/lti/platform/ags/"
                                      f"{p.claims[CLAIM + 'context']['id']}/lineitems")
        assert set(claim["scope"]) == {SCOPE + "lineitem", SCOPE + "result.readonly",
                                       SCOPE + "score"}
    return check


def token_for_exactly(step: str, scope: str):
    def check(world, steps) -> None:
        assert steps[step].status_code == 200, steps[step].text
        assert steps[step].json()["scope"] == scope
    return check


def line_item_created(step: str, label: str, payload: str):
    def check(world, steps) -> None:
        response = steps[step]
        assert response.status_code == 201, response.text
        context = steps[payload].claims[CLAIM + "context"]["id"]
        assert response.json()["label"] == label
        assert response.json()["id"].startswith(
            f"{world.hub.url}/lti/platform/ags/{context}/lineitems/")
        assert response.headers["Location"] == response.json()["id"]
    return check


def retrieve_line_item_1(world, steps) -> None:
    assert steps["retrieve 1"].status_code == 200
    assert steps["retrieve 1"].json() == steps["create 1"].json()
    assert steps["retrieve 1"].headers["Content-Type"].startswith(LINEITEM_TYPE)


def score_posted(number: int):
    def check(world, steps) -> None:
        assert steps[f"score {number}"].status_code == 204, steps[f"score {number}"].text
        # A scores-only token is only that: it cannot read results.
        assert steps["score token reads results"].status_code == 403
    return check


def results_read(number: int, given: float, maximum: float):
    def check(world, steps) -> None:
        response = steps[f"results {number}"]
        assert response.status_code == 200, response.text
        assert response.headers["Content-Type"].startswith(
            "application/vnd.ims.lis.v2.resultcontainer+json")
        sub = steps["payload 2"].claims["sub"]
        assert [(r["userId"], r["resultScore"], r["resultMaximum"]) for r in response.json()] \
            == [(sub, given, maximum)]
        assert steps["results token posts scores"].status_code == 403  # results only
    return check


def verify_gradebook_entities(world, steps) -> None:
    """The posted scores were absorbed: in the results (above) and as xAPI statements of
    the learner, one `scored` per score, on the line items of both contexts."""
    by_item = {s["object"]["id"].rsplit("/", 1)[-1]: s["result"]["score"]
               for s in steps["statements"]}
    for number, raw, maximum in ((1, 8, 10), (3, 25, 30)):
        item = steps[f"create {number}"].json()["id"].rsplit("/", 1)[-1]
        assert by_item[item]["raw"] == raw and by_item[item]["max"] == maximum
    actors = {s["actor"]["account"]["name"] for s in steps["statements"]}
    assert actors == {"learner-1"}  # the LMS account of the learner behind the tool's sub


AGS_TESTS = [
    ("Payload 1 Signature Valid", lambda w, s: payload_signature_valid(w, s["payload 1"])),
    ("Payload 1 is Complete", ags_payload_is_complete("payload 1")),
    ("Generate OAuth2 Call 1", token_for_exactly("token 1", SCOPE + "lineitem")),
    ("Create Line Item 1", line_item_created("create 1", "Kuis 1", "payload 1")),
    ("Retrieve Line Item 1", retrieve_line_item_1),
    ("Create Line Item 2", line_item_created("create 2", "Kuis 2", "payload 1")),
    ("Payload 2 Signature Valid", lambda w, s: payload_signature_valid(w, s["payload 2"])),
    ("Payload 2 is Complete", ags_payload_is_complete("payload 2")),
    ("Create Line Item 3", line_item_created("create 3", "Kuis 3", "payload 2")),
    ("Generate OAuth2 Call 2", token_for_exactly("token 2", SCOPE + "score")),
    ("Post Score Line Item 3", score_posted(3)),
    ("Post Score Line Item 1", score_posted(1)),
    ("Generate OAuth2 Call 3", token_for_exactly("token 3", SCOPE + "result.readonly")),
    ("Retrieve Results Line Item 3", results_read(3, 25, 30)),
    ("Retrieve Results Line Item 1", results_read(1, 8, 10)),
    ("Verify Gradebook Entities", verify_gradebook_entities),
]


@items(AGS_TESTS)
def test_5_4_assignment_and_grade_services(world, ags, check):
    check(world, ags)


def test_5_4_the_two_ags_payloads_are_two_contexts(ags):
    first, second = ags["payload 1"], ags["payload 2"]
    assert first.claims[CLAIM + "context"]["id"] != second.claims[CLAIM + "context"]["id"]
    assert first.claims["sub"] == second.claims["sub"]  # one learner, two courses
