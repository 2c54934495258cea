"""The metrics recorder: an append on the request path, everything else in one periodic task.

The request boundary hands over each finished model call (``submit``: a deque append). Every
``interval_s`` the task folds what arrived into sums (tally.py), in slices so that a busy second's
calls never hold the event loop for long, and adds the sums to the families in bulk; then it
samples the gauges (gauges.py), the event loop's lag being how late its own timer fired. A scrape
folds what is pending first, so one process's ``/metrics`` is exact at once; under several
workers another worker's calls show within its next interval.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import TYPE_CHECKING

from gateway.logs import LOG
from gateway.observability.gauges import Sampler
from gateway.observability.metrics import GatewayMetrics
from gateway.observability.tally import Finished, Tally
from gateway.services.context import CallContext
from gateway.services.usage.record import UsageEvent

if TYPE_CHECKING:
    from gateway.services.pricing import PriceTable

SLICE = 512  # calls folded between two yields to the event loop


class MetricsRecorder:
    def __init__(
        self, metrics: GatewayMetrics, sampler: Sampler, pricing: PriceTable | None, interval_s: float = 1.0
    ) -> None:
        self.metrics = metrics
        self.sampler = sampler
        self.pricing = pricing
        self.interval_s = interval_s
        self._pending: deque[Finished] = deque()
        self._tally = Tally(pricing)  # sums of calls folded and not yet applied
        self._task: asyncio.Task[None] | None = None

    def submit(self, call: CallContext, event: UsageEvent) -> None:
        """The request path's part: keep what the record lacks, and append."""
        self._pending.append(
            Finished(event, call.operation, call.routed_model, call.quota_refusal, call.guardrails, call.cache)
        )

    def fold(self) -> int:
        """Add every pending call to the families now (a scrape, the end); how many were added."""
        count = self._add(len(self._pending))
        self._apply()
        return count

    def refresh(self) -> None:
        """Before a scrape: this process's pending calls folded in, its gauges read now."""
        self.fold()
        self.sampler.sample()

    def _add(self, limit: int) -> int:
        """Fold up to ``limit`` pending calls into the running sums; how many were folded."""
        pending, tally = self._pending, self._tally
        count = min(limit, len(pending))
        for _ in range(count):
            tally.add(pending.popleft())
        return count

    def _apply(self) -> None:
        """The running sums into the families: one prometheus_client call per label set."""
        tally, self._tally = self._tally, Tally(self.pricing)
        tally.apply(self.metrics)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="strata-metrics")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
        self.fold()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            asked = loop.time()
            await asyncio.sleep(self.interval_s)
            lag = loop.time() - asked - self.interval_s
            started = time.monotonic()
            try:
                while self._add(SLICE) == SLICE:  # a busy interval's calls, a slice at a time
                    await asyncio.sleep(0)
                self._apply()
                self.sampler.sample(lag)
            except Exception:  # boundary: metrics must never stop, nor stop serving
                LOG.exception("metrics task failed; it carries on")
            if time.monotonic() - started > self.interval_s:
                LOG.warning("metrics task is behind", extra={"fields": {"pending": len(self._pending)}})
