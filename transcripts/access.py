"""Who is reading, what they may read, and the record that they read it.

Every read of a person's data — a transcript, a search result, an agency report, an
issued or verified credential, a Person from /xapi/agents — is appended to the access
log with the credential (key and name), the action, the subject, the time and the
request id.  Auditor credentials may be limited to agencies (`transcript_auditor_agencies`,
set by an administrator); a person outside a reader's agencies is "not found" to it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import g, has_request_context

from hub.storage.contract import Credential
from transcripts.storage.contract import AccessEntry, AccessStore, Person


@dataclass(frozen=True)
class Reader:
    credential_key: str | None
    name: str
    agencies: frozenset[str] | None  # None: every agency
    request_id: str | None = None

    def may_read(self, person: Person) -> bool:
        return self.agencies is None or person.agency in self.agencies

    def may_read_agency(self, agency: str) -> bool:
        return self.agencies is None or agency in self.agencies


def reader_for(credential: Credential, access: AccessStore) -> Reader:
    return Reader(credential_key=credential.key, name=credential.name,
                  agencies=access.agency_limits(credential.key), request_id=_request_id())


def anonymous_reader(name: str = "anonymous") -> Reader:
    return Reader(credential_key=None, name=name, agencies=None, request_id=_request_id())


def operator_reader(command: str) -> Reader:
    """Someone at the server's shell (flask CLI): no credential, every agency."""
    return Reader(credential_key=None, name=f"cli:{command}", agencies=None, request_id=None)


def _request_id() -> str | None:
    return g.get("request_id") if has_request_context() else None


def record_access(access: AccessStore, reader: Reader, action: str, subjects: Iterable[str],
                  year: int | None = None, detail: dict[str, Any] | None = None) -> None:
    """One entry per subject (a NIP, or "agency:<name>"), so a person's history is one
    indexed lookup."""
    now = datetime.now(UTC)
    entries = [AccessEntry(at=now, credential_key=reader.credential_key,
                           credential_name=reader.name, action=action, subject=subject,
                           year=year, detail=detail or {}, request_id=reader.request_id)
               for subject in dict.fromkeys(subjects)]
    access.append_access(entries)
