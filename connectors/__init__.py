"""Connectors and the hub's worker: forwarding to other LRSs, pulling from partner LRSs,
imports, signed webhooks, and the one worker process that runs every background loop
(connectors.runtime).

See docs/connectors.md.  `init_app` installs it: the storage slice, the admin API, the
`worker` and `connectors` CLI groups, and the connectors' own loops.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Blueprint, Flask

if TYPE_CHECKING:
    from hub.storage.contract import StorageSlice


def init_app(app: Flask) -> None:
    from connectors import cli, forwarding, pulling, webhooks
    from connectors.imports.jobs import imports_loop
    from hub.loops import add_loop
    from transcripts.service import add_transcript_listener

    for slice_ in storage_slices():
        app.extensions["hub.storage"].install(slice_)
    for blueprint in blueprints():
        app.register_blueprint(blueprint)
    cli.register(app)
    add_loop(app, forwarding.forwarding_loop())
    add_loop(app, pulling.pulling_loop())
    add_loop(app, webhooks.webhooks_loop())
    add_loop(app, imports_loop())
    # Transcript events enter the webhook outbox in the transaction saving the totals.
    add_transcript_listener(app, webhooks.on_transcript_changes)


def storage_slices() -> tuple[StorageSlice, ...]:
    from connectors.storage import SLICE

    return (SLICE,)


def blueprints() -> list[Blueprint]:
    from connectors import admin_api, imports_api, webhooks_api

    return [admin_api.blueprint, webhooks_api.blueprint, imports_api.blueprint]
