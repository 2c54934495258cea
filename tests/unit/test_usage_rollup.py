"""Daily roll-ups: latency buckets, percentiles read back from histograms, and aggregation."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from gateway.services.usage.rollup import MAX_BUCKET, aggregate, bucket_bounds, latency_bucket, percentile


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


def _row(ts: datetime, key: str | None, model: str | None, latency: float, error: bool = False) -> dict[str, Any]:
    return {
        "ts": ts,
        "key_id": key,
        "team_id": None,
        "model": model,
        "is_error": error,
        "prompt_tokens": 3,
        "completion_tokens": 4,
        "cached_tokens": 1,
        "cost_usd": Decimal("0.25"),
        "latency_ms": latency,
    }


def test_aggregate_groups_by_day_key_team_and_model() -> None:
    day1, day2 = datetime(2026, 1, 1, 23, 59, tzinfo=UTC), datetime(2026, 1, 2, 0, 1, tzinfo=UTC)
    rows = [
        _row(day1, "k", "m", 10),
        _row(day1, "k", "m", 11, error=True),
        _row(day2, "k", "m", 500),
        _row(day1, None, None, 3),
    ]
    daily, latency = aggregate(rows)
    assert [(d["day"], d["key_id"], d["team_id"], d["model"]) for d in daily] == [
        (date(2026, 1, 1), "", "", ""),
        (date(2026, 1, 1), "k", "", "m"),
        (date(2026, 1, 2), "k", "", "m"),
    ]
    k1 = daily[1]
    assert (k1["requests"], k1["errors"], k1["prompt_tokens"], k1["completion_tokens"], k1["cached_tokens"]) == (
        2,
        1,
        6,
        8,
        2,
    )
    assert k1["cost_usd"] == Decimal("0.50") and k1["latency_ms_total"] == 21
    assert sum(r["requests"] for r in latency) == 4
    same_bucket = [r for r in latency if r["day"] == date(2026, 1, 1) and r["key_id"] == "k"]
    assert [(r["bucket"], r["requests"]) for r in same_bucket] == [(latency_bucket(10), 2)]  # 10 and 11 ms
    keys = [(r["day"], r["key_id"], r["team_id"], r["model"], r["bucket"]) for r in latency]
    assert keys == sorted(keys)
