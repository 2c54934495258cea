"""Times as the admin API writes them: UTC, ISO 8601, ending in ``Z``."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_text(moment: datetime) -> str:
    """``moment`` as UTC text ending in ``Z`` (a naive time is taken as UTC: SQLite returns them)."""
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return aware.isoformat().replace("+00:00", "Z")
