"""Every deployment's state for the overview and the models page: healthy, cooling down or failing,
and why, in a sentence; for local models whether loaded, their queue and the batch sizes run.

The router's snapshot says what this process sees now (circuit, in flight, latency); the ledger's
latest errors (the partial errors index: cheap however large the ledger) say what went wrong.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, text

from gateway.db.models import USAGE_ERROR_SQL
from gateway.db.types import UtcDateTime, as_utc
from gateway.lifespan import AppState
from gateway.services.catalog import DeploymentHandle
from providers.local.stats import LocalStats

Json = dict[str, Any]
RECENT_ERRORS = 500  # the latest failed records looked at, within the last hour

_STATUS = {
    "healthy": "healthy",
    "rate_limited": "cooling down",
    "cooling_down": "failing",
    "half_open": "testing",
}


async def latest_errors(state: AppState) -> dict[str, Json]:
    """The most recent failed record of each deployment within the last hour."""
    sql = text(
        f"SELECT deployment, status, error_type, ts FROM usage_records WHERE ({USAGE_ERROR_SQL}) "
        f"AND ts >= :since ORDER BY ts DESC LIMIT {RECENT_ERRORS}"
    ).bindparams(bindparam("since", type_=UtcDateTime()))
    since = datetime.now(UTC) - timedelta(hours=1)
    async with state.db.engine.connect() as conn:
        rows = (await conn.execute(sql, {"since": since})).all()
    found: dict[str, Json] = {}
    for row in rows:
        if row.deployment and row.deployment not in found:
            ts = row.ts if isinstance(row.ts, datetime) else datetime.fromisoformat(str(row.ts))
            found[row.deployment] = {"status": row.status, "error_type": row.error_type, "ts": as_utc(ts)}
    return found


def _ago(moment: datetime) -> str:
    seconds = int((datetime.now(UTC) - moment).total_seconds())
    if seconds < 90:
        return f"{max(seconds, 0)} s ago"
    return f"{seconds // 60} min ago"


def _why(row: Json, problem: str | None, health: Any, error: Json | None) -> str:
    last = ""
    if error is not None:
        kind = error["error_type"] or "error"
        last = f" The last failed request was {kind} (HTTP {error['status']}) {_ago(error['ts'])}."
    if problem:
        return f"It failed to start: {problem}."
    if health is not None and not health.ready:
        return f"The model is {health.state.value}{': ' + health.detail if health.detail else ''}."
    state = row["state"]
    if state == "cooling_down":
        return f"Its circuit is open after repeated failures; it gets no traffic for now.{last}"
    if state == "half_open":
        return f"Its cool-down is over; the next request tests it.{last}"
    if state == "rate_limited":
        return f"The upstream asked for a pause (rate limited) for {row['cooling_for_s'] or 0:g} s more.{last}"
    return f"Serving normally.{last}" if last else "Serving normally."


def _local(handle: DeploymentHandle) -> Json | None:
    stats = getattr(handle.provider, "stats", None)
    if not isinstance(stats, LocalStats):
        return None
    config = handle.config
    sizes = ", ".join(f"{rows}×{count}" for rows, count in sorted(stats.batch_sizes.items())) or "none yet"
    return {
        "queue": stats.queue_depth,
        "batch_limit": getattr(config, "batch_limit", None),
        "max_queue": getattr(config, "max_queue_length", None),
        "batch_sizes": sizes,
        "steps": stats.steps,
    }


async def deployment_rows(state: AppState) -> list[Json]:
    """One row per deployment of every model, with its state in words and why."""
    errors = await latest_errors(state)
    router = state.invoker.router
    rows = []
    for model in state.catalog:
        handles = {handle.id: handle for handle in model.deployments}
        for snap in router.snapshot(model):
            handle = handles[snap["deployment"]]
            health = await handle.provider.health()
            problem = state.problems.get(handle.id)
            status = "failing" if problem or health.state.value == "failed" else _STATUS.get(snap["state"], "healthy")
            if health.state.value == "loading":
                status = "loading"
            rows.append(
                {
                    **snap,
                    "model": model.name,
                    "strategy": model.strategy,
                    "provider": handle.provider_type,
                    "upstream_model": getattr(handle.config, "model", None),
                    "status": status,
                    "why": _why(snap, problem, health, errors.get(handle.id)),
                    "loaded": health.ready,
                    "local": _local(handle),
                }
            )
    return rows
