"""Issue 18.4: the LTI pages' query strings and forms parse into typed models; what they
do not take is said on a page in the page's language (never the API's JSON, never a 500)."""

from __future__ import annotations

import pytest

from tests.lti.lms import CLAIM, INSTRUCTOR
from tests.lti.test_deep_linking import DEEP_LINK, add_entries

TEACHER = {CLAIM + "roles": [INSTRUCTOR], "sub": "teacher-1", "name": "Bu Guru"}


def course_page(browser) -> str:
    return browser.launch(claims=TEACHER).headers["Location"]


def test_the_course_page_takes_the_language_switch_and_its_own_roster_flag(browser):
    page = browser.client.get(course_page(browser), query_string={"lang": "en",
                                                                  "roster": "failed"})
    assert page.status_code == 200
    assert "The class list could not be read from the LMS yet." in page.get_data(as_text=True)


@pytest.mark.parametrize(("query", "reason", "named"), [
    ({"roster": "broken"}, "bad_parameter", "roster"),
    ({"roster": ["failed", "failed"]}, "bad_parameter", "roster"),
    ({"sort": "name"}, "bad_parameter", "sort"),
])
def test_a_course_page_query_it_does_not_take_is_a_page_naming_it(browser, query, reason,
                                                                   named):
    page = browser.client.get(course_page(browser), query_string=query)
    assert page.status_code == 400 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    assert f'data-reason="{reason}"' in text and f"&#34;{named}&#34;" in text
    assert "Permintaan ditolak" in text


def test_a_choice_of_an_entry_not_in_the_catalogue_shows_the_catalogue_again(app, browser):
    add_entries(app)
    location = browser.launch(claims=DEEP_LINK).headers["Location"]
    page = browser.client.post(location, data={"entry": ["etika-asn", "dihapus"]})
    assert page.status_code == 400
    text = page.get_data(as_text=True)
    assert "&#34;dihapus&#34; tidak ada di katalog" in text and 'role="alert"' in text
    assert "Etika ASN" in text and 'name="JWT"' not in text  # nothing goes to the LMS


def test_an_empty_choice_answers_the_lms_with_no_item(app, browser):
    add_entries(app)
    location = browser.launch(claims=DEEP_LINK).headers["Location"]
    page = browser.client.post(location, data={"lang": "id"})
    assert page.status_code == 200 and 'name="JWT"' in page.get_data(as_text=True)


@pytest.mark.parametrize(("query", "named"), [
    ({"q": "x" * 201}, "q"),
    ({"q": ["a", "b"]}, "q"),
    ({"query": "etika"}, "query"),
])
def test_a_catalogue_search_it_does_not_take_is_a_page_naming_it(app, browser, query, named):
    add_entries(app)
    location = browser.launch(claims=DEEP_LINK).headers["Location"]
    page = browser.client.get(location, query_string={"lang": "en", **query})
    assert page.status_code == 400 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    assert 'data-reason="bad_parameter"' in text and f"&#34;{named}&#34;" in text
    assert "Request refused" in text


def test_a_nul_in_a_search_or_a_choice_is_a_page_not_a_500(app, browser):
    # PostgreSQL text cannot hold NUL; these pages say so themselves, not as JSON.
    add_entries(app)
    location = browser.launch(claims=DEEP_LINK).headers["Location"]
    search = browser.client.get(location, query_string={"q": "etika\x00"})
    choice = browser.client.post(location, data={"entry": "k3\x00"})
    for page in (search, choice):
        assert page.status_code == 400 and page.mimetype == "text/html"
        assert 'data-reason="bad_parameter"' in page.get_data(as_text=True)
