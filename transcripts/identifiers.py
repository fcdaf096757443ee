"""The identifiers a person can be known by, in the registry's terms.

An xAPI Agent is identified by its IFI exactly as the LRS compares Agents
(`lrs.service.agent_key`: an mbox compared case-insensitively, an account by
homePage and name); an LTI user by the platform's issuer and the `sub` claim.  The
registry keys each identifier by the SHA-256 of that text, since openid IRIs and
account names are unbounded.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lrs.service import agent_key
from transcripts.nip import is_nip, normalize_nip
from transcripts.storage.contract import IdentityLink

IFI_KINDS = ("mbox", "mbox_sha1sum", "openid", "account")


@dataclass(frozen=True)
class Actor:
    identifier: str  # lrs.identifiers.agent_key form, or "lti:<issuer> <sub>"
    key: str  # SHA-256 of identifier
    kind: str  # mbox | mbox_sha1sum | openid | account | lti
    value: dict[str, Any]  # the IFI alone ({"mbox": ...}) or {"issuer", "sub"}
    name: str | None = None

    def link(self, nip: str, source: str, when: datetime) -> IdentityLink:
        return IdentityLink(key=self.key, identifier=self.identifier, kind=self.kind,
                            value=self.value, nip=nip, source=source, linked_at=when)


def key_of(identifier: str) -> str:
    return hashlib.sha256(identifier.encode("utf-8")).hexdigest()


def actor_of(agent: Any) -> Actor | None:
    """The identity of an Agent; None for Groups and anything without an IFI."""
    if not isinstance(agent, dict) or agent.get("objectType", "Agent") != "Agent":
        return None
    for kind in IFI_KINDS:
        if kind not in agent:
            continue
        value = _ifi_value(kind, agent[kind])
        if value is None:
            return None
        identifier = agent_key({kind: value})
        if identifier is None:  # only anonymous Groups have none; an Agent with an IFI has one
            return None
        name = agent.get("name") if isinstance(agent.get("name"), str) else None
        return Actor(identifier=identifier, key=key_of(identifier), kind=kind,
                     value={kind: value}, name=name)
    return None


def _ifi_value(kind: str, value: Any) -> Any:
    if kind == "account":
        if isinstance(value, dict) and isinstance(value.get("homePage"), str) \
                and isinstance(value.get("name"), str):
            return {"homePage": value["homePage"], "name": value["name"]}
        return None
    if not isinstance(value, str):
        return None
    return value.lower() if kind in ("mbox", "mbox_sha1sum") else value


def mbox_actor(email: str) -> Actor:
    address = email.strip()
    if address.lower().startswith("mailto:"):
        address = address[7:]
    actor = actor_of({"mbox": f"mailto:{address}"})
    assert actor is not None
    return actor


def mbox_sha1sum_actor(mbox: Actor) -> Actor:
    """The mbox_sha1sum twin of an mbox (xAPI: SHA-1 of the mailto IRI)."""
    digest = hashlib.sha1(mbox.value["mbox"].encode("utf-8")).hexdigest()
    actor = actor_of({"mbox_sha1sum": digest})
    assert actor is not None
    return actor


def lti_actor(issuer: str, sub: str) -> Actor:
    identifier = f"lti:{issuer} {sub}"
    return Actor(identifier=identifier, key=key_of(identifier), kind="lti",
                 value={"issuer": issuer, "sub": sub})


def nip_account(actor: Actor, nip_home_pages: tuple[str, ...]) -> str | None:
    """The NIP an account actor carries, when its homePage is one where account names
    are NIPs and its name is exactly one (no separators)."""

    if actor.kind != "account":
        return None
    account = actor.value["account"]
    if account["homePage"].rstrip("/") not in {p.rstrip("/") for p in nip_home_pages}:
        return None
    name = account["name"]
    if normalize_nip(name) != name or not is_nip(name):
        return None
    return name


def agent_of(link: IdentityLink) -> dict[str, Any] | None:
    """The xAPI Agent a link stands for (None for LTI identities)."""
    if link.kind == "lti":
        return None
    return {"objectType": "Agent", **link.value}
