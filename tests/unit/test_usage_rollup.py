"""Daily roll-ups: latency buckets and percentiles read back from histograms. What the roll-up tables
say after writes is in tests/integration/test_usage_store.py (both databases)."""

from __future__ import annotations

import math
import random

import pytest

from gateway.services.usage.rollup import LOWER_BOUNDS, MAX_BUCKET, bucket_bounds, latency_bucket, percentile


def test_buckets_cover_latencies_in_order() -> None:
    assert latency_bucket(0) == 0 and latency_bucket(0.99) == 0 and latency_bucket(float("nan")) == 0
    previous = 0
    for ms in (1, 1.5, 2, 10, 100, 1000, 60_000, 3_600_000):
        bucket = latency_bucket(ms)
        low, high = bucket_bounds(bucket)
        assert low <= ms < high and bucket >= previous
        previous = bucket
    assert latency_bucket(1e12) == MAX_BUCKET


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_percentiles_from_histograms_are_within_nine_percent(seed: int) -> None:
    rng = random.Random(seed)
    latencies = sorted(rng.lognormvariate(6, 1.2) for _ in range(20_000))  # median ~400 ms, long tail
    histogram: dict[int, int] = {}
    for ms in latencies:
        histogram[latency_bucket(ms)] = histogram.get(latency_bucket(ms), 0) + 1
    for q in (0.5, 0.95, 0.99):
        exact = latencies[int(q * len(latencies)) - 1]
        estimate = percentile(histogram, q)
        assert estimate is not None and abs(estimate - exact) / exact < 0.09


def test_percentile_edge_cases() -> None:
    assert percentile({}, 0.5) is None
    assert percentile({5: 0}, 0.5) is None
    low, high = bucket_bounds(40)
    assert low <= (percentile({40: 1}, 0.5) or 0) <= high
    assert percentile({0: 2}, 1.0) == 1.0


def test_buckets_start_exactly_at_their_lower_bounds() -> None:
    """PostgreSQL buckets with width_bucket over the same bounds: edges must be unambiguous."""
    for bucket in range(1, MAX_BUCKET):
        low, high = bucket_bounds(bucket)
        assert (low, high) == (LOWER_BOUNDS[bucket - 1], 2 ** (bucket / 4))
        assert latency_bucket(low) == bucket and latency_bucket(math.nextafter(low, 0)) == bucket - 1
    assert latency_bucket(math.nextafter(1.0, 0)) == 0 and latency_bucket(-5) == 0
