"""Circuit verdicts shared by every gateway process through Redis, off the request path.

Each process keeps deciding locally (no Redis round trip while routing); a background task
publishes the circuits it opened (a key per deployment that expires with the cool-down) and
adopts the ones other processes opened. Half-open probes stay per process: at most one probe
per process reaches a recovering deployment. If Redis is unreachable, routing carries on with
local state and readiness reports the sharing as degraded.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from gateway.config.redis import RedisEndpoint
from gateway.logs import LOG
from gateway.services.routing.router import Router

KEY_PREFIX = "strata:circuit:"


class SharedCircuits:
    def __init__(self, router: Router, redis_url: str, interval_s: float = 0.5) -> None:
        self._router = router
        self._url = redis_url
        self._interval = interval_s
        self._client: Any = None
        self._task: asyncio.Task[None] | None = None
        self._published: dict[str, float] = {}
        self.healthy = False
        self.last_error: str | None = None

    async def start(self) -> None:
        # The `redis` extra; only needed when STRATA_REDIS_URL is set.
        self._client = RedisEndpoint.parse(self._url).redis_py(socket_timeout=1.0, socket_connect_timeout=1.0)
        await self.sync_once()
        self._task = asyncio.create_task(self._run(), name="strata-shared-circuits")

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._client is not None:
            await self._client.aclose()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            await self.sync_once()

    async def sync_once(self) -> None:
        try:
            await self._publish_and_adopt()
        except Exception as exc:  # boundary: Redis trouble must never stop routing
            if self.healthy or self.last_error is None:
                LOG.warning(
                    "circuit sharing through Redis failed; using local state", extra={"fields": {"error": repr(exc)}}
                )
            self.healthy, self.last_error = False, repr(exc)
        else:
            if not self.healthy and self.last_error is not None:
                LOG.info("circuit sharing through Redis restored")
            self.healthy, self.last_error = True, None

    async def _publish_and_adopt(self) -> None:
        mono, wall = time.monotonic(), time.time()
        circuits = dict(self._router.circuits())
        pipe = self._client.pipeline(transaction=False)
        for ident, circuit in circuits.items():
            remaining = circuit.open_until - mono
            if remaining > 0 and self._published.get(ident) != circuit.open_until:
                pipe.set(KEY_PREFIX + ident, repr(wall + remaining), px=max(1, int(remaining * 1000)))
                self._published[ident] = circuit.open_until
        ids = self._router.deployment_ids()
        pipe.mget([KEY_PREFIX + ident for ident in ids])
        results = await pipe.execute()
        for ident, value in zip(ids, results[-1], strict=True):
            if value is not None:
                until = float(value)
                if until > wall:
                    self._router.circuit_by_id(ident).force_open(mono + (until - wall))

    async def forget(self, deployment_ids: list[str]) -> None:
        """An operator put deployments back into rotation: clear them everywhere."""
        if self._client is None or not deployment_ids:
            return
        for ident in deployment_ids:
            self._published.pop(ident, None)
        with contextlib.suppress(Exception):
            await self._client.delete(*[KEY_PREFIX + ident for ident in deployment_ids])
