"""The learner's year at a glance on the landing page, through a port.

LTI knows launches, not transcripts: `LearnerSummaryReader` is the port through which
the landing page asks for a civil servant's JP of the year; transcripts fills it
(`transcripts.learner.learner_summary`).  Without it the page says the summary is not
available and still lists the catalogue.

`PartnerCatalogue` is the hook the platform role fills, as it fills
`lti.tool.launch.set_target_launcher`: the partner activities the page lists and opens.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from flask import Flask, current_app

from lti.tool.launch import Launch
from lti.tool.storage.contract import CatalogueEntry

log = logging.getLogger(__name__)

_LEARNER_SUMMARY = "lti.learner_summary"
RECENT_LIMIT = 10


@dataclass(frozen=True)
class CountedActivity:
    """One activity that counted towards the year's JP."""

    name: str
    date: date  # in Asia/Jakarta time, as the transcript dates it
    jp_centi: int
    competency_type: str  # teknis | manajerial | sosial_kultural | unmapped


@dataclass(frozen=True)
class LearnerSummary:
    nip: str
    year: int
    jp_centi: int
    required_jp_centi: int  # the person's requirement, else the PNS one (PP 17/2020)
    jp_by_type_centi: Mapping[str, int]  # teknis, manajerial, sosial_kultural, unmapped
    recent: tuple[CountedActivity, ...]  # newest first, at most RECENT_LIMIT


class LearnerSummaryReader(Protocol):
    """The summary of `nip`'s current year, None when the hub knows no such person.
    `viewer` names who reads it, for the access log ("lti:<issuer> <sub>")."""

    def __call__(self, nip: str, *, viewer: str) -> LearnerSummary | None: ...


def set_learner_summary(app: Flask, reader: LearnerSummaryReader) -> None:
    app.extensions[_LEARNER_SUMMARY] = reader


def summary_available() -> bool:
    return _LEARNER_SUMMARY in current_app.extensions


def learner_summary(nip: str, *, viewer: str) -> LearnerSummary | None:
    reader = current_app.extensions.get(_LEARNER_SUMMARY)
    if reader is None:
        return None
    return reader(nip, viewer=viewer)


# --- the partner activities a learner may open ------------------------------------------
_PARTNER_CATALOGUE = "lti.partner_catalogue"


class PartnerCatalogue(Protocol):
    """What the platform role (lti.platform) offers a launched learner: the catalogue
    entries placed on a partner tool, and the launch of one of them."""

    def offered(self) -> list[CatalogueEntry]: ...

    def open(self, entry_id: str, launch: Launch) -> Any:
        """A Flask response that starts the partner launch, or None (not offered)."""


def set_partner_catalogue(app: Flask, catalogue: PartnerCatalogue) -> None:
    app.extensions[_PARTNER_CATALOGUE] = catalogue


def partner_catalogue() -> PartnerCatalogue | None:
    return current_app.extensions.get(_PARTNER_CATALOGUE)
