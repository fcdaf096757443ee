"""The person registry: civil servants by NIP and every identifier that is theirs.

Links come from a roster (CSV), from statements whose account name is a NIP at a
configured home page (`transcripts.ingest`), from LTI launches (`link_lti_user`) and
from administrators.  A claim on an identifier already linked to another NIP is never
merged: it is recorded as a conflict for an administrator, who may relink explicitly.
Whenever links change, the statements they concern are processed again, so a
transcript reflects learning that arrived before its learner was known.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import g

from hub.storage import current_storage
from hub.storage.contract import Storage
from lrs import service as lrs_service
from transcripts import ingest
from transcripts.access import anonymous_reader, reader_for, record_access
from transcripts.announce import announcer
from transcripts.identifiers import (
    Actor,
    actor_of,
    agent_of,
    lti_actor,
    mbox_actor,
    mbox_sha1sum_actor,
    nip_account,
)
from transcripts.nip import InvalidNip, normalize_nip, parse_nip
from transcripts.policy import Policy, current_policy
from transcripts.roster import ParsedRoster, RowError
from transcripts.storage import stores as transcript_stores
from transcripts.storage.contract import IdentityConflict, IdentityLink, Person

log = logging.getLogger(__name__)

Claim = tuple[Actor, str]  # an identifier and the NIP it is claimed for


@dataclass(frozen=True)
class LinkResult:
    linked: list[IdentityLink]  # claims now in the registry (new or already there)
    conflicts: list[IdentityConflict]  # claims refused: the identifier is someone else's


@dataclass(frozen=True)
class RosterReport:
    people: int
    links: int
    conflicts: list[IdentityConflict]
    errors: list[RowError]
    imported: bool


def _now() -> datetime:
    return datetime.now(UTC)


def nip_accounts(nip: str, policy: Policy) -> list[Actor]:
    """The accounts whose name is this NIP at the home pages configured as NIP homes."""
    return [actor for page in policy.nip_home_pages
            if (actor := actor_of({"account": {"homePage": page, "name": nip}}))]


def link_claims(storage: Storage, claims: Sequence[Claim], source: str, policy: Policy,
                now: datetime | None = None) -> LinkResult:
    """Link identifiers to NIPs (the people must exist), report conflicts, and process
    again the statements that were waiting for these identifiers."""
    now = now or _now()
    wanted = {actor.key: (actor, nip) for actor, nip in claims}
    known = transcript_stores(storage).people.find_links(wanted)
    stored = transcript_stores(storage).people.link_identities([a.link(nip, source, now)
                                             for a, nip in wanted.values()])
    linked, conflicts = [], []
    for key, (actor, nip) in wanted.items():
        current = stored[key]
        if current.nip == nip:
            linked.append(current)
        else:
            conflicts.append(IdentityConflict(
                key=key, identifier=actor.identifier, value=actor.value,
                linked_nip=current.nip, claimed_nip=nip, source=source, reported_at=now))
    if conflicts:
        transcript_stores(storage).people.report_conflicts(conflicts)
        log.warning("identity conflicts (%s): %d identifiers already linked to another NIP",
                    source, len(conflicts))
    # Only identifiers linked just now can have statements waiting for them.
    ingest.reprocess_identities(transcript_stores(storage).transcripts, lrs_service.find_statements,
                                [link.key for link in linked if link.key not in known], policy,
                                on_change=announcer())
    return LinkResult(linked, conflicts)


def import_roster(storage: Storage, roster: ParsedRoster, policy: Policy, *,
                  skip_invalid: bool = False) -> RosterReport:
    """Register the roster's people and link their identifiers.  With errors, nothing is
    imported unless `skip_invalid` (then the valid rows are)."""
    if roster.errors and not skip_invalid:
        return RosterReport(people=0, links=0, conflicts=[], errors=roster.errors,
                            imported=False)
    now = _now()
    transcript_stores(storage).people.upsert_people([
        Person(nip=row.nip, name=row.name, employee_type=row.employee_type, agency=row.agency,
               unit=row.unit, source="roster", updated_at=now) for row in roster.rows])
    claims: list[Claim] = []
    for row in roster.rows:
        claims += [(actor, row.nip) for actor in (*row.identifiers,
                                                  *nip_accounts(row.nip, policy))]
    result = link_claims(storage, claims, "roster", policy, now)
    return RosterReport(people=len(roster.rows), links=len(result.linked),
                        conflicts=result.conflicts, errors=roster.errors, imported=True)


def link_identity(storage: Storage, nip: str, actor: Actor, policy: Policy, *,
                  relink: bool = False, source: str = "admin") -> LinkResult:
    """An administrator's link.  `relink` moves an identifier linked to another NIP (the
    explicit way to settle a conflict); the evidence it earned moves with it."""
    now = _now()
    if relink:
        previous = transcript_stores(storage).people.relink_identity(actor.link(nip, source, now))
        transcript_stores(storage).people.resolve_conflicts(actor.key, now)
        if previous is None or previous.nip != nip:  # waiting statements / evidence move
            ingest.reprocess_identities(transcript_stores(storage).transcripts,
                                        lrs_service.find_statements, [actor.key], policy,
                                        on_change=announcer())
    return link_claims(storage, [(actor, nip)], source, policy, now)


def unlink_identity(storage: Storage, actor: Actor, policy: Policy) -> IdentityLink | None:
    previous = transcript_stores(storage).people.unlink_identity(actor.key)
    if previous is not None:
        transcript_stores(storage).people.resolve_conflicts(actor.key, _now())
        ingest.reprocess_identities(transcript_stores(storage).transcripts,
                                    lrs_service.find_statements, [actor.key], policy,
                                    on_change=announcer())
    return previous


# --- LTI ------------------------------------------------------------------------------
def _nip_or_none(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return parse_nip(normalize_nip(value)).value
    except InvalidNip:
        return None


def link_lti_user(issuer: str, sub: str, *, nip: str | None = None, email: str | None = None,
                  sourcedid: str | None = None) -> str | None:
    """The NIP of an LTI user, linking the launch's identifiers on the way; None when the
    hub cannot tell.  Called by the LTI tool on every launch, inside the app context.

    Order: an existing link of (issuer, sub); else a `nip` claim, else a `sourcedid`
    that is a NIP (lis_person_sourcedid often carries it); else the NIP the e-mail is
    linked to.  A NIP claimed for an (issuer, sub) already linked to another NIP is
    recorded as a conflict, never followed.
    """
    if any("\x00" in value for value in (issuer, sub, email or "", sourcedid or "", nip or "")):
        return None  # nothing legitimate carries NUL, and PostgreSQL cannot store it
    storage, policy, now = current_storage(), current_policy(), _now()
    lti = lti_actor(issuer, sub)
    claimed = _nip_or_none(nip) or _nip_or_none(sourcedid)
    mbox = mbox_actor(email) if email and "@" in email else None
    existing = transcript_stores(storage).people.find_links([lti.key]).get(lti.key)
    if existing is not None:
        if claimed and claimed != existing.nip:
            link_claims(storage, [(lti, claimed)], "lti", policy, now)  # records the conflict
        return existing.nip
    target = claimed
    if target is None and mbox is not None:
        by_email = transcript_stores(storage).people.find_links([mbox.key]).get(mbox.key)
        target = by_email.nip if by_email else None
    if target is None:
        return None
    claims: list[Claim] = [(lti, target)]
    if claimed:
        transcript_stores(storage).people.insert_missing_people([Person(
            nip=claimed, name="", employee_type=None, agency=None, unit=None, source="lti",
            updated_at=now)])
        if mbox is not None:
            claims += [(mbox, claimed), (mbox_sha1sum_actor(mbox), claimed)]
    result = link_claims(storage, claims, "lti", policy, now)
    for link in result.linked:
        if link.key == lti.key:
            return link.nip
    return next((c.linked_nip for c in result.conflicts if c.key == lti.key), None)


# --- the Agents resource --------------------------------------------------------------
class RegistryResolver:
    """lrs.agents.PersonResolver backed by the registry: an Agent linked to a NIP is the
    same person as every other identifier linked to that NIP.  Each Person served is a
    read of a person's data, so it is written to the access log."""

    def same_person(self, agent: dict[str, Any]) -> list[dict[str, Any]]:
        actor = actor_of(agent)
        person = _person_of(actor) if actor else None
        if actor is None or person is None:
            return []
        stores = transcript_stores()
        credential = g.get("credential")
        reader = reader_for(credential, stores.access) if credential else anonymous_reader()
        record_access(stores.access, reader, "agents.person", [person.nip])
        agents = []
        for linked in stores.people.links_of(person.nip):
            other = agent_of(linked)
            if other is not None and linked.key != actor.key:
                agents.append({**other, "name": person.name} if person.name else other)
        return agents


def agency_of(agent: dict[str, Any]) -> str | None:
    """The agency (instansi) of the civil servant `agent` is, for the connectors' agency
    filters; None when the agent is nobody in the registry.  An internal lookup, not a
    read of a transcript: no access-log entry."""
    actor = actor_of(agent)
    person = _person_of(actor) if actor else None
    return person.agency if person else None


def _person_of(actor: Actor) -> Person | None:
    """The registered person an actor is: by a link, else by a NIP account."""
    stores, policy = transcript_stores(), current_policy()
    link = stores.people.find_links([actor.key]).get(actor.key)
    nip = link.nip if link else nip_account(actor, policy.nip_home_pages)
    return stores.people.get_person(nip) if nip else None
