"""Connectors: what enters the hub other than by a partner's POST, and what leaves it.

So far: imports of completions that were never xAPI (`connectors.imports`, issue 15.4).
`init_app` installs the slice, the admin API of imports and the `connectors` CLI group.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Blueprint, Flask

if TYPE_CHECKING:
    from hub.storage.contract import StorageSlice


def init_app(app: Flask) -> None:
    from connectors import cli

    for slice_ in storage_slices():
        app.extensions["hub.storage"].install(slice_)
    for blueprint in blueprints():
        app.register_blueprint(blueprint)
    cli.register(app)


def storage_slices() -> tuple[StorageSlice, ...]:
    from connectors.storage import SLICE

    return (SLICE,)


def blueprints() -> list[Blueprint]:
    from connectors import imports_api

    return [imports_api.blueprint]
