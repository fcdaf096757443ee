"""ISO 8601 timestamps as xAPI writes them, read and written the same way everywhere."""

from __future__ import annotations

from datetime import UTC, datetime


def parse_timestamp(value: str) -> datetime:
    """ISO 8601 → aware UTC datetime; a missing offset is read as UTC (xAPI Data 4.5).

    ValueError for text that is no timestamp, OverflowError for one whose UTC instant
    lies outside years 1 to 9999 (9999-12-31T23:00:00-05:00)."""
    parsed = datetime.fromisoformat(value.replace("z", "Z"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
