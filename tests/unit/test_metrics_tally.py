"""The metrics' batch fold: what it adds to prometheus_client's families is what one observe() or
inc() per call would have added (observe_many writes a histogram's own bucket values)."""

from __future__ import annotations

import random

from prometheus_client import CollectorRegistry, Histogram, generate_latest

from gateway.observability.gauges import Sampler
from gateway.observability.metrics import DURATION_BUCKETS, GatewayMetrics
from gateway.observability.tally import Buckets, Finished, Tally, _observe, observe_many
from gateway.services.usage.record import UsageEvent
from providers.local.stats import LocalStats


def test_observe_many_adds_what_observe_would() -> None:
    values = [random.uniform(0, 100) for _ in range(500)] + list(DURATION_BUCKETS) + [0.0, 1e9]
    one_by_one, batched = CollectorRegistry(), CollectorRegistry()
    plain = Histogram("h", "x", ["a"], buckets=DURATION_BUCKETS, registry=one_by_one)
    bulk = Histogram("h", "x", ["a"], buckets=DURATION_BUCKETS, registry=batched)
    series: dict[tuple[str, ...], Buckets] = {}
    for value in values:
        plain.labels("v").observe(value)
        _observe(series, ("v",), value, DURATION_BUCKETS)
    observe_many(bulk.labels("v"), series[("v",)].counts, series[("v",)].total)
    strip = [line for line in generate_latest(one_by_one).splitlines() if b"_created" not in line]
    assert strip == [line for line in generate_latest(batched).splitlines() if b"_created" not in line]


def _event(**fields: object) -> UsageEvent:
    base: dict[str, object] = {
        "id": "r",
        "request_id": "r",
        "ts": 0.0,
        "surface": "openai",
        "status": 200,
        "latency_ms": 30.0,
        "key_id": "k1",
        "model": "m",
        "served_model": "m",
        "deployment": "m/0",
        "provider": "openai",
        "attempts": 1,
        "prompt_tokens": 10,
        "completion_tokens": 5,
    }
    return UsageEvent(**{**base, **fields})  # type: ignore[arg-type]


def test_a_batch_counts_each_call_once() -> None:
    metrics = GatewayMetrics()
    tally = Tally()
    for event in (
        _event(),
        _event(),
        _event(status=502, error_type="upstream_error", prompt_tokens=0, completion_tokens=0, attempts=3),
        _event(served_model="backup"),
    ):
        tally.add(Finished(event, "chat", None, None, None))
    tally.apply(metrics)
    registry = metrics.registry
    ok = {
        "surface": "openai",
        "model": "m",
        "deployment": "m/0",
        "provider": "openai",
        "status": "200",
        "error_type": "",
    }
    assert registry.get_sample_value("strata_requests_total", ok) == 3
    assert registry.get_sample_value("strata_retries_total", {"model": "m"}) == 2
    assert registry.get_sample_value("strata_fallbacks_total", {"model": "m", "fallback_model": "backup"}) == 1
    spend = {"model": "m", "key": "k1", "team": "", "type": "input"}
    assert registry.get_sample_value("strata_tokens_total", spend) == 30


def test_local_batch_sizes_and_tokens_are_added_as_they_grow() -> None:
    class Catalog:
        def __init__(self, stats: LocalStats) -> None:
            self.provider = type("P", (), {"stats": stats})()

        def __iter__(self):  # type: ignore[no-untyped-def]
            return iter(())

        def providers(self) -> list[tuple[str, object]]:
            return [("local/0", self.provider)]

    stats = LocalStats()
    metrics = GatewayMetrics()
    sampler = Sampler(metrics, Catalog(stats), None, None)  # type: ignore[arg-type]
    for rows in (1, 4, 4, 9):
        stats.stepped(rows, rows)
    sampler.sample(0.0)
    stats.stepped(2, 2)
    sampler.sample(0.0)
    registry = metrics.registry
    assert registry.get_sample_value("strata_local_tokens_total", {"deployment": "local/0"}) == 20
    assert registry.get_sample_value("strata_local_batch_size_count", {"deployment": "local/0"}) == 5
    assert registry.get_sample_value("strata_local_batch_size_sum", {"deployment": "local/0"}) == 20
    assert registry.get_sample_value("strata_local_batch_size_bucket", {"deployment": "local/0", "le": "4.0"}) == 4
