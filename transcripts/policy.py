"""The transcript rules an operator configures (HUB_* settings, docs/configuration.md),
as one value the domain functions take instead of reading Flask's app."""

from __future__ import annotations

from dataclasses import dataclass

from hub.config import Settings
from hub.settings import current_settings


@dataclass(frozen=True)
class Policy:
    counted_verbs: frozenset[str]
    nip_home_pages: tuple[str, ...]
    count_repeats: bool
    minutes_per_jp: int
    requirements_centi: dict[str, int]  # employee type → JP required per year, centi-JP
    issuer_name: str
    public_url: str


def policy_of(settings: Settings) -> Policy:
    return Policy(
        counted_verbs=frozenset(settings.transcripts.verbs),
        nip_home_pages=tuple(settings.transcripts.nip_home_pages),
        count_repeats=settings.transcripts.count_repeats,
        minutes_per_jp=settings.transcripts.minutes_per_jp,
        # PP 17/2020 art. 203(4): PNS at least 20 JP a year; PPPK: HUB_TRANSCRIPT_PPPK_MIN_JP.
        requirements_centi={"PNS": settings.transcripts.pns_min_jp * 100,
                            "PPPK": settings.transcripts.pppk_min_jp * 100},
        issuer_name=settings.transcripts.issuer_name,
        public_url=settings.public_url.rstrip("/"),
    )


def current_policy() -> Policy:
    return policy_of(current_settings())
