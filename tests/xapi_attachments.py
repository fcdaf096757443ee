"""Builders of multipart/mixed statement requests, attachments and JWS signatures."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

SIGNATURE = "http://adlnet.gov/expapi/attachments/signature"
CERTIFICATE = "https://berpijar.id/xapi/attachments/certificate"


def attachment_meta(content: bytes, usage=CERTIFICATE, content_type="application/pdf"):
    return {"usageType": usage, "display": {"id-ID": "Sertifikat"},
            "contentType": content_type, "length": len(content),
            "sha2": hashlib.sha256(content).hexdigest()}


def multipart(statements, parts, boundary="b0undary'()+_,-./:=?", transfer_encoding="binary"):
    chunks = [f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode(),
              json.dumps(statements).encode()]
    for content_type, content, declared in parts:
        encoding = (f"Content-Transfer-Encoding: {transfer_encoding}\r\n"
                    if transfer_encoding else "")
        chunks.append(f"\r\n--{boundary}\r\nContent-Type: {content_type}\r\n{encoding}"
                      f"X-Experience-API-Hash: {declared}\r\n\r\n".encode())
        chunks.append(content)
    chunks.append(f"\r\n--{boundary}--\r\n".encode())
    return b"".join(chunks), f'multipart/mixed; boundary="{boundary}"'


def make_signer():
    """An RSA key and a self-signed certificate chain (x5c) for it."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Akademi Digital")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1)).sign(key, hashes.SHA256()))
    x5c = [base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()]
    return key, x5c


def signed(statement, key, x5c, *, algorithm="RS256", payload=None):
    token = jwt.encode(payload or statement, key, algorithm=algorithm,
                       headers={"x5c": x5c}).encode()
    meta = attachment_meta(token, usage=SIGNATURE, content_type="application/octet-stream")
    full = dict(statement, attachments=[*statement.get("attachments", []), meta])
    return full, ("application/octet-stream", token, meta["sha2"])


