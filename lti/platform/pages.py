"""Texts of the platform role's pages: keys of the hub's catalogues (hub/translations)."""

from __future__ import annotations

from hub import i18n
from hub.i18n import N_, Translator

# Why a request was refused, said for people (lti.platform.views.refused): "reason.<code>".
REASON_KEYS = (N_("reason.tool_disabled"), N_("reason.platform_disabled"))


def translator(language: str) -> Translator:
    return i18n.translator(language)
