"""Competency transcripts for civil servants (ASN): the person registry (NIP ↔ xAPI and
LTI identifiers), competency frameworks and mapping rules, transcripts kept current
from the statement feed, the auditor API and verifiable (signed) transcripts.

See docs/transcripts.md.  `init_app` installs it: the API, admin API and auditor pages,
the CLI groups of `transcripts.cli`, `transcripts.service.on_statements_stored` as a
statement listener (HUB_TRANSCRIPTS_SYNC=inline), the registry behind two ports (the
Agents resource's PersonResolver and the LTI launch's IdentityLinker) and the learner's
year at a glance behind a third (the LTI landing page's LearnerSummaryReader).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Blueprint, Flask

if TYPE_CHECKING:
    from hub.storage.contract import StorageSlice


def init_app(app: Flask) -> None:
    from connectors.service import set_agency_lookup
    from hub.loops import add_loop
    from lrs.service import add_statements_listener, set_person_resolver
    from lti.service import set_identity_linker, set_learner_summary
    from transcripts import cli
    from transcripts.identity import RegistryResolver, agency_of, link_lti_user
    from transcripts.learner import learner_summary
    from transcripts.pages import blueprint as auditor_pages
    from transcripts.service import follower_loop, on_statements_stored

    for slice_ in storage_slices():
        app.extensions["hub.storage"].install(slice_)
    for blueprint in (*blueprints(), auditor_pages()):
        app.register_blueprint(blueprint)
    cli.register(app)
    # Which Agents are one civil servant (GET /xapi/agents), and the NIP of an LTI user.
    set_person_resolver(app, RegistryResolver())
    set_identity_linker(app, link_lti_user)
    set_learner_summary(app, learner_summary)  # the learner's JP on the LTI landing page
    set_agency_lookup(app, agency_of)  # the connectors' agency filters
    # Transcripts follow the statement feed after every commit, or in a follower process.
    if app.extensions["hub.settings"].transcripts.sync == "inline":
        add_statements_listener(app, on_statements_stored)
    # The worker follows the feed in either mode: in "inline" it catches up what a
    # process that died between a commit and its listener left behind.
    add_loop(app, follower_loop())


def storage_slices() -> tuple[StorageSlice, ...]:
    from transcripts.storage import SLICE

    return (SLICE,)


def blueprints() -> list[Blueprint]:
    from transcripts import admin_api, api

    return [api.blueprint, admin_api.blueprint]
