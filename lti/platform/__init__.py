"""LTI 1.3 platform role: the hub launches partner tools and records their results.

`hub.app` registers `blueprints()`, the `lti-platform` CLI group and `install(app)`,
which makes relayed LMS launches (the tool role) launch the partner tool and lets the
learner's landing page list and open the placed catalogue entries.
"""

from __future__ import annotations

from flask import Blueprint, Flask
from flask.cli import AppGroup


def blueprints() -> list[Blueprint]:
    from lti.platform import admin_api, services, views

    return [views.blueprint, views.well_known, services.blueprint, admin_api.blueprint]


def cli_group() -> AppGroup:
    from lti.platform.cli import platform

    return platform


def install(app: Flask) -> None:
    from lti.platform.views import LearnerCatalogue, relay_launch
    from lti.tool.launch import set_target_launcher
    from lti.tool.learner import set_partner_catalogue

    set_target_launcher(app, relay_launch)
    set_partner_catalogue(app, LearnerCatalogue())
