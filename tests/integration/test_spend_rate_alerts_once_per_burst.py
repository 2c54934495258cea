"""A spend-rate rule reads a sliding window (the last ``window_minutes``), so a burst is still in
the window after the aligned period it alerted in has ended: it must not alert again then. A new
alert comes only once a full window has passed since the last one, for spend seen since.

The monitor's own checks are switched off (an hour apart) and the test runs its checks at the
times it chooses (``AlertMonitor.tick(now)`` on the server's event loop), so where the aligned
periods begin is up to the test, never the wall clock.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from gateway.app import StrataApp
from gateway.services.alerts.monitor import AlertMonitor
from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import StartGateway
from tests.integration.test_budget_alerts import FAST, admin, alert_catalog, created, one_call_cost, spend
from tests.support import postgres
from tests.support.gateway import RunningGateway
from tests.support.webhooks import Receiver, verified

HOUR = 3600
Tick = Callable[[float], None]


def checked_by_hand(
    start_gateway: StartGateway, upstream: FakeUpstream, url: str, **settings: Any
) -> tuple[RunningGateway, Tick]:
    """A gateway whose alert checks run only when the test calls ``tick(unix seconds)``."""
    apps: list[StrataApp] = []
    options = {**FAST, "alert_interval_s": HOUR, **settings}
    gateway = start_gateway(alert_catalog(upstream.url), alert_webhook_url=url, prepare=apps.append, **options)
    monitor: AlertMonitor | None = apps[0].state.strata.alerts
    assert monitor is not None and monitor._task is not None
    loop = monitor._task.get_loop()

    def tick(at: float) -> None:
        asyncio.run_coroutine_threadsafe(monitor.tick(datetime.fromtimestamp(at, UTC)), loop).result(timeout=10)

    return gateway, tick


def tick_until(tick: Tick, at: float, receiver: Receiver, count: int) -> None:
    """Check at ``at`` until ``count`` webhooks arrived (the ledger is written a moment after a call)."""
    deadline = time.monotonic() + 15
    while len(receiver.settled(0.05)) < count:
        assert time.monotonic() < deadline, f"expected {count} webhooks, got {len(receiver.deliveries)}"
        tick(at)


def rate_alerts(gateway: RunningGateway, key_id: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = admin(gateway, "GET", f"/alerts?scope_id={key_id}&kind=spend_rate").json()["rows"]
    return rows


def one_burst_alerts_once(gateway: RunningGateway, tick: Tick, receiver: Receiver) -> None:
    per_call = one_call_cost(gateway)
    rule = {"usd_per_hour": 0.5 * per_call, "window_minutes": 60}  # one call is over the hour's limit
    key = created(gateway, "/keys", {"name": "bursty", "alerts": {"spend_rate": rule}})
    before = time.time()
    spend(gateway, key["key"], 1)  # the burst: one call, never another
    boundary = (int(before) // HOUR + 1) * HOUR  # the next hour: the burst is in every window up to it
    tick_until(tick, boundary - 1, receiver, 1)  # the last second of an aligned hour
    first = verified(receiver.deliveries[0])
    assert first["type"] == "budget.spend_rate_exceeded" and first["spend_usd"] == pytest.approx(per_call)

    for at in (boundary, boundary + 1, boundary + 60):  # the next aligned hour: the same burst, in the window
        tick(at)
    assert len(receiver.settled(0.5)) == 1
    assert [a["period"] for a in rate_alerts(gateway, key["id"])] == [first["period"]]


def test_one_burst_sends_one_spend_rate_alert_though_its_window_spans_two_aligned_periods(
    upstream: FakeUpstream, start_gateway: StartGateway, receiver: Receiver
) -> None:
    gateway, tick = checked_by_hand(start_gateway, upstream, receiver.url)
    one_burst_alerts_once(gateway, tick, receiver)


@pytest.fixture()
def database_url() -> Iterator[str]:
    with postgres.migrated_database("strata_rate_alerts") as url:
        yield url


def test_one_burst_alerts_once_on_postgresql(
    database_url: str, upstream: FakeUpstream, start_gateway: StartGateway, receiver: Receiver
) -> None:  # database_url first: dropped after the gateway stops
    gateway, tick = checked_by_hand(start_gateway, upstream, receiver.url, database_url=database_url)
    one_burst_alerts_once(gateway, tick, receiver)


def test_new_spend_after_a_full_window_alerts_again_but_not_sooner(
    upstream: FakeUpstream, start_gateway: StartGateway, receiver: Receiver
) -> None:
    gateway, tick = checked_by_hand(start_gateway, upstream, receiver.url)
    per_call = one_call_cost(gateway)
    rule = {"usd_per_hour": 60 * 0.5 * per_call, "window_minutes": 1}  # one call is over a minute's limit
    key = created(gateway, "/keys", {"name": "twice", "alerts": {"spend_rate": rule}})
    spend(gateway, key["key"], 1)
    first_at = time.time()
    tick_until(tick, first_at, receiver, 1)
    for at in (first_at + 20, first_at + 40, first_at + 59):  # within a window of the alert: the same burst
        tick(at)
    assert len(receiver.settled(0.3)) == 1

    time.sleep(1.1)
    spend(gateway, key["key"], 1)  # new spend, more than a second after the first alert
    tick_until(tick, first_at + 61, receiver, 2)  # a full window on: only the new call is in it
    second = verified(receiver.deliveries[1])
    assert second["spend_usd"] == pytest.approx(per_call)
    assert len({a["period"] for a in rate_alerts(gateway, key["id"])}) == 2
