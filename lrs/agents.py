"""Agents Resource, /xapi/agents (xAPI 1.0.3 Communication 2.4; 2.0 Part 3 §4.1.6.3):
the Person behind an Agent, with every identifier the hub knows for them.

Which Agents are the same person is not the LRS's knowledge: a `PersonResolver`
supplies it.  The default knows no links, so a Person is the Agent asked about
(2.4.s3.b3).  The identity registry of `transcripts` (a civil servant's NIP linked to
several xAPI identifiers) is meant to be another resolver, installed by the app
factory as `app.extensions["lrs.person_resolver"]`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, Protocol

from flask import Blueprint, Flask, Response, current_app, request

from hub.auth import require_scope
from hub.inputs import Input, parse_query
from lrs.documents import etag_of
from lrs.documents_input import IFI_PROPERTIES, UNKNOWN_PARAMETER_RULE, AgentParam
from lrs.identifiers import agent_key

RESOLVER_EXTENSION = "lrs.person_resolver"

blueprint = Blueprint("xapi_agents", __name__, url_prefix="/xapi")


class AgentsParams(Input):
    agent: AgentParam


class PersonResolver(Protocol):
    def same_person(self, agent: dict[str, Any]) -> list[dict[str, Any]]:
        """Other Agents known to be the person `agent` identifies (each with one
        identifier, and a name if known); [] when none are."""


class NoLinkedIdentities:
    """The default resolver: the hub links no identities on its own."""

    def same_person(self, agent: dict[str, Any]) -> list[dict[str, Any]]:
        return []


def set_person_resolver(app: Flask, resolver: PersonResolver) -> None:
    app.extensions[RESOLVER_EXTENSION] = resolver


def current_person_resolver() -> PersonResolver:
    return current_app.extensions.get(RESOLVER_EXTENSION) or NoLinkedIdentities()


@blueprint.get("/agents", strict_slashes=False)
def get_person() -> Response:
    # 2.4.s3.b1: more identifiers than the caller sent need explicitly granted rights.
    require_scope("all/read")
    agent = parse_query(AgentsParams, request.args, unknown_rule=UNKNOWN_PARAMETER_RULE).agent
    person = person_object([agent, *current_person_resolver().same_person(agent)])
    body = json.dumps(person, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    response = Response(body, status=200, content_type="application/json")
    response.set_etag(etag_of(body))
    return response


def person_object(agents: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """A Person (xAPI 1.0.3 Communication 2.4.s5): each Agent property as an array of the
    distinct values, in the order first seen; identifiers compared as the LRS compares them."""
    person: dict[str, Any] = {"objectType": "Person"}
    names: list[str] = []
    seen: set[str] = set()
    for agent in agents:
        if isinstance(agent.get("name"), str) and agent["name"] not in names:
            names.append(agent["name"])
        for prop in IFI_PROPERTIES:
            if prop not in agent:
                continue
            key = agent_key({prop: agent[prop]})
            if key is not None and key not in seen:
                seen.add(key)
                person.setdefault(prop, []).append(agent[prop])
    if names:
        person["name"] = names
    return {key: person[key] for key in ("objectType", "name", *IFI_PROPERTIES) if key in person}
