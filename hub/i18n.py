"""Languages of the hub's pages: Bahasa Indonesia first, English too.

Texts live in gettext catalogues (`hub/translations/<lang>/LC_MESSAGES/messages.po`), one
entry per stable key (`"progress.hello"`), with Flask-Babel installed on the app. The .po
files are compiled in memory once per process, so there is no .mo build step. An English
text that is missing falls back to the Indonesian one, and an unknown key to itself, so a
gap never breaks a page (tests/hub/test_i18n.py keeps the catalogues complete).
"""

from __future__ import annotations

import io
from decimal import Decimal
from functools import cache
from gettext import GNUTranslations
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations
from flask import Flask, g, has_request_context, request
from flask_babel import Babel, Domain, get_locale, refresh

LANGUAGES = ("id", "en")
DEFAULT = "id"
TRANSLATIONS = Path(__file__).parent / "translations"
# The calls that carry catalogue keys, for pybabel extract (-k t -k tn:1,1 -k N_):
# t(key, **values), tn(key, count, **values) (singular and plural share the key), N_(key).
EXTRACT_KEYWORDS = {"t": None, "tn": (1, 1), "N_": None}


def N_(key: str) -> str:
    """Marks a key the code builds at run time, so `pybabel extract -k N_` lists it."""
    return key


def pick_language(locale: str | None = None, *, remembered: str | None = None) -> str:
    """`?lang=` (or a form's `lang`) when given, else a language the person chose before
    (a cookie the feature keeps), else a locale the request carries (an LTI launch's
    `launch_presentation.locale`), else the browser's Accept-Language, else Indonesian.

    The pick is also this request's Flask-Babel locale (`flask_babel.get_locale()`)."""
    picked = _pick(locale, remembered)
    if g.get("hub_language") != picked:
        g.hub_language = picked
        refresh()  # Flask-Babel caches the locale per request; a later pick wins
    return picked


def _pick(locale: str | None, remembered: str | None) -> str:
    asked = request.args.get("lang") or request.form.get("lang")
    if asked in LANGUAGES:
        return asked
    if remembered in LANGUAGES:
        return remembered
    if locale:
        primary = locale.replace("_", "-").split("-")[0].lower()
        if primary in LANGUAGES:
            return primary
    best = request.accept_languages.best_match(LANGUAGES)
    return best or DEFAULT


def _selected_language() -> str:
    if not has_request_context():  # a CLI command, a job: the default language
        return DEFAULT
    return g.get("hub_language") or _pick(None, None)


@cache
def catalogue(language: str) -> GNUTranslations:
    """The compiled catalogue of `language` (cached per process); English falls back to
    Indonesian for a text it lacks."""
    if language not in LANGUAGES:
        language = DEFAULT
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        compiled = io.BytesIO()
        write_mo(compiled, read_po(po, locale=language))
    compiled.seek(0)
    translations = Translations(compiled)
    if language != DEFAULT:
        translations.add_fallback(catalogue(DEFAULT))
    return translations


class CatalogueDomain(Domain):
    """Flask-Babel's domain, reading the in-memory catalogues instead of .mo files."""

    def get_translations(self) -> GNUTranslations:
        locale = get_locale()
        return catalogue(locale.language if locale else DEFAULT)


class Translator:
    """`t(key, **values)` for one language: the catalogue text with `{name}` filled in;
    `t.tn(key, count, **values)` picks the form for `count` (ngettext) and writes `count`
    in the language ("1.234")."""

    def __init__(self, language: str) -> None:
        self.language = language if language in LANGUAGES else DEFAULT
        self._catalogue = catalogue(self.language)

    def __call__(self, key: str, **values: object) -> str:
        text = self._catalogue.gettext(key)
        return text.format(**values) if values else text

    def tn(self, key: str, count: int, **values: object) -> str:
        text = self._catalogue.ngettext(key, key, count)
        return text.format(count=number(count, self.language), **values)

    def knows(self, key: str) -> bool:
        return self._catalogue.gettext(key) != key


def number(value: int | float | Decimal, language: str) -> str:
    """1234.5 → "1.234,5" in Indonesian, "1,234.5" in English (CLDR, via Babel)."""
    return format_decimal(value, locale=language)


def translator(language: str) -> Translator:
    return Translator(language)


def init_babel(app: Flask) -> None:
    """Installs Flask-Babel: the locale is the hub's language pick (pick_language)."""
    babel = Babel()
    babel.init_app(app, default_locale=DEFAULT, locale_selector=_selected_language)
    babel.domain_instance = CatalogueDomain()  # a cached_property; the instance wins
