"""Attachments: multipart/mixed requests and responses (xAPI 1.0.3 Data 2.4.11,
Communication 1.5.2) and the rules tying parts to statements."""

from __future__ import annotations

import email.message
import email.parser
import email.policy
import hashlib
import json
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from hub.errors import BadRequest, PayloadTooLarge
from hub.json_input import JSONInputError
from lrs.json_body import parse_json
from lrs.storage.contract import Attachment

SIGNATURE_USAGE = "http://adlnet.gov/expapi/attachments/signature"
_HASHES = {64: hashlib.sha256, 96: hashlib.sha384, 128: hashlib.sha512}


def parse_multipart(content_type: str, body: bytes, max_attachment_bytes: int
                    ) -> tuple[Any, dict[str, Attachment]]:
    """Split a multipart/mixed body into its JSON statement(s) and attachments by sha2."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body)
    if not message.is_multipart():
        raise BadRequest("multipart/mixed body without a boundary or parts", header="Content-Type")
    parts = list(message.iter_parts())
    if not parts:
        raise BadRequest("multipart/mixed body has no parts", header="Content-Type")
    first, rest = parts[0], parts[1:]
    if first.get_content_type() != "application/json":
        raise BadRequest("the first part of a multipart/mixed request must be application/json",
                         rule="xAPI 1.0.3 Communication 1.5.2.s2")
    statements = _json(_part_bytes(first))
    attachments: dict[str, Attachment] = {}
    for number, part in enumerate(rest, start=2):
        encoding = (part.get("Content-Transfer-Encoding") or "").strip().lower()
        if encoding != "binary":
            raise BadRequest(f"part {number} must have Content-Transfer-Encoding: binary, not "
                             f"{encoding or 'none'}",
                             rule="xAPI 1.0.3 Data 2.4.11 (conformance requirement XAPI-00135)")
        content = _part_bytes(part)
        if len(content) > max_attachment_bytes:
            raise PayloadTooLarge(f"attachment part {number} is {len(content)} bytes; the limit "
                                  f"is {max_attachment_bytes} (HUB_MAX_ATTACHMENT_BYTES)")
        declared = (part.get("X-Experience-API-Hash") or "").strip().lower()
        if not declared:
            raise BadRequest(f"part {number} has no X-Experience-API-Hash header",
                             rule="xAPI 1.0.3 Communication 1.5.2.s3.b4")
        algorithm = _HASHES.get(len(declared))
        if algorithm is None or algorithm(content).hexdigest() != declared:
            raise BadRequest(f"part {number}: X-Experience-API-Hash does not match its content",
                             rule="xAPI 1.0.3 Data 2.4.11 sha2")
        attachments[declared] = Attachment(declared, part.get_content_type(), content)
    return statements, attachments


def _json(raw: bytes) -> Any:
    try:
        return parse_json(raw)
    except JSONInputError as exc:
        raise BadRequest(f"the statement part is refused: {exc}", pointer=exc.pointer) from None


def check_attachments(statements: Sequence[dict[str, Any]], parts: dict[str, Attachment]
                      ) -> set[str]:
    """Every attachment without fileUrl needs its part; every part needs its attachment."""
    referenced: set[str] = set()
    for position, statement in enumerate(statements):
        prefix = f"/{position}" if len(statements) > 1 else ""
        for index, attachment in enumerate(statement.get("attachments") or ()):
            sha2 = attachment["sha2"].lower()
            referenced.add(sha2)
            if sha2 not in parts and "fileUrl" not in attachment:
                raise BadRequest("attachment has no fileUrl and no multipart part with its sha2",
                                 pointer=f"{prefix}/attachments/{index}/sha2",
                                 rule="xAPI 1.0.3 Communication 1.5.2.s3")
    unreferenced = set(parts) - referenced
    if unreferenced:
        raise BadRequest(f"multipart part with hash {sorted(unreferenced)[0]} matches no "
                         "attachment of the statements", rule="xAPI 1.0.3 Communication 1.5.2.s3")
    return referenced & set(parts)


def render_multipart(body: Any, attachments: Iterable[Attachment]) -> tuple[bytes, str]:
    """A multipart/mixed response: the JSON first, then each attachment once."""
    boundary = uuid.uuid4().hex
    chunks = [f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode(),
              json.dumps(body, ensure_ascii=False).encode()]
    for attachment in attachments:
        chunks.append(
            f"\r\n--{boundary}\r\nContent-Type: {attachment.content_type}\r\n"
            f"Content-Transfer-Encoding: binary\r\n"
            f"X-Experience-API-Hash: {attachment.sha2}\r\n\r\n".encode())
        chunks.append(attachment.content)
    chunks.append(f"\r\n--{boundary}--\r\n".encode())
    # Unquoted: a hex UUID is a valid token, and some clients (the ADL conformance suite's
    # parser among them) take the quotes as part of the boundary.
    return b"".join(chunks), f"multipart/mixed; boundary={boundary}"


def _part_bytes(part: email.message.Message) -> bytes:
    """A non-multipart part's body; `get_payload(decode=True)` is bytes or None for those."""
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""
