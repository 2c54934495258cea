"""Usage records written straight into a gateway's database with the gateway's own store (so the
daily roll-ups agree with them), for pages that must show known numbers."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

from gateway.db.database import Database
from gateway.services.usage.record import UsageEvent
from gateway.services.usage.store import UsageStore

COST = Decimal("0.01")  # every seeded record costs one cent


class _FlatPrice:
    def cost(self, deployment_id: str | None, prompt: int, completion: int, cached: int = 0) -> Decimal:
        return COST


def event(ago_s: float, model: str, key_id: str, team_id: str | None, status: int = 200) -> UsageEvent:
    return UsageEvent(
        id=os.urandom(16).hex(),
        request_id=os.urandom(8).hex(),
        ts=time.time() - ago_s,
        surface="openai",
        status=status,
        latency_ms=100.0 + (ago_s % 400),
        key_id=key_id,
        team_id=team_id,
        model=model,
        served_model=model,
        deployment=f"{model}/0",
        provider="openai",
        prompt_tokens=100,
        completion_tokens=20,
        error_type="upstream_error" if status >= 400 else None,
    )


def seed(data_dir: str | Path, events: list[UsageEvent]) -> None:
    """Write ``events`` into the SQLite database of the gateway whose data dir is ``data_dir``."""

    async def write() -> None:
        db = Database.connect(f"sqlite+aiosqlite:///{Path(data_dir).resolve() / 'strata.db'}")
        try:
            store = UsageStore(db)
            await store.write(store.rows(events, _FlatPrice()))
        finally:
            await db.aclose()

    run_async(write)


def run_async(work: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """``asyncio.run(work())`` in a thread of its own: Playwright's sync API may keep an event loop
    running in this one (the browser tests share the session)."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(lambda: asyncio.run(work())).result()
