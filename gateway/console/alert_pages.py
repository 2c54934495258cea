"""Budget alerts: the alerts the monitor recorded (what was crossed, when, and how its webhook
delivery went), newest first with filters; and sending one's webhook again, audited as the admin
API's ``POST /admin/alerts/{id}/redeliver`` is."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from gateway.console.deps import ConsoleDep, Form, SignedIn, StateDep, audit_log
from gateway.errors import NotFound, ServiceUnavailable
from gateway.services.alerts.store import AlertFilter, shown_id

router = APIRouter()
PAGE = 50
STATUSES = ("pending", "delivered", "failed")
KINDS = ("threshold", "spend_rate")


def _choice(value: str, allowed: tuple[str, ...]) -> str | None:
    return value if value in allowed else None


@router.get("/alerts", summary="Budget alerts")
async def alerts_page(
    request: Request,
    state: StateDep,
    console: ConsoleDep,
    session: SignedIn,
    status: str = "",
    kind: str = "",
    scope: str = "",
    cursor: str = "",
    redelivered: str = "",
) -> Response:
    filters = {"status": _choice(status, STATUSES) or "", "kind": _choice(kind, KINDS) or "", "scope": scope[:40]}
    rows: list[dict[str, object]] = []
    following = None
    if state.alerts is not None:
        where = AlertFilter(None, filters["scope"] or None, filters["kind"] or None, filters["status"] or None)
        rows, following = await state.alerts.store.query(where, PAGE, cursor[:64] or None)
    query = urlencode({k: v for k, v in filters.items() if v})
    return console.pages.render(
        request,
        "alerts.html",
        session=session,
        title="Alerts",
        rows=rows,
        filters=filters,
        statuses=STATUSES,
        kinds=KINDS,
        available=state.alerts is not None,
        monitoring=state.settings.alerts,
        redelivered=redelivered[:40],
        next_page=f"?{query}&cursor={following}" if following else None,
    )


@router.post("/alerts/{alert_id}/redeliver", summary="Send an alert's webhook again")
async def redeliver(request: Request, alert_id: str, state: StateDep, submitted: Form) -> Response:
    monitor = state.alerts
    if monitor is None:
        raise ServiceUnavailable("Budget alerts are not available in this gateway.")
    if await monitor.redeliver(alert_id, datetime.now(UTC)) is None:  # to the rule's current URL
        raise NotFound(f"There is no alert {shown_id(alert_id)!r}.")
    await audit_log(state).record(submitted.session.key_id, "console", "redeliver", "alert", alert_id)
    return RedirectResponse(f"{request.scope.get('root_path', '')}/alerts?redelivered={alert_id}", status_code=303)
