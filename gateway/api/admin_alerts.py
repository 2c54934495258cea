"""``GET /admin/alerts``: the budget alerts recorded, with their webhook delivery; and
``POST /admin/alerts/{id}/redeliver`` to send one again (admin keys only).

Alerts are system events, not admin changes, so they are not audit entries; changing a key's or
team's alert rules is (through the key and team APIs), and so is asking for a redelivery.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from gateway.api.admin import Admin
from gateway.api.usage import _utc
from gateway.deps import State
from gateway.errors import NotFound, ServiceUnavailable
from gateway.lifespan import AppState
from gateway.services.alerts.monitor import AlertMonitor
from gateway.services.alerts.store import AlertFilter, alert_json, shown_id
from gateway.services.audit import PAGE_CURSOR, AuditLog

router = APIRouter(prefix="/admin", tags=["Admin: budget alerts"])


def _monitor(state: AppState) -> AlertMonitor:
    if state.alerts is None:
        raise ServiceUnavailable("Budget alerts are not available in this gateway.")
    return state.alerts


@router.get("/alerts", summary="Budget alerts recorded, newest first, with their delivery status")
async def list_alerts(
    state: State,
    _: Admin,
    scope_kind: Annotated[Literal["key", "team"] | None, Query()] = None,
    scope_id: Annotated[str | None, Query(max_length=40, description="a key's or team's id")] = None,
    kind: Annotated[Literal["threshold", "spend_rate"] | None, Query()] = None,
    status: Annotated[Literal["pending", "delivered", "failed"] | None, Query()] = None,
    since: Annotated[datetime | None, Query(description="created at or after (ISO 8601; UTC if no offset)")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Query(pattern=PAGE_CURSOR, description="`next_cursor` of the previous page")] = None,
) -> dict[str, Any]:
    where = AlertFilter(scope_kind, scope_id, kind, status, _utc(since))
    rows, following = await _monitor(state).store.query(where, limit, cursor)
    return {"rows": rows, "next_cursor": following}


@router.post("/alerts/{alert_id}/redeliver", summary="Send an alert's webhook again (at the next check)")
async def redeliver(alert_id: str, state: State, admin: Admin) -> dict[str, Any]:
    """To the URL the key's or team's rules name now (``webhook_url_source``: ``rule``, ``default``
    for the gateway's, or ``recorded`` when the rules are gone and the alert's own URL is kept)."""
    found = await _monitor(state).redeliver(alert_id, datetime.now(UTC))
    if found is None:
        raise NotFound(f"No alert {shown_id(alert_id)!r}.")
    row, where = found
    await AuditLog(state.db.sessions).record(admin.key_id, "api", "redeliver", "alert", alert_id)
    return {**alert_json(row), "webhook_url_source": where.source}
