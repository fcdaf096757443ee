"""Competency transcripts for civil servants (ASN): the person registry (NIP ↔ xAPI and
LTI identifiers), competency frameworks and mapping rules, transcripts kept current
from the statement feed, the auditor API and verifiable (signed) transcripts.

See docs/transcripts.md.  The app factory wires it: `blueprints()`, the CLI groups of
`transcripts.cli`, `transcripts.service.on_statements_stored` as a statement listener
and `transcripts.identity.RegistryResolver` as the Agents resource's resolver.
"""

from __future__ import annotations

from flask import Blueprint


def blueprints() -> list[Blueprint]:
    from transcripts import admin_api, api

    return [api.blueprint, admin_api.blueprint]
