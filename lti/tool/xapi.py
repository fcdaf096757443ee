"""How LTI launches appear in the LRS: activity IRIs and the `launched` statement."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

LAUNCHED = {"id": "http://adlnet.gov/expapi/verbs/launched",
            "display": {"id-ID": "meluncurkan", "en-US": "launched"}}
LINK_TYPE = "http://adlnet.gov/expapi/activities/link"
COURSE_TYPE = "http://adlnet.gov/expapi/activities/course"
LMS_TYPE = "http://id.tincanapi.com/activitytype/lms"
EXTENSION = "https://berpijar.go.id/xapi/extensions/lti/"
# Statement ids derive from (issuer, nonce): recording the same launch twice stores one.
_STATEMENT_NAMESPACE = uuid.UUID("9d4f1f52-7c7e-4f0e-9a43-1e0b6d8e2a17")


def _digest(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def activity_key(activity_id: str) -> str:
    """What resource links are indexed by: SHA-256 of their activity IRI."""
    return hashlib.sha256(activity_id.encode()).hexdigest()


def link_activity_id(public_url: str, issuer: str, resource_link_id: str) -> str:
    # Digests keep the IRI short and stable whatever the LMS puts in its ids.
    return f"{public_url.rstrip('/')}/lti/links/{_digest(issuer, resource_link_id)[:40]}"


def context_activity_id(public_url: str, issuer: str, context_id: str) -> str:
    return f"{public_url.rstrip('/')}/lti/contexts/{_digest(issuer, context_id)[:40]}"


def hub_tool_activity_id(public_url: str) -> str:
    return f"{public_url.rstrip('/')}/lti/tool"


def lti_authority(authority_home_page: str) -> dict[str, Any]:
    return {"objectType": "Agent", "name": "Berpijar Hub — LTI",
            "account": {"homePage": authority_home_page, "name": "hub:lti"}}


def _activity(activity_id: str, kind: str, name: str | None) -> dict[str, Any]:
    definition: dict[str, Any] = {"type": kind}
    if name:
        definition["name"] = {"und": name}
    return {"objectType": "Activity", "id": activity_id, "definition": definition}


def launched_statement(*, public_url: str, claims: Mapping[str, Any], object_activity: dict,
                       when: datetime | None = None) -> dict[str, Any]:
    """The `launched` statement for a validated resource link launch.

    The actor is the LTI user as an account agent (homePage = issuer, name = sub) with
    their name; an e-mail cannot be a second identifier of the same agent (xAPI 1.0.3
    Data 2.4.2.1), so it travels as a context extension.  What was launched is the
    object (the deep-linked partner activity, or the hub itself); the resource link is
    the parent, the course and the LMS are the grouping.
    """
    iss, sub = claims["iss"], claims["sub"]
    claim = "https://purl.imsglobal.org/spec/lti/claim/"
    link = claims.get(claim + "resource_link") or {}
    context = claims.get(claim + "context") or {}
    tool_platform = claims.get(claim + "tool_platform") or {}
    actor: dict[str, Any] = {"objectType": "Agent", "account": {"homePage": iss, "name": sub}}
    if claims.get("name"):
        actor["name"] = claims["name"]
    elif claims.get("given_name") or claims.get("family_name"):
        actor["name"] = " ".join(p for p in (claims.get("given_name"),
                                             claims.get("family_name")) if p)
    grouping = []
    if context.get("id"):
        grouping.append(_activity(context_activity_id(public_url, iss, context["id"]),
                                  COURSE_TYPE, context.get("title") or context.get("label")))
    grouping.append(_activity(iss, LMS_TYPE, tool_platform.get("name")))
    extensions: dict[str, Any] = {
        EXTENSION + "deployment_id": claims[claim + "deployment_id"],
        EXTENSION + "roles": claims.get(claim + "roles", []),
    }
    if claims.get("email"):
        extensions[EXTENSION + "email"] = claims["email"]
    statement_context: dict[str, Any] = {
        "contextActivities": {
            "parent": [_activity(link_activity_id(public_url, iss, link["id"]), LINK_TYPE,
                                 link.get("title"))],
            "grouping": grouping,
        },
        "extensions": extensions,
    }
    platform_name = " ".join(str(p) for p in (tool_platform.get("name"),
                                              tool_platform.get("version")) if p)
    if platform_name:
        statement_context["platform"] = platform_name
    return {
        "id": str(uuid.uuid5(_STATEMENT_NAMESPACE, f"{iss}\n{claims['nonce']}")),
        "actor": actor,
        "verb": LAUNCHED,
        "object": object_activity,
        "context": statement_context,
        "timestamp": (when or datetime.now(UTC)).isoformat(),
    }


def object_for(public_url: str, entry) -> dict[str, Any]:
    """The launched object: the catalogue entry's partner activity, or the hub tool."""
    if entry is not None:
        return _activity(entry.activity_id, "http://adlnet.gov/expapi/activities/lesson",
                         entry.title)
    return _activity(hub_tool_activity_id(public_url),
                     "http://adlnet.gov/expapi/activities/link", "Berpijar Learning Hub")
