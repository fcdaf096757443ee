"""Disabling and enabling a registration, the same for both LTI roles: the tool's
platforms and the platform's partner tools."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

T = TypeVar("T")


def set_enabled(set_disabled: Callable[[int, datetime | None], bool],
                load: Callable[[int], T], registration_id: int, enabled: bool,
                missing: str) -> T:
    """Disable (now) or enable again through the store's `set_disabled`, then `load` the
    registration.  Raises LookupError(`missing`) when there is no such registration."""
    if not set_disabled(registration_id, None if enabled else datetime.now(UTC)):
        raise LookupError(missing)
    return load(registration_id)
