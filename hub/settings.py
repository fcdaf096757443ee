from __future__ import annotations

from flask import current_app

from hub.config import Settings


def current_settings() -> Settings:
    return current_app.extensions["hub.settings"]
