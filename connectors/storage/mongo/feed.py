"""A feed cursor's gaps as MongoDB keeps them: [[seq, noticed micros], ...] in seq order
(delivery states of destinations, webhook subscriptions)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from hub.storage.mongo.common import instant, micros


def gaps_bson(gaps: Mapping[int, datetime]) -> list[list[int]]:
    return [[seq, micros(when)] for seq, when in sorted(gaps.items())]


def gaps_of(pairs: Iterable[Iterable[int]] | None) -> dict[int, datetime]:
    return {int(seq): instant(when) for seq, when in pairs or []}
