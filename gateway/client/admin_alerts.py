"""``client.admin.alerts`` (budget alerts and their webhook delivery) and ``client.admin.cache``
(dropping the response cache's answers), sync and async, over the calls defined here as data."""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Any, TypedDict, Unpack
from urllib.parse import quote

from gateway.client.alert_types import Alert, AlertPage, CacheCleared
from gateway.client.transport import AsyncTransport, Call, SyncTransport

ALERT_PAGE = 500


class AlertFilters(TypedDict, total=False):
    """``since``: created at or after (a datetime, or ISO 8601; UTC when it has no offset)."""

    scope_kind: str | None  # "key" | "team"
    scope_id: str | None
    kind: str | None  # "threshold" | "spend_rate"
    status: str | None  # "pending" | "delivered" | "failed"
    since: datetime | str | None


def list_alerts(filters: AlertFilters, page_size: int, cursor: str | None) -> Call[AlertPage]:
    params: dict[str, Any] = {k: v.isoformat() if isinstance(v, datetime) else v for k, v in filters.items()}
    params |= {"limit": page_size, "cursor": cursor}
    return Call("GET", "/admin/alerts", AlertPage.model_validate, params=params)


def redeliver_alert(alert_id: str) -> Call[Alert]:
    return Call("POST", f"/admin/alerts/{quote(alert_id, safe='')}/redeliver", Alert.model_validate)


def clear_cache(model: str | None, team: str | None) -> Call[CacheCleared]:
    params = {"model": model, "team": team}
    return Call("DELETE", "/admin/cache", CacheCleared.model_validate, params=params)


class Alerts:
    def __init__(self, transport: SyncTransport) -> None:
        self._t = transport

    def list(self, *, page_size: int = ALERT_PAGE, **filters: Unpack[AlertFilters]) -> builtins.list[Alert]:
        """Every matching alert, newest first (the gateway's pages walked to the end)."""
        found: builtins.list[Alert] = []
        cursor: str | None = None
        while True:
            page = self._t.run(list_alerts(filters, page_size, cursor))
            found += page.rows
            if page.next_cursor is None:
                return found
            cursor = page.next_cursor

    def redeliver(self, alert_id: str) -> Alert:
        """Send the alert's webhook again, at the monitor's next check (status back to pending)."""
        return self._t.run(redeliver_alert(alert_id))


class Cache:
    def __init__(self, transport: SyncTransport) -> None:
        self._t = transport

    def clear(self, model: str | None = None, team: str | None = None) -> CacheCleared:
        """Drop cached answers: a model's, a team's, both, or (neither given) all; on every gateway."""
        return self._t.run(clear_cache(model, team))


class AsyncAlerts:
    def __init__(self, transport: AsyncTransport) -> None:
        self._t = transport

    async def list(self, *, page_size: int = ALERT_PAGE, **filters: Unpack[AlertFilters]) -> builtins.list[Alert]:
        found: builtins.list[Alert] = []
        cursor: str | None = None
        while True:
            page = await self._t.run(list_alerts(filters, page_size, cursor))
            found += page.rows
            if page.next_cursor is None:
                return found
            cursor = page.next_cursor

    async def redeliver(self, alert_id: str) -> Alert:
        return await self._t.run(redeliver_alert(alert_id))


class AsyncCache:
    def __init__(self, transport: AsyncTransport) -> None:
        self._t = transport

    async def clear(self, model: str | None = None, team: str | None = None) -> CacheCleared:
        return await self._t.run(clear_cache(model, team))
