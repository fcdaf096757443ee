"""LTI 1.3: the hub as a tool that LMSs launch (lti.tool) and as a platform that
launches partner tools (lti.platform).  Shared: keys, i18n, http.  `init_app` installs
both roles; `lti.service` holds the ports other features fill."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Blueprint, Flask
from flask.cli import AppGroup

if TYPE_CHECKING:
    from hub.storage.contract import StorageSlice


def init_app(app: Flask) -> None:
    """Blueprints and CLI groups of both roles, grade passback as a statement listener,
    relayed LMS launches of deep-linked entries launching the partner tool, and the
    frame-ancestors header that lets an LMS frame every LTI page (lti.framing)."""
    from hub.logs import register_secret_path
    from hub.loops import add_loop
    from lrs.service import add_statements_listener
    from lti import platform
    from lti.framing import allow_lms_framing
    from lti.tool.grades import grades_loop

    for slice_ in storage_slices():
        app.extensions["hub.storage"].install(slice_)
    registered = (*blueprints(), *platform.blueprints())
    for blueprint in registered:
        app.register_blueprint(blueprint)
    allow_lms_framing(app, (b.name for b in registered))  # shown inside an LMS iframe
    for group in (*cli_groups(), platform.cli_group()):
        app.cli.add_command(group)
    platform.install(app)
    add_statements_listener(app, statements_listener())
    add_loop(app, grades_loop())  # grade passback, in the worker process
    # Invites and single-use Deep Linking picker URLs carry their token in the path.
    register_secret_path("/lti/register/")
    register_secret_path("/lti/platform/deep-link/")


def storage_slices() -> tuple[StorageSlice, ...]:
    """The tool role's slice, then the platform role's (its migrations branch off it)."""
    from lti.platform.storage import SLICE as PLATFORM
    from lti.tool.storage import SLICE as TOOL

    return (TOOL, PLATFORM)


def blueprints() -> list[Blueprint]:
    from lti.tool import admin_api, views

    return [views.blueprint, admin_api.blueprint]


def cli_groups() -> list[AppGroup]:
    from lti.cli import lti

    return [lti]


def statements_listener():
    """The lrs statement listener that queues grade passback jobs."""
    from lti.tool.grades import on_statements_stored

    return on_statements_stored
