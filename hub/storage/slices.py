"""What every engine does with the slices installed on it, whatever it stores them in."""

from __future__ import annotations

from collections.abc import Iterable


def reseal_private_keys_of(slice_stores: Iterable[object]) -> dict[str, int]:
    """`reseal_private_keys()` of every slice whose stores have one, counts merged."""
    counts: dict[str, int] = {}
    for stores in slice_stores:
        reseal = getattr(stores, "reseal_private_keys", None)
        if reseal is not None:
            counts.update(reseal())
    return counts
