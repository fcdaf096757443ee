"""Texts of the auditor pages and their PDFs: keys of the hub's catalogues
(hub/translations), looked up in the language hub.i18n picks, and the way numbers, dates
and NIPs are written in each language (Babel, CLDR)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from babel.dates import format_datetime

from hub import i18n
from hub.i18n import N_, Translator
from transcripts.aggregation import jp
from transcripts.evidence import JAKARTA

# Keys the pages build at run time, written out for `pybabel extract -k N_`: competency
# types, compliance, sign-in notices, form and error-page texts.
RUNTIME_KEYS = (
    N_("type.teknis"), N_("type.manajerial"), N_("type.sosial_kultural"),
    N_("type.without_mapping"),
    N_("compliance.compliant"), N_("compliance.non_compliant"), N_("compliance.unknown"),
    N_("notice.signed_out"), N_("notice.session_ended"), N_("notice.expired"),
    N_("notice.idle"), N_("notice.sign_in_first"),
    N_("sign_in.missing"), N_("sign_in.throttled"), N_("sign_in.wrong"),
    N_("sign_in.not_auditor"), N_("sign_in.invalid"),
    N_("error.400"), N_("error.403"), N_("error.404"), N_("error.405"), N_("error.500"),
    N_("title.error"), N_("error.bad_year"), N_("error.bad_nip"), N_("error.bad_choice"),
    N_("error.bad_text"), N_("error.unknown_parameter"), N_("error.repeated_parameter"),
    N_("error.agency_required"), N_("error.unknown_person"), N_("error.unknown_agency"),
    N_("error.unknown_page"),
)


@dataclass(frozen=True)
class Texts:
    """Everything a page needs to speak one language: `t(key, **values)`,
    `tn(key, count, **values)` for texts that vary with a number, and formats."""

    language: str

    @cached_property
    def _translate(self) -> Translator:
        return i18n.translator(self.language)

    def t(self, key: str, **values: object) -> str:
        return self._translate(key, **values)

    def tn(self, key: str, count: int, **values: object) -> str:
        return self._translate.tn(key, count, **values)

    def number(self, value: int | float | None) -> str:
        """1234.5 → "1.234,5" in Indonesian, "1,234.5" in English."""
        return self.t("none") if value is None else i18n.number(value, self.language)

    def jp(self, centi: int | None) -> str:
        return self.number(jp(centi))

    def score(self, centi: int | None) -> str:
        return self.t("none") if centi is None else self.number(jp(centi)) + "%"

    def date(self, moment: datetime) -> str:
        return format_datetime(moment, "d MMMM y", tzinfo=JAKARTA, locale=self.language)

    def moment(self, moment: datetime) -> str:
        return format_datetime(moment, "d MMMM y HH:mm", tzinfo=JAKARTA, locale=self.language)

    def competency_type(self, kind: str) -> str:
        # the LTI pages say "not mapped yet" (type.unmapped); the auditor says "without"
        key = "type.without_mapping" if kind == "unmapped" else f"type.{kind}"
        return self.t(key)

    def compliance(self, compliant: bool | None) -> str:
        return self.t(f"compliance.{compliance_key(compliant)}")

    def employee_type(self, kind: str | None) -> str:
        return kind or self.t("employee.unknown")


def compliance_key(compliant: bool | None) -> str:
    return {True: "compliant", False: "non_compliant", None: "unknown"}[compliant]


def nip_display(nip: str) -> str:
    """The usual grouped writing: 19860926 201505 1 001."""
    return f"{nip[:8]} {nip[8:14]} {nip[14]} {nip[15:]}" if len(nip) == 18 else nip


def texts(language: str) -> Texts:
    return Texts(language if language in i18n.LANGUAGES else i18n.DEFAULT)
