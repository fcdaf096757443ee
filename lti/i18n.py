"""Texts of the LTI pages: keys of the hub's catalogues (hub/translations), looked up in
the language hub.i18n picks.

The language is `?lang=` when given, else the launch's `launch_presentation.locale`,
else the browser's Accept-Language, else Indonesian.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from babel.dates import format_date

from hub import i18n
from hub.i18n import DEFAULT, LANGUAGES, N_, Translator

__all__ = ["DEFAULT", "LANGUAGES", "REASON_KEYS", "RUNTIME_KEYS", "Formats", "pick_language",
           "reason_text", "translator"]

# Why a launch was refused, by reason code (lti.tool.validation.LaunchRejected): the
# catalogue key of each is "rejected.<code>".
REASON_KEYS = (
    N_("rejected.missing_id_token"), N_("rejected.malformed_jwt"),
    N_("rejected.unsigned_or_symmetric"), N_("rejected.missing_kid"), N_("rejected.unknown_kid"),
    N_("rejected.bad_signature"), N_("rejected.unknown_platform"), N_("rejected.wrong_audience"),
    N_("rejected.expired"), N_("rejected.issued_in_future"), N_("rejected.lifetime_too_long"),
    N_("rejected.missing_claim"), N_("rejected.state_mismatch"), N_("rejected.nonce_replayed"),
    N_("rejected.unknown_deployment"), N_("rejected.not_lti_message"),
    N_("rejected.missing_message_type"), N_("rejected.unsupported_message_type"),
    N_("rejected.wrong_version"), N_("rejected.missing_version"), N_("rejected.unknown_activity"),
    N_("rejected.missing_roles"), N_("rejected.missing_deployment_id"),
    N_("rejected.missing_resource_link_id"), N_("rejected.missing_sub"),
    N_("rejected.bad_deep_linking_settings"), N_("rejected.launch_expired"),
    N_("rejected.platform_unreachable"), N_("rejected.bad_login"),
    N_("rejected.platform_disabled"), N_("rejected.missing_parameter"),
    N_("rejected.bad_parameter"),
)

# Keys the pages build at run time ("type." + kind, an error page's title, intro, help).
RUNTIME_KEYS = (
    N_("type.teknis"), N_("type.manajerial"), N_("type.sosial_kultural"), N_("type.unmapped"),
    N_("title.launch_refused"), N_("title.register_error"), N_("register_error.intro"),
    N_("register_error.help"), N_("refused.intro"),
)


def pick_language(locale: str | None = None) -> str:
    return i18n.pick_language(locale)


def translator(language: str) -> Translator:
    return i18n.translator(language)


def reason_text(code: str, language: str, **values: object) -> str:
    """The reason said for people (with its `{name}` values); a code without one is shown
    as it is."""
    text = i18n.translator(language)
    key = f"rejected.{code}"
    return text(key, **values) if text.knows(key) else code


@dataclass(frozen=True)
class Formats:
    """Numbers and dates as each language writes them (Babel, CLDR): 12,5 JP and
    4 Desember 2026 in Indonesian, 12.5 JP and 4 December 2026 in English."""

    language: str

    def jp(self, centi: int) -> str:
        """centi-JP: 1250 → "12,5" (id) / "12.5" (en); 2000 → "20"; 333 → "3,33"."""
        return i18n.number(Decimal(centi) / 100, self.language)

    def date(self, day: date) -> str:
        return format_date(day, "d MMMM y", locale=self.language)
