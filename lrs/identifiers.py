"""Inverse functional identifiers (IFIs): how the LRS tells that two Agents are the same.

xAPI 1.0.3 Data 2.4.2.3: an Agent is identified by exactly one of mbox, mbox_sha1sum,
openid or account; Agents and identified Groups are equal when they carry the same IFI
and the same objectType.  `agent_key` turns that into one indexable string.
"""

from __future__ import annotations

from typing import Any


def agent_key(agent: dict[str, Any]) -> str | None:
    """`agent:mbox:mailto:a@b`, `group:account:<homePage> <name>`, …; None for anonymous groups."""
    kind = "group" if agent.get("objectType") == "Group" else "agent"
    if "mbox" in agent:
        return f"{kind}:mbox:{agent['mbox'].lower()}"
    if "mbox_sha1sum" in agent:
        return f"{kind}:mbox_sha1sum:{agent['mbox_sha1sum'].lower()}"
    if "openid" in agent:
        return f"{kind}:openid:{agent['openid']}"
    account = agent.get("account")
    if isinstance(account, dict):
        return f"{kind}:account:{account.get('homePage')} {account.get('name')}"
    return None


def ifi_only(agent: dict[str, Any]) -> dict[str, Any]:
    """The agent reduced to objectType and its IFI (canonical form of ids-format queries)."""
    reduced: dict[str, Any] = {"objectType": agent.get("objectType", "Agent")}
    for prop in ("mbox", "mbox_sha1sum", "openid", "account"):
        if prop in agent:
            reduced[prop] = agent[prop]
    if reduced["objectType"] == "Group" and "member" in agent and len(reduced) == 1:
        reduced["member"] = [ifi_only(member) for member in agent["member"]]
    return reduced
