"""Resource link launches over HTTP: where users land and what the hub remembers."""

from __future__ import annotations

from tests.lti.lms import CLAIM, INSTRUCTOR


def test_learner_launch_lands_on_their_own_progress_page(browser):
    response = browser.launch()
    assert response.status_code == 303
    assert "/lti/progress/" in response.headers["Location"]
    page = browser.follow(response)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Kemajuan belajar saya" in text  # Bahasa Indonesia by default
    assert "Siti Rahma" in text and "Orientasi ASN" in text


def test_instructor_launch_lands_on_the_course_progress_page(browser):
    response = browser.launch(claims={CLAIM + "roles": [INSTRUCTOR], "sub": "teacher-1"})
    assert "/lti/course/" in response.headers["Location"]
    page = browser.follow(response)
    assert "Kemajuan kelas" in page.get_data(as_text=True)
