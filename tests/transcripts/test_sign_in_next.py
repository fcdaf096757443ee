"""Issue 13.7: a sign-in `next` holding control characters is ignored (the default page),
never a 500 and never a header split."""

from __future__ import annotations

import pytest
from test_page_sessions import csrf_token

CONTROL_NEXTS = [
    "/auditor/people\r\nSet-Cookie: planted=1",
    "/auditor/people\nX-Injected: 1",
    "/auditor/people\r",
    "/auditor/\x00people",
    "/auditor/people\x7f",
    "/auditor/people\t",
    "/auditor/people\u2028",  # Unicode line separator
    "/auditor/people\u200b",  # zero-width space (format character)
]


@pytest.mark.parametrize("target", CONTROL_NEXTS)
def test_sign_in_ignores_next_with_control_characters(client, auditor, target):
    form = client.get("/auditor/sign-in", query_string={"next": target})
    assert form.status_code == 200
    assert 'name="next"' not in form.get_data(as_text=True)  # not carried into the form
    response = client.post("/auditor/sign-in", query_string={"next": target}, data={
        "key": auditor["key"], "secret": auditor["secret"], "csrf_token": csrf_token(client)})
    assert response.status_code == 303
    assert response.headers["Location"] == "/auditor/people"
    assert "Set-Cookie" not in response.headers or "planted" not in response.headers["Set-Cookie"]
    # Signed in already: the GET form redirects, also to the default.
    again = client.get("/auditor/sign-in", query_string={"next": target})
    assert again.status_code == 303 and again.headers["Location"] == "/auditor/people"


def test_sign_in_keeps_a_plain_next_and_percent_encoded_controls_stay_encoded(client, auditor):
    response = client.post("/auditor/sign-in", query_string={"next": "/auditor/people?q=a%0d%0ab"},
                           data={"key": auditor["key"], "secret": auditor["secret"],
                                 "csrf_token": csrf_token(client)})
    assert response.status_code == 303
    assert response.headers["Location"] == "/auditor/people?q=a%0d%0ab"


def test_a_page_path_with_encoded_crlf_sends_to_sign_in_without_a_500(client, auditor):
    response = client.get("/auditor/people%0d%0aX:%20y")
    assert response.status_code in (303, 404)
    if response.status_code == 303:
        assert "\r" not in response.headers["Location"] and "\n" not in response.headers["Location"]
