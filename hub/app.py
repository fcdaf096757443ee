"""The application factory: the only place that wires the hub together."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from typing import Any

from flask import Flask
from flask_cors import CORS
from werkzeug.middleware.proxy_fix import ProxyFix

from hub import cli, credentials_api, health
from hub.compression import init_compression
from hub.config import database_url, load_settings
from hub.errors import register_error_handlers
from hub.guards import init_guards
from hub.json_input import StrictJSONProvider
from hub.logs import configure_logging, init_request_ids
from hub.storage import open_storage
from hub.throttle import Throttle
from lrs import XAPI_EXPOSED_HEADERS, XAPI_REQUEST_HEADERS
from lrs import blueprints as lrs_blueprints
from lrs.agents import RESOLVER_EXTENSION
from lrs.alternate import init_alternate_syntax
from lrs.cache_buster import init_cache_buster
from lrs.service import add_statements_listener
from lrs.validation import StatementValidator
from lrs.versioning import init_versioning
from lti import blueprints as lti_blueprints
from lti import cli_groups as lti_cli_groups
from lti import platform as lti_platform
from lti import statements_listener as lti_statements_listener
from lti.tool.launch import IDENTITY_LINKER_EXTENSION
from transcripts import blueprints as transcripts_blueprints
from transcripts import cli as transcripts_cli
from transcripts.identity import RegistryResolver, link_lti_user
from transcripts.pages import blueprint as auditor_pages
from transcripts.service import on_statements_stored

log = logging.getLogger(__name__)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build a hub.  `config` overrides `HUB_*` variables (keys are setting names)."""
    settings = load_settings(config)
    app = Flask("hub", instance_relative_config=True)
    if settings.extra.get("instance_path"):
        app.instance_path = settings.extra["instance_path"]
    configure_logging(settings.log_format, settings.log_level)
    app.config.update(
        # Production refuses to start without a key (hub.config.validate); development
        # and tests get a random one per app instance, never a fixed default.
        SECRET_KEY=settings.secret_key or secrets.token_urlsafe(32),
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
        JSON_SORT_KEYS=False,
        TESTING=settings.env == "test",
    )
    app.json = StrictJSONProvider(app)
    app.json.sort_keys = False
    app.extensions["hub.settings"] = settings
    app.extensions["hub.storage"] = open_storage(database_url(settings, app.instance_path))
    app.extensions["hub.throttle"] = Throttle(settings)  # failed sign-ins, request limits
    app.extensions["lrs.validator"] = StatementValidator()  # schemas compiled once, here
    # The person registry says which Agents are one civil servant (GET /xapi/agents);
    # transcripts follow the statement feed after every commit, or in a follower process.
    app.extensions[RESOLVER_EXTENSION] = RegistryResolver()
    app.extensions[IDENTITY_LINKER_EXTENSION] = link_lti_user  # LTI launches find the NIP
    if settings.transcripts_sync == "inline":
        add_statements_listener(app, on_statements_stored)

    if settings.proxy_hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxy_hops,
                                x_proto=settings.proxy_hops, x_host=settings.proxy_hops)
    init_request_ids(app)
    init_cache_buster(app)  # inside the alternate syntax: sees the rewritten GET
    init_alternate_syntax(app)  # rewrites ?method= requests before versioning reads headers
    init_versioning(app)
    init_guards(app)
    register_error_handlers(app)
    init_compression(app)
    CORS(app, resources={r"/xapi/*": {"origins": list(settings.cors_origins)}},
         allow_headers=XAPI_REQUEST_HEADERS, expose_headers=XAPI_EXPOSED_HEADERS,
         methods=["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"], max_age=600)

    for blueprint in (health.blueprint, credentials_api.blueprint, *lrs_blueprints(),
                      *lti_blueprints(), *lti_platform.blueprints()):
        app.register_blueprint(blueprint)
    for blueprint in (*transcripts_blueprints(), auditor_pages()):
        app.register_blueprint(blueprint)
    cli.register(app)
    transcripts_cli.register(app)
    for group in lti_cli_groups():
        app.cli.add_command(group)
    app.cli.add_command(lti_platform.cli_group())
    # Relayed LMS launches of deep-linked entries launch the partner tool (platform role).
    lti_platform.install(app)
    add_statements_listener(app, lti_statements_listener())
    log.debug("hub created (env=%s, engine=%s)", settings.env,
              app.extensions["hub.storage"].engine_name)
    return app
