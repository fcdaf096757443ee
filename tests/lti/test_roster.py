"""NRPS 2.0: the whole class, every page, including members who never launched."""

from __future__ import annotations

from lti.http import next_link
from lti.service import set_identity_linker
from tests.lti.lms import CLAIM, INSTRUCTOR, LEARNER, NRPS_CLAIM

MEMBERS = [
    {"user_id": "learner-1", "name": "Siti Rahma", "roles": [LEARNER], "status": "Active"},
    {"user_id": "learner-2", "name": "Agus Wibowo", "email": "agus@example.go.id",
     "roles": [LEARNER]},
    {"user_id": "learner-3", "given_name": "Dewi", "family_name": "Lestari",
     "roles": [LEARNER], "status": "Inactive"},
    {"user_id": "learner-4", "name": "Rudi Hartono", "roles": [LEARNER]},
    {"user_id": "teacher-1", "name": "Bu Guru", "roles": [INSTRUCTOR]},
]
TEACHER = {CLAIM + "roles": [INSTRUCTOR], "sub": "teacher-1", "name": "Bu Guru"}


def test_instructor_sees_every_member_including_those_who_never_launched(browser):
    browser.platform.members["course-1"] = MEMBERS
    browser.launch()  # learner-1 launches first
    page = browser.follow(browser.launch(claims=TEACHER)).get_data(as_text=True)
    for name in ("Siti Rahma", "Agus Wibowo", "Dewi Lestari", "Rudi Hartono", "Bu Guru"):
        assert name in page  # three pages of two, fetched with case-sensitive cursors
    assert "Peserta (5)" in page
    assert page.count("Belum pernah membuka") == 3
    assert "Inactive" in page


def test_roster_links_members_to_hub_identities(app, browser):
    seen = []
    set_identity_linker(app, lambda issuer, sub, **kw: seen.append((sub, kw["email"])) or None)
    browser.platform.members["course-1"] = MEMBERS
    browser.launch(claims=TEACHER)
    assert ("learner-2", "agus@example.go.id") in seen and len(seen) == 1 + len(MEMBERS)


def test_refresh_button_reads_the_roster_again(browser):
    page = browser.follow(browser.launch(claims=TEACHER))
    assert "Peserta (1)" in page.get_data(as_text=True)
    browser.platform.members["course-1"] = MEMBERS
    refreshed = browser.follow(browser.client.post(page.request.path + "/roster"))
    assert "Peserta (5)" in refreshed.get_data(as_text=True)


def test_unreachable_roster_still_shows_the_course_page(browser):
    broken = {**TEACHER, NRPS_CLAIM: {"context_memberships_url":
                                      browser.platform.url + "/nrps/missing?Cursor=nope"}}
    page = browser.follow(browser.launch(claims=broken))
    refreshed = browser.follow(browser.client.post(page.request.path + "/roster"))
    assert "Daftar peserta dari LMS belum dapat dibaca." in refreshed.get_data(as_text=True)


def test_learner_cannot_refresh_the_roster(browser):
    page = browser.follow(browser.launch())
    launch_id = page.request.path.rsplit("/", 1)[1]
    assert browser.client.post(f"/lti/course/{launch_id}/roster").status_code == 403


def test_cli_roster_sync_reads_a_course(app, runner, browser):
    browser.platform.members["course-1"] = MEMBERS
    browser.launch(claims=TEACHER)
    result = runner.invoke(args=["lti", "roster-sync", "1", "course-1"])
    assert result.exit_code == 0, result.output
    assert "5 members of course-1" in result.output


def test_next_link_keeps_the_url_case():
    header = '<https://lms.example/m?Cursor=AbC>; rel="next"'
    assert next_link(header) == "https://lms.example/m?Cursor=AbC"


def test_next_link_finds_next_among_several_relations():
    header = ('<https://lms.example/m?p=1>; rel="first", '
              '<https://lms.example/m?P=Two>; rel="NEXT", <https://lms.example/m?p=9>; rel=last')
    assert next_link(header) == "https://lms.example/m?P=Two"


def test_next_link_is_none_without_next():
    assert next_link('<https://lms.example/m?p=1>; rel="prev"') is None
    assert next_link(None) is None
