"""Languages of the hub's pages: Bahasa Indonesia first, English too.

Each feature keeps its own message tables (`{"id": {...}, "en": {...}}`); this module
picks the language of a request and looks messages up, falling back to Indonesian and
then to the key itself, so a missing English text never breaks a page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from flask import request

LANGUAGES = ("id", "en")
DEFAULT = "id"

Messages = Mapping[str, Mapping[str, str]]

MONTHS = {
    "id": ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
           "September", "Oktober", "November", "Desember"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
}


def pick_language(locale: str | None = None, *, remembered: str | None = None) -> str:
    """`?lang=` (or a form's `lang`) when given, else a language the person chose before
    (a cookie the feature keeps), else a locale the request carries (an LTI launch's
    `launch_presentation.locale`), else the browser's Accept-Language, else Indonesian."""
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


def translator(messages: Messages, language: str) -> Callable[..., str]:
    table = messages.get(language, messages[DEFAULT])

    def translate(key: str, **values: object) -> str:
        text = table.get(key) or messages[DEFAULT].get(key) or key
        return text.format(**values) if values else text

    return translate
