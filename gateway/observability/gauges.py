"""What the metrics task samples each interval: state owned elsewhere, read, never changed.

Circuit states come from the router, the usage writer's backlog and drops from the writer, the
local models' queues, batch sizes and token counts from their providers (plain numbers,
providers/local/stats.py), and the event loop's lag from how late the task itself woke.
Cumulative figures kept elsewhere (records dropped, tokens generated) become counters by adding
what grew since the last sample.
"""

from __future__ import annotations

import time
from bisect import bisect_left
from typing import TYPE_CHECKING

from gateway.observability.metrics import BATCH_BUCKETS, GatewayMetrics
from gateway.observability.tally import observe_many
from gateway.services.routing.circuit import CircuitState
from providers.local.stats import LocalStats

if TYPE_CHECKING:
    from gateway.services.catalog import ModelCatalog
    from gateway.services.routing import Router
    from gateway.services.usage.writer import UsageWriter

CIRCUIT_VALUES = {CircuitState.CLOSED: 0, CircuitState.HALF_OPEN: 1, CircuitState.OPEN: 2}


class Sampler:
    def __init__(
        self, metrics: GatewayMetrics, catalog: ModelCatalog, router: Router, usage: UsageWriter | None
    ) -> None:
        self.metrics = metrics
        self.catalog = catalog
        self.router = router
        self.usage = usage
        self._usage_seen = (0, 0)  # (dropped, written) at the last sample
        self._local_seen: dict[str, tuple[int, dict[int, int]]] = {}  # deployment -> (tokens, batch sizes)
        self._sampled_at = time.monotonic()

    def sample(self, lag_s: float | None = None) -> None:
        """Read everything now (``lag_s``: the periodic task's own measure; a scrape has none)."""
        if lag_s is not None:
            self.metrics.loop_lag.set(max(lag_s, 0.0))
        now = time.monotonic()
        elapsed, self._sampled_at = now - self._sampled_at, now
        self._circuits()
        self._usage()
        self._local(elapsed)

    def _circuits(self) -> None:
        gauge = self.metrics.circuit_state
        for model in self.catalog:
            for deployment in model.deployments:
                state = self.router.circuit(deployment).state()
                gauge.labels(model.name, deployment.id).set(CIRCUIT_VALUES[state])

    def _usage(self) -> None:
        usage = self.usage
        if usage is None:
            return
        self.metrics.usage_backlog.set(usage.backlog)
        dropped, written = self._usage_seen
        if usage.dropped > dropped:
            self.metrics.usage_dropped.inc(usage.dropped - dropped)
        if usage.written > written:
            self.metrics.usage_written.inc(usage.written - written)
        self._usage_seen = (usage.dropped, usage.written)

    def _local(self, interval_s: float) -> None:
        metrics = self.metrics
        for name, provider in self.catalog.providers():
            stats = getattr(provider, "stats", None)
            if not isinstance(stats, LocalStats):
                continue
            tokens_before, sizes_before = self._local_seen.get(name, (0, {}))
            metrics.local_queue.labels(name).set(stats.queue_depth)
            grown = stats.tokens - tokens_before
            if grown:
                metrics.local_tokens.labels(name).inc(grown)
            metrics.local_tokens_per_s.labels(name).set(grown / interval_s if interval_s > 0 else 0.0)
            counts = [0] * (len(BATCH_BUCKETS) + 1)
            total = 0.0
            for size, steps in stats.batch_sizes.items():
                new = steps - sizes_before.get(size, 0)
                if new:
                    counts[bisect_left(BATCH_BUCKETS, size)] += new
                    total += size * new
            observe_many(metrics.local_batch.labels(name), counts, total)
            self._local_seen[name] = (stats.tokens, dict(stats.batch_sizes))
