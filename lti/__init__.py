"""LTI 1.3: the hub as a tool that LMSs launch (lti.tool); the platform role that
launches partner tools comes later (lti.platform).  Shared: keys, i18n, http."""

from __future__ import annotations

from flask import Blueprint
from flask.cli import AppGroup


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
