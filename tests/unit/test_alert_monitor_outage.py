"""A database out of reach skips the budget alert checks with one warning line each, not an error
with a traceback per check, and the monitor keeps running for when it is back."""

from __future__ import annotations

import asyncio
import logging

import pytest

from gateway.db.session import make_engine, make_sessions
from gateway.services.alerts.monitor import AlertMonitor
from gateway.services.alerts.store import AlertStore
from gateway.services.alerts.webhook import WebhookConfig


def test_an_unreachable_database_is_a_warning_per_check_and_the_monitor_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def run() -> bool:
        engine = make_engine("postgresql+asyncpg://postgres@127.0.0.1:1/nowhere")  # nothing listens on port 1
        sessions = make_sessions(engine)
        webhook = WebhookConfig(default_url=None, secret=None, timeout_s=1, attempts=1, backoff_s=0.1)
        monitor = AlertMonitor(
            sessions, AlertStore(sessions, "postgresql"), webhook, interval_s=0.02, redelivery_s=1, max_age_s=60
        )
        monitor.start()
        await asyncio.sleep(0.3)
        running = monitor._task is not None and not monitor._task.done()
        await monitor.aclose()
        await engine.dispose()
        return running

    with caplog.at_level(logging.WARNING, logger="strata"):
        assert asyncio.run(run()), "the monitor is still running"
    checks = [r for r in caplog.records if "budget alert check" in r.getMessage()]
    assert len(checks) >= 2
    assert all(r.levelno == logging.WARNING and r.exc_info is None for r in checks)
