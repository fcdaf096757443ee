"""Attachments and signatures through a real gunicorn process over loopback HTTP."""

from __future__ import annotations

import email.parser
import email.policy
import json

import pytest
import requests
from factories import make_statement
from live_server import LiveHub
from xapi_attachments import attachment_meta, make_signer, multipart, signed

from hub.app import open_hub_storage
from hub.auth import issue_credential

pytestmark = pytest.mark.slow
HEADERS = {"X-Experience-API-Version": "2.0.0"}


def test_signed_statement_with_a_pdf_round_trips_over_real_http(database_url):
    storage = open_hub_storage(database_url)
    issued = issue_credential(storage.credentials, name="Live", owner="Test", scopes=["all"],
                              authority_home_page="https://hub.test/partners")
    storage.dispose()
    auth = (issued.credential.key, issued.secret)
    pdf = b"%PDF-1.7 sertifikat\x00\x01\x02"
    statement, signature_part = signed(make_statement(attachments=[attachment_meta(pdf)]),
                                       *make_signer())
    body, content_type = multipart(statement, [
        ("application/pdf", pdf, attachment_meta(pdf)["sha2"]), signature_part])
    with LiveHub(database_url) as hub:
        stored = requests.post(f"{hub.url}/xapi/statements", data=body, auth=auth, timeout=10,
                               headers={**HEADERS, "Content-Type": content_type})
        assert stored.status_code == 200, stored.text
        [statement_id] = stored.json()
        fetched = requests.get(f"{hub.url}/xapi/statements", auth=auth, headers=HEADERS,
                               params={"statementId": statement_id, "attachments": "true"},
                               timeout=10)
        tampered_body, _ = multipart(dict(statement, verb={"id": "https://x.test/verb"}),
                                     [signature_part,
                                      ("application/pdf", pdf, attachment_meta(pdf)["sha2"])])
        tampered = requests.post(f"{hub.url}/xapi/statements", data=tampered_body, auth=auth,
                                 headers={**HEADERS, "Content-Type": content_type}, timeout=10)
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + fetched.headers["Content-Type"].encode() + b"\r\n\r\n"
        + fetched.content)
    parts = list(message.iter_parts())
    assert json.loads(parts[0].get_payload(decode=True))["id"] == statement_id
    assert {p.get_payload(decode=True) for p in parts[1:]} == {pdf, signature_part[1]}
    assert tampered.status_code == 400
    assert tampered.json()["error"]["rule"].endswith("Signed Statements")
