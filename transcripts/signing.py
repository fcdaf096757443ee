"""Verifiable transcripts: an Open Badges 3.0 OpenBadgeCredential signed as a VC-JWT.

The JWT proof follows Open Badges 3.0 §8.2 ("JSON Web Token Proof Format"):

* JOSE header: `alg` (RS256, the one algorithm every verifier must support, or
  EdDSA), `kid` — an HTTP URL that dereferences to the public JWK — and `typ: JWT`;
  no other header;
* payload: the credential itself plus `iss` = issuer.id, `jti` = id, `nbf` = validFrom,
  `sub` = credentialSubject.id.

The credential says what the transcript says — total JP and JP per competency type as
Results, the competencies reached as Alignments, each activity as Evidence — and names
the transcript it was made from as a `relatedResource` with its `digestSRI` (VC Data
Model 2.0 §5.3).  Verifying checks the signature with the hub's key, the issuer, the
claims against the credential, and compares that digest with the transcript as it is
now: "changed since issue" is a digest mismatch.

Keys (RSA 3072 or Ed25519) live in the database, are made only by `flask transcripts
keys generate` (there is no default key) and are published at
`<public url>/api/transcripts/issuer/jwks`; a new key retires the previous one, which
stays published so older credentials still verify.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from hub import jose
from transcripts.aggregation import Transcript, jp, transcript_digest, utc_text
from transcripts.policy import Policy
from transcripts.storage.contract import IssuerKey, IssuerKeyStore

ALGORITHMS = ("RS256", "EdDSA")
CONTEXTS = ["https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
TYPE_NAMES = {"teknis": "Kompetensi Teknis", "manajerial": "Kompetensi Manajerial",
              "sosial_kultural": "Kompetensi Sosial Kultural",
              "unmapped": "Tanpa pemetaan kompetensi"}
LEEWAY_SECONDS = 60


class SigningError(Exception):
    """No key to sign with, or a key that cannot be used."""


# --- keys ---------------------------------------------------------------------------
def generate_key(algorithm: str = "RS256", *, rsa_bits: int = 3072,
                 now: datetime | None = None) -> IssuerKey:
    private: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey
    if algorithm == "RS256":
        private = rsa.generate_private_key(public_exponent=65537, key_size=rsa_bits)
    elif algorithm == "EdDSA":
        private = ed25519.Ed25519PrivateKey.generate()
    else:
        raise SigningError(f"algorithm must be one of {', '.join(ALGORITHMS)}")
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode("ascii")
    public_jwk = {k: v for k, v in jose.public_jwk(private.public_key()).items() if k != "d"}
    kid = jose.thumbprint(public_jwk)  # RFC 7638, as for the LTI keys
    return IssuerKey(kid=kid, algorithm=algorithm, private_pem=pem,
                     public_jwk={**public_jwk, "kid": kid, "alg": algorithm, "use": "sig"},
                     created_at=now or datetime.now(UTC))


def issuer_id(policy: Policy) -> str:
    return f"{policy.public_url}/api/transcripts/issuer"


def key_url(policy: Policy, kid: str) -> str:
    return f"{issuer_id(policy)}/keys/{kid}"


def transcript_url(policy: Policy, nip: str, year: int) -> str:
    return f"{policy.public_url}/api/transcripts/people/{nip}/transcripts/{year}"


def subject_id(policy: Policy, nip: str) -> str:
    return f"{policy.public_url}/api/transcripts/people/{nip}"


def jwks(keys: list[IssuerKey]) -> dict[str, Any]:
    return {"keys": [key.public_jwk for key in keys]}


def issuer_profile(policy: Policy) -> dict[str, Any]:
    return {"@context": CONTEXTS, "id": issuer_id(policy), "type": ["Profile"],
            "name": policy.issuer_name, "url": policy.public_url}


# --- the credential -------------------------------------------------------------------
def credential_for(transcript: Transcript, policy: Policy, *, issued: datetime,
                   credential_id: str) -> dict[str, Any]:
    person, year = transcript.person, transcript.year
    results_base = f"{policy.public_url}/api/transcripts/achievements/jp"
    result_descriptions = [{"id": f"{results_base}#total", "type": ["ResultDescription"],
                            "name": "Total JP", "resultType": "ext:JamPelajaran"}]
    results = [{"type": ["Result"], "resultDescription": f"{results_base}#total",
                "value": str(jp(transcript.jp_centi))}]
    for kind, centi in transcript.jp_by_type_centi.items():
        result_descriptions.append({"id": f"{results_base}#{kind}", "type": ["ResultDescription"],
                                    "name": f"JP {TYPE_NAMES[kind]}",
                                    "resultType": "ext:JamPelajaran"})
        results.append({"type": ["Result"], "resultDescription": f"{results_base}#{kind}",
                        "value": str(jp(centi))})
    if transcript.required_jp_centi is not None:
        result_descriptions.append({"id": f"{results_base}#compliance",
                                    "type": ["ResultDescription"],
                                    "name": f"Memenuhi {jp(transcript.required_jp_centi)} JP",
                                    "resultType": "Status"})
        results.append({"type": ["Result"], "resultDescription": f"{results_base}#compliance",
                        "status": "Completed" if transcript.compliant else "InProgress"})
    return {
        "@context": CONTEXTS,
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer_id(policy), "type": ["Profile"], "name": policy.issuer_name,
                   "url": policy.public_url},
        "validFrom": issued.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "name": f"Transkrip Pengembangan Kompetensi {year} — {person.name or person.nip}",
        "credentialSubject": {
            "id": subject_id(policy, person.nip),
            "type": ["AchievementSubject"],
            "identifier": [{"type": "IdentityObject", "identityType": "ext:NIP",
                            "hashed": False, "identityHash": person.nip}],
            "activityStartDate": f"{year}-01-01T00:00:00+07:00",
            "activityEndDate": f"{year}-12-31T23:59:59+07:00",
            "creditsEarned": float(jp(transcript.jp_centi)),
            "achievement": {
                "id": f"{results_base}/{year}",
                "type": ["Achievement"],
                "achievementType": "ext:TranskripPengembanganKompetensi",
                "name": f"Pengembangan Kompetensi ASN {year}",
                "description": "Jam pelajaran (JP) pengembangan kompetensi dalam satu tahun, "
                               "per jenis kompetensi (teknis, manajerial, sosial kultural).",
                "criteria": {"narrative": "Setiap PNS paling sedikit 20 JP per tahun "
                                          "(PP 17/2020 Pasal 203 ayat 4)."},
                "alignment": [
                    {"type": ["Alignment"], "targetName": c.name, "targetCode": c.code,
                     "targetType": "CFItem", "targetFramework": c.framework_id,
                     "targetUrl": c.uri or f"{policy.public_url}/api/transcripts/competencies/"
                                           f"{c.id}",
                     "targetDescription": f"Level tertinggi: {c.highest_level}"
                     if c.highest_level is not None else "Level tidak ditentukan"}
                    for c in transcript.competencies],
                "resultDescription": result_descriptions,
            },
            "result": results,
        },
        "evidence": [
            {"id": f"urn:uuid:{line.statement_ids[0]}", "type": ["Evidence"],
             "name": line.activity_name,
             "description": f"{jp(line.jp_centi)} JP, {utc_text(line.date)[:10]}"
                            + (f", {line.provider}" if line.provider else ""),
             "narrative": "xAPI statements: " + ", ".join(line.statement_ids)}
            for line in transcript.lines],
        "relatedResource": [{"id": transcript_url(policy, person.nip, year),
                             "digestSRI": transcript_digest(transcript)}],
    }


@dataclass(frozen=True)
class IssuedCredential:
    token: str  # the compact JWS
    credential: dict[str, Any]
    kid: str


def issue(keys: IssuerKeyStore, policy: Policy, transcript: Transcript,
          now: datetime | None = None) -> IssuedCredential:
    key = keys.active_key()
    if key is None:
        raise SigningError("the hub has no issuer key: run `flask --app wsgi transcripts keys "
                           "generate`")
    issued = (now or datetime.now(UTC)).replace(microsecond=0)
    credential = credential_for(transcript, policy, issued=issued,
                                credential_id=f"urn:uuid:{uuid.uuid4()}")
    claims = {**credential, "iss": credential["issuer"]["id"], "jti": credential["id"],
              "nbf": int(issued.timestamp()), "sub": credential["credentialSubject"]["id"]}
    token = jose.sign(claims, jose.load_private_key(key.private_pem), algorithm=key.algorithm,
                      headers={"kid": key_url(policy, key.kid), "typ": "JWT"})
    return IssuedCredential(token=token, credential=credential, kid=key.kid)


# --- verification ---------------------------------------------------------------------
@dataclass
class Verification:
    signature: bool = False
    issuer: bool = False
    claims: bool = False
    current: bool | None = None  # None: not checked (invalid, or transcript unreadable)
    nip: str | None = None
    year: int | None = None
    errors: list[str] = field(default_factory=list)
    credential: dict[str, Any] | None = None

    @property
    def valid(self) -> bool:
        return self.signature and self.issuer and self.claims

    def as_json(self) -> dict[str, Any]:
        return {"valid": self.valid, "signature": self.signature, "issuer": self.issuer,
                "claims": self.claims, "current": self.current, "nip": self.nip,
                "year": self.year, "errors": self.errors, "credential": self.credential}


_TRANSCRIPT_PATH = re.compile(r"/api/transcripts/people/(\d{18})/transcripts/(\d{4})$")


def verify(keys: IssuerKeyStore, policy: Policy, token: str,
           current_digest: Callable[[str, int], str | None],
           now: datetime | None = None) -> Verification:
    """Check a compact JWS: signature (hub keys only), issuer, claims, and whether the
    transcript it was made from still has the same digest (`current_digest(nip, year)`,
    None when it cannot be read)."""
    result = Verification()
    token = token.strip()
    try:
        header = jose.unverified_header(token)
    except jose.PyJWTError:
        result.errors.append("not a compact JWS (header.payload.signature)")
        return result
    key = _key_for(keys, policy, header, result)
    if key is None:
        return result
    try:
        public = jose.load_private_key(key.private_pem).public_key()
        payload = jose.verify(token, public, algorithms=[key.algorithm],
                              require=["iss", "sub", "nbf", "jti"], verify_aud=False,
                              verify_iat=False, leeway=LEEWAY_SECONDS)
    except jose.InvalidSignatureError:
        result.errors.append("the signature does not match the content")
        return result
    except jose.PyJWTError as exc:
        result.errors.append(f"the token is not valid: {exc}")
        return result
    result.signature = True
    result.credential = {k: v for k, v in payload.items()
                         if k not in ("iss", "jti", "nbf", "sub", "exp")}
    _check_issuer_and_claims(payload, policy, result, now)
    if result.valid:
        _check_current(payload, current_digest, result)
    return result


def _key_for(keys: IssuerKeyStore, policy: Policy, header: dict[str, Any],
             result: Verification) -> IssuerKey | None:
    unexpected = set(header) - {"alg", "kid", "typ"}
    if unexpected:
        result.errors.append(f"JOSE header has properties OB 3.0 does not allow: "
                             f"{', '.join(sorted(unexpected))}")
        return None
    if header.get("typ", "JWT") != "JWT":
        result.errors.append("JOSE header typ must be JWT")
        return None
    kid = header.get("kid")
    prefix = f"{issuer_id(policy)}/keys/"
    if not isinstance(kid, str) or not kid.startswith(prefix):
        result.errors.append("the key id is not one of this hub's issuer keys")
        return None
    key = keys.get_key(kid[len(prefix):])
    if key is None:
        result.errors.append("unknown issuer key")
        return None
    if header.get("alg") != key.algorithm:
        result.errors.append(f"the key signs with {key.algorithm}, not {header.get('alg')}")
        return None
    return key


def _check_issuer_and_claims(payload: dict[str, Any], policy: Policy, result: Verification,
                             now: datetime | None) -> None:
    issuer = payload.get("issuer")
    issuer_value = issuer.get("id") if isinstance(issuer, dict) else issuer
    result.issuer = payload["iss"] == issuer_id(policy) and issuer_value == payload["iss"]
    if not result.issuer:
        result.errors.append("the issuer is not this hub, or iss differs from issuer.id")
    problems = []
    subject = payload.get("credentialSubject")
    if not isinstance(subject, dict) or subject.get("id") != payload["sub"]:
        problems.append("sub differs from credentialSubject.id")
    if payload.get("id") != payload["jti"]:
        problems.append("jti differs from id")
    valid_from = payload.get("validFrom")
    try:
        if not isinstance(valid_from, str):
            raise ValueError("validFrom is not a string")
        moment = datetime.fromisoformat(valid_from.replace("Z", "+00:00"))
        if int(moment.timestamp()) != payload["nbf"]:
            problems.append("nbf differs from validFrom")
    except ValueError:
        problems.append("validFrom is missing or not a date-time")
    types = payload.get("type")
    if not isinstance(types, list) or "VerifiableCredential" not in types or not (
            {"OpenBadgeCredential", "AchievementCredential"} & set(types)):
        problems.append("type must include VerifiableCredential and OpenBadgeCredential")
    result.claims = not problems
    result.errors += problems


def _check_current(payload: dict[str, Any], current_digest: Callable[[str, int], str | None],
                   result: Verification) -> None:
    related = payload.get("relatedResource")
    entry = related[0] if isinstance(related, list) and related else None
    if not isinstance(entry, dict):
        entry = {}
    match = _TRANSCRIPT_PATH.search(str(entry.get("id", "")))
    if match is None:
        result.errors.append("the credential names no transcript of this hub")
        return
    result.nip, result.year = match.group(1), int(match.group(2))
    digest = current_digest(result.nip, result.year)
    if digest is None:
        result.errors.append("the transcript cannot be read now")
        return
    result.current = digest == entry.get("digestSRI")
    if not result.current:
        result.errors.append("the transcript has changed since this credential was issued")
