"""Waiting in tests for what another thread or process does: poll a condition until it
holds or the time is up."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_for(condition: Callable[[], object], timeout: float = 20.0,
             interval: float = 0.05) -> bool:
    """Whether `condition()` became true within `timeout` seconds (asked once more at the
    end, so a slow last poll still counts)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return bool(condition())
