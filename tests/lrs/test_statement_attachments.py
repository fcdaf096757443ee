"""Attachments (multipart/mixed) and signed statements over HTTP, on every engine."""

from __future__ import annotations

import copy
import email.parser
import email.policy
import hashlib
import json
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from factories import make_statement
from xapi_attachments import SIGNATURE, attachment_meta, make_signer, multipart, signed

from hub.app import create_app

URL = "/xapi/statements"


def send(client, headers, statements, parts):
    body, content_type = multipart(statements, parts)
    return client.post(URL, data=body, content_type=content_type, headers=headers)


def test_attachment_part_is_stored_and_returned_with_attachments_true(client, xapi):
    pdf = b"%PDF-1.4 sertifikat pelatihan\x00\xff"
    statement = make_statement(attachments=[attachment_meta(pdf)])
    response = send(client, xapi(), statement,
                    [("application/pdf", pdf, hashlib.sha256(pdf).hexdigest())])
    assert response.status_code == 200, response.json
    [statement_id] = response.json
    fetched = client.get(URL, query_string={"statementId": statement_id, "attachments": "true"},
                         headers=xapi())
    assert fetched.mimetype == "multipart/mixed"
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + fetched.headers["Content-Type"].encode() + b"\r\n\r\n" + fetched.data)
    first, second = message.iter_parts()
    assert json.loads(first.get_payload(decode=True))["id"] == statement_id
    assert second.get_payload(decode=True) == pdf
    assert second["X-Experience-API-Hash"] == hashlib.sha256(pdf).hexdigest()


def test_attachments_false_returns_plain_json(client, xapi):
    pdf = b"pdf"
    statement = make_statement(attachments=[attachment_meta(pdf)])
    [statement_id] = send(client, xapi(), statement,
                          [("application/pdf", pdf, hashlib.sha256(pdf).hexdigest())]).json
    fetched = client.get(URL, query_string={"statementId": statement_id}, headers=xapi())
    assert fetched.mimetype == "application/json"


def test_file_url_only_attachment_needs_no_part(client, xapi):
    meta = dict(attachment_meta(b"remote"), fileUrl="https://akademi.example.id/cert/1.pdf")
    response = client.post(URL, data=json.dumps(make_statement(attachments=[meta])),
                           content_type="application/json", headers=xapi())
    assert response.status_code == 200


def test_attachment_without_file_url_or_part_is_rejected(client, xapi):
    response = client.post(URL, data=json.dumps(make_statement(
        attachments=[attachment_meta(b"missing")])), content_type="application/json",
        headers=xapi())
    assert response.status_code == 400
    assert response.json["error"]["pointer"] == "/attachments/0/sha2"


def test_part_whose_hash_does_not_match_its_content_is_rejected(client, xapi):
    pdf = b"real content"
    statement = make_statement(attachments=[attachment_meta(pdf)])
    response = send(client, xapi(), statement,
                    [("application/pdf", b"other content", hashlib.sha256(pdf).hexdigest())])
    assert response.status_code == 400
    assert "does not match" in response.json["error"]["message"]
    assert client.get(URL, headers=xapi()).json["statements"] == []


@pytest.mark.parametrize("encoding", [None, "base64", "7bit"])
def test_attachment_part_not_declared_binary_is_rejected(client, xapi, encoding):
    """xAPI 1.0.3 Data 2.4.11: every part after the first has Content-Transfer-Encoding:
    binary (conformance requirement XAPI-00135)."""
    pdf = b"sertifikat"
    statement = make_statement(attachments=[attachment_meta(pdf)])
    body, content_type = multipart(statement,
                                   [("application/pdf", pdf, hashlib.sha256(pdf).hexdigest())],
                                   transfer_encoding=encoding)
    response = client.post(URL, data=body, content_type=content_type, headers=xapi())
    assert response.status_code == 400
    assert "Content-Transfer-Encoding" in response.json["error"]["message"]
    assert client.get(URL, headers=xapi()).json["statements"] == []


def test_multipart_response_boundary_is_an_unquoted_token(client, xapi):
    """Some parsers (the ADL conformance suite's among them) keep quotes as part of the
    boundary; a bare token reads the same everywhere."""
    pdf = b"pdf"
    statement = make_statement(attachments=[attachment_meta(pdf)])
    [statement_id] = send(client, xapi(), statement,
                          [("application/pdf", pdf, hashlib.sha256(pdf).hexdigest())]).json
    fetched = client.get(URL, query_string={"statementId": statement_id, "attachments": "true"},
                         headers=xapi())
    boundary = fetched.headers["Content-Type"].split("boundary=", 1)[1]
    assert '"' not in boundary
    assert fetched.data.startswith(b"--" + boundary.encode() + b"\r\n")


def test_part_that_no_attachment_references_is_rejected(client, xapi):
    stray = b"stray"
    response = send(client, xapi(), make_statement(),
                    [("text/plain", stray, hashlib.sha256(stray).hexdigest())])
    assert response.status_code == 400


def test_oversize_attachment_is_413(app_config, xapi):
    small = create_app({**app_config, "max_attachment_bytes": 1024})
    big = b"x" * 1025
    statement = make_statement(attachments=[attachment_meta(big)])
    response = send(small.test_client(), xapi(), statement,
                    [("application/pdf", big, hashlib.sha256(big).hexdigest())])
    assert response.status_code == 413
    assert response.json["error"]["code"] == "payload_too_large"


# --- signed statements --------------------------------------------------------------
@pytest.fixture(scope="module")
def signer():
    return make_signer()


def test_correctly_signed_statement_is_accepted(client, xapi, signer):
    statement, part = signed(make_statement(id=str(uuid.uuid4())), *signer)
    response = send(client, xapi(), statement, [part])
    assert response.status_code == 200, response.json


@pytest.mark.parametrize("algorithm", ["RS384", "RS512"])
def test_rs384_and_rs512_signatures_are_accepted(client, xapi, signer, algorithm):
    statement, part = signed(make_statement(), *signer, algorithm=algorithm)
    assert send(client, xapi(), statement, [part]).status_code == 200


@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
def test_signature_matches_when_durations_differ_only_beyond_hundredths(client, xapi, signer,
                                                                         version):
    """The conformance suite's 2.0 duration case: payload 0.12S, statement 0.1237S."""
    original = make_statement()
    original["result"]["duration"] = "P1DT12H36M0.12S"
    sent = copy.deepcopy(original)
    sent["result"]["duration"] = "P1DT12H36M0.1237S"
    statement, part = signed(sent, *signer, payload=original)
    response = send(client, xapi(version), statement, [part])
    assert response.status_code == 200, response.json


def test_signature_over_a_different_statement_is_rejected(client, xapi, signer):
    original = make_statement()
    tampered = dict(original, result={"score": {"scaled": 1.0}, "success": True})
    statement, part = signed(tampered, *signer, payload=original)
    response = send(client, xapi(), statement, [part])
    assert response.status_code == 400
    assert "does not match" in response.json["error"]["message"]


def test_signature_by_another_key_than_its_certificate_is_rejected(client, xapi, signer):
    _, x5c = signer
    impostor = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    statement, part = signed(make_statement(), impostor, x5c)
    response = send(client, xapi(), statement, [part])
    assert response.status_code == 400
    assert "does not verify" in response.json["error"]["message"]


def test_hs256_signature_is_rejected(client, xapi):
    statement = make_statement()
    token = jwt.encode(statement, "shared-secret-that-is-long-enough-32b", algorithm="HS256"
                       ).encode()
    meta = attachment_meta(token, usage=SIGNATURE, content_type="application/octet-stream")
    response = send(client, xapi(), dict(statement, attachments=[meta]),
                    [("application/octet-stream", token, meta["sha2"])])
    assert response.status_code == 400
    assert "RS256" in response.json["error"]["message"]


def test_signature_that_is_not_a_jws_is_rejected(client, xapi):
    token = b"definitely not a jws"
    meta = attachment_meta(token, usage=SIGNATURE, content_type="application/octet-stream")
    response = send(client, xapi(), make_statement(attachments=[meta]),
                    [("application/octet-stream", token, meta["sha2"])])
    assert response.status_code == 400
