"""Daily roll-ups: totals and latency histograms per (day, key, team, model).

They are updated in the same transaction as the records they count, from the records that
transaction actually inserted, so a batch written twice (a retry after an ambiguous failure)
counts once. Counters are added with ``INSERT ... ON CONFLICT DO UPDATE SET n = n + excluded.n``,
atomic on both SQLite and PostgreSQL, so any number of gateway replicas may write at once.

The database sums the new records itself, not Python: PostgreSQL in the very statement that
inserts them (``postgres_rollups``: they come RETURNING from it); SQLite, which cannot chain
statements that way, in two statements after the insert, given the new record ids
(``sqlite_rollups``). Either way the writer's only work per record is its latency bucket, in C.

Latency percentiles come from logarithmic histograms (four buckets per doubling), which add
up across days and groups where percentiles would not: a percentile read back from one is
within about 9% of the exact value.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping

from gateway.db.models import USAGE_ERROR_SQL

BUCKETS_PER_DOUBLING = 4
MAX_BUCKET = 120  # 2 ** (119 / 4) ms is about nine days: anything slower shares the last bucket
# Bucket b >= 1 starts at LOWER_BOUNDS[b - 1]. Python (bisect) and PostgreSQL (width_bucket) both
# count the bounds at or below a latency, from these same doubles, so they agree to the last bit.
LOWER_BOUNDS = tuple(2 ** (b / BUCKETS_PER_DOUBLING) for b in range(MAX_BUCKET))

_GROUP = ("day", "key_id", "team_id", "model")
_COUNTERS = ("requests", "errors", "prompt_tokens", "completion_tokens", "cached_tokens", "cost_usd")
DAILY_COLUMNS = (*_GROUP, *_COUNTERS, "latency_ms_total", "cache_hits", "saved_usd")
LATENCY_COLUMNS = (*_GROUP, "bucket", "requests")
DAILY_CONFLICT = f"ON CONFLICT ({', '.join(_GROUP)}) DO UPDATE SET " + ", ".join(
    f"{name} = usage_daily.{name} + excluded.{name}" for name in DAILY_COLUMNS[len(_GROUP) :]
)
LATENCY_CONFLICT = (
    f"ON CONFLICT ({', '.join(_GROUP)}, bucket) "
    "DO UPDATE SET requests = usage_daily_latency.requests + excluded.requests"
)


def latency_bucket(ms: float) -> int:
    """Bucket 0 holds [0, 1) ms; bucket b >= 1 holds [2 ** ((b-1)/4), 2 ** (b/4)) ms."""
    if not ms >= 1:  # also NaN
        return 0
    return bisect_right(LOWER_BOUNDS, ms)


def bucket_bounds(bucket: int) -> tuple[float, float]:
    if bucket <= 0:
        return 0.0, 1.0
    return 2 ** ((bucket - 1) / BUCKETS_PER_DOUBLING), 2 ** (bucket / BUCKETS_PER_DOUBLING)


def percentile(histogram: Mapping[int, int], q: float) -> float | None:
    """The q-quantile (0..1) of a {bucket: count} histogram, interpolated inside its bucket."""
    total = sum(histogram.values())
    if total <= 0:
        return None
    rank = q * total
    seen = 0
    for bucket in sorted(histogram):
        count = histogram[bucket]
        if count <= 0:
            continue
        if seen + count >= rank:
            low, high = bucket_bounds(bucket)
            fraction = (rank - seen) / count
            if bucket == 0:
                return low + (high - low) * fraction
            return float(low * (high / low) ** fraction)
        seen += count
    return bucket_bounds(max(histogram))[1]  # rounding left the rank just past the last count


def postgres_rollups(new: str, bounds_param: str) -> str:
    """PostgreSQL: common table expressions that add the rows of CTE ``new`` (the records just
    inserted, RETURNING ts, key_id, team_id, model, status, error_type, the token counts, cache,
    saved_usd, cost_usd and latency_ms) to both roll-ups, in primary-key order so that concurrent writers lock rows
    in one order (no deadlocks between replicas). ``bounds_param`` holds LOWER_BOUNDS."""
    group = ", ".join(_GROUP)
    return f"""grouped AS (
        SELECT (ts AT TIME ZONE 'UTC')::date AS day, coalesce(key_id, '') AS key_id,
               coalesce(team_id, '') AS team_id, coalesce(model, '') AS model, ({USAGE_ERROR_SQL}) AS failed,
               prompt_tokens, completion_tokens, cached_tokens, cost_usd, latency_ms, cache, saved_usd,
               width_bucket(latency_ms, {bounds_param}) AS bucket
        FROM {new}
    ), daily AS (
        INSERT INTO usage_daily ({", ".join(DAILY_COLUMNS)})
        SELECT {group}, count(*), count(*) FILTER (WHERE failed), sum(prompt_tokens), sum(completion_tokens),
               sum(cached_tokens), sum(cost_usd), sum(latency_ms), count(cache), coalesce(sum(saved_usd), 0)
        FROM grouped GROUP BY {group} ORDER BY {group}
        {DAILY_CONFLICT}
    ), latency AS (
        INSERT INTO usage_daily_latency ({", ".join(LATENCY_COLUMNS)})
        SELECT {group}, bucket, count(*) FROM grouped GROUP BY {group}, bucket ORDER BY {group}, bucket
        {LATENCY_CONFLICT}
    )"""


def sqlite_rollups() -> tuple[str, str]:
    """SQLite: the (daily, latency) upserts that add the records named by their one parameter, a
    JSON object {record id: latency bucket} of the records this transaction inserted. (SQLite
    has a single writer at a time: lock order does not matter.)"""
    group = "substr(r.ts, 1, 10), coalesce(r.key_id, ''), coalesce(r.team_id, ''), coalesce(r.model, '')"
    # WHERE true: an upsert's SELECT needs a WHERE, or SQLite reads ON CONFLICT as a join's ON.
    source = "FROM json_each(?) AS new JOIN usage_records AS r ON r.id = new.key WHERE true"
    daily = (
        f"INSERT INTO usage_daily ({', '.join(DAILY_COLUMNS)}) "
        f"SELECT {group}, count(*), sum({USAGE_ERROR_SQL}), sum(r.prompt_tokens), sum(r.completion_tokens), "
        f"sum(r.cached_tokens), sum(r.cost_usd), sum(r.latency_ms), count(r.cache), coalesce(sum(r.saved_usd), 0) "
        f"{source} GROUP BY 1, 2, 3, 4 {DAILY_CONFLICT}"
    )
    latency = (
        f"INSERT INTO usage_daily_latency ({', '.join(LATENCY_COLUMNS)}) "
        f"SELECT {group}, new.value, count(*) {source} GROUP BY 1, 2, 3, 4, 5 {LATENCY_CONFLICT}"
    )
    return daily, latency
