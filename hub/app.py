"""The application factory: the only place that wires the hub together."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

import connectors
import lrs
import lti
import transcripts
from hub import cli, credentials_api, health, openapi
from hub.compression import init_compression
from hub.config import database_url, load_settings
from hub.errors import register_error_handlers
from hub.guards import init_guards
from hub.i18n import init_babel
from hub.json_input import StrictJSONProvider
from hub.logs import configure_logging, init_request_ids
from hub.storage import open_storage
from hub.storage.contract import Storage
from hub.storage.key_encryption import KeyCipher
from hub.throttle import Throttle

# Each installs itself (blueprints, CLI groups, listeners, the ports it fills).  lrs comes
# first: its request rewriting and version negotiation run before the others' requests;
# transcripts' statement listener runs before LTI grade passback's, as it always has.
FEATURES = (lrs, transcripts, lti, connectors)

log = logging.getLogger(__name__)


def open_hub_storage(url: str, cipher: KeyCipher | None = None) -> Storage:
    """The storage with every feature's slice installed, outside an app (CLI scripts,
    benchmarks, tests); `create_app` gets the same when each feature installs its own."""
    storage = open_storage(url, cipher)
    for feature in FEATURES:
        for slice_ in feature.storage_slices():
            storage.install(slice_)
    return storage


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
    app.extensions["hub.storage"] = open_storage(database_url(settings, app.instance_path),
                                                 KeyCipher(settings.key_encryption_keys))
    if not settings.key_encryption_keys:
        log.warning("HUB_KEY_ENCRYPTION_KEYS is not set: private signing keys are stored "
                    "unencrypted (allowed outside production only)")
    app.extensions["hub.throttle"] = Throttle(settings)  # failed sign-ins, request limits

    if settings.proxy_hops:
        # Flask's documented way to add WSGI middleware; mypy sees a method being replaced.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxy_hops,  # type: ignore[method-assign]
                                x_proto=settings.proxy_hops, x_host=settings.proxy_hops)
    init_request_ids(app)
    init_compression(app)
    init_babel(app)  # page texts and formats in Bahasa Indonesia or English
    app.register_blueprint(health.blueprint)
    app.register_blueprint(openapi.blueprint)
    app.register_blueprint(credentials_api.blueprint)
    cli.register(app)
    for feature in FEATURES:
        feature.init_app(app)
    init_guards(app)  # after lrs's hooks: a refused request still has its xAPI version
    register_error_handlers(app)
    log.debug("hub created (env=%s, engine=%s)", settings.env,
              app.extensions["hub.storage"].engine_name)
    return app
