"""Every time the admin API returns is UTC written with ``Z`` (keys and teams were; the audit log
and usage records said ``+00:00``)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from gateway.db.models import AuditEntry
from gateway.services.audit import entry_json


def test_audit_entries_are_written_in_utc_with_z() -> None:
    for ts in (datetime(2026, 12, 5, 15, 0), datetime(2026, 12, 5, 16, 0, tzinfo=timezone(timedelta(hours=1)))):
        entry = AuditEntry(id="a1", ts=ts, actor="master", via="api", action="create", target_type="key")
        assert entry_json(entry)["ts"] == "2026-12-05T15:00:00Z"
