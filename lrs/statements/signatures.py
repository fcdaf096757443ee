"""Signed statements (xAPI 1.0.3 Data 2.6): a JWS attachment whose payload is the
statement as it was before the signature was attached."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from typing import Any

from cryptography import x509

from hub import jose
from hub.errors import BadRequest
from lrs.statements.attachments import SIGNATURE_USAGE
from lrs.statements.records import comparison_digest
from lrs.storage.contract import Attachment

ALGORITHMS = ("RS256", "RS384", "RS512")
RULE = "xAPI 1.0.3 Data 2.6 Signed Statements"


def verify_signatures(statements: Sequence[dict[str, Any]], parts: dict[str, Attachment]) -> None:
    for position, statement in enumerate(statements):
        prefix = f"/{position}" if len(statements) > 1 else ""
        for index, attachment in enumerate(statement.get("attachments") or ()):
            if attachment.get("usageType") != SIGNATURE_USAGE:
                continue
            pointer = f"{prefix}/attachments/{index}"
            if attachment.get("contentType") != "application/octet-stream":
                raise BadRequest("a signature attachment must be application/octet-stream",
                                 pointer=pointer + "/contentType", rule=RULE)
            part = parts.get(attachment["sha2"].lower())
            if part is None:
                raise BadRequest("a signature must be sent as a multipart part",
                                 pointer=pointer, rule=RULE)
            _verify(statement, index, part.content, pointer)


def _verify(statement: dict[str, Any], index: int, token_bytes: bytes, pointer: str) -> None:
    try:
        token = token_bytes.decode("ascii").strip()
        header_b64, payload_b64, _ = token.split(".")
        header = json.loads(_b64(header_b64))
        payload = json.loads(_b64(payload_b64))
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise BadRequest("the signature is not a JWS in compact serialization",
                         pointer=pointer, rule=RULE) from None
    algorithm = header.get("alg") if isinstance(header, dict) else None
    if algorithm not in ALGORITHMS:
        raise BadRequest(f"signature algorithm {algorithm!r} is not one of RS256, RS384, RS512",
                         pointer=pointer, rule=RULE)
    if not isinstance(payload, dict) or _unsigned(payload) != _unsigned(statement, index):
        raise BadRequest("the signed payload does not match the statement",
                         pointer=pointer, rule=RULE)
    chain = header.get("x5c")
    if chain:
        _check_signature(token, chain, algorithm, pointer)


def _unsigned(statement: dict[str, Any], signature_index: int | None = None) -> str:
    """The statement as it was before the signature attachment was added."""
    form = dict(statement)
    attachments = list(form.pop("attachments", None) or ())
    if signature_index is not None:
        attachments.pop(signature_index)
    if attachments:
        form["attachments"] = attachments
    return comparison_digest(form)


def _check_signature(token: str, chain: Any, algorithm: str, pointer: str) -> None:
    try:
        certificate = x509.load_der_x509_certificate(base64.b64decode(chain[0]))
        jose.verify_jws(token, certificate.public_key(), algorithms=[algorithm])
    except (jose.InvalidTokenError, ValueError, TypeError, IndexError, binascii.Error):
        raise BadRequest("the JWS signature does not verify with its x5c certificate",
                         pointer=pointer, rule=RULE) from None


def _b64(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
