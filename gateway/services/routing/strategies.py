"""Routing strategies: each orders a pool's eligible deployments, best first.

A strategy only orders; eligibility (circuits, cool-downs, the deployment's own limits) is
decided before it runs, so no strategy can send a deployment past its limits.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from gateway.services.catalog import DeploymentHandle
from gateway.services.routing.stats import DeploymentStats

Stats = Callable[[DeploymentHandle], DeploymentStats]
Order = Callable[[Sequence[DeploymentHandle], Stats, bool, float, Callable[[], float]], list[DeploymentHandle]]


def weighted(
    pool: Sequence[DeploymentHandle], stats: Stats, stream: bool, now: float, rand: Callable[[], float]
) -> list[DeploymentHandle]:
    """Weighted random order (Efraimidis-Spirakis: sort by u ** (1 / weight))."""
    return sorted(pool, key=lambda d: rand() ** (1.0 / d.config.weight), reverse=True)


def priority(
    pool: Sequence[DeploymentHandle], stats: Stats, stream: bool, now: float, rand: Callable[[], float]
) -> list[DeploymentHandle]:
    """Lowest ``priority`` number first; weighted random among equals."""
    return sorted(weighted(pool, stats, stream, now, rand), key=lambda d: d.config.priority)


def least_busy(
    pool: Sequence[DeploymentHandle], stats: Stats, stream: bool, now: float, rand: Callable[[], float]
) -> list[DeploymentHandle]:
    """Fewest requests in flight, relative to weight; random among equals."""
    return sorted(pool, key=lambda d: (stats(d).in_flight / d.config.weight, rand()))


def latency(
    pool: Sequence[DeploymentHandle], stats: Stats, stream: bool, now: float, rand: Callable[[], float]
) -> list[DeploymentHandle]:
    """Lowest moving-average latency (time to first chunk for streams); unmeasured ones first."""
    return sorted(pool, key=lambda d: (stats(d).expected_latency(stream), rand()))


def _price(deployment: DeploymentHandle) -> float:
    pricing = deployment.config.pricing
    if pricing.input_cost_per_token is None and pricing.output_cost_per_token is None:
        return float("inf")  # unknown cost sorts last
    return (pricing.input_cost_per_token or 0.0) + (pricing.output_cost_per_token or 0.0)


def cost(
    pool: Sequence[DeploymentHandle], stats: Stats, stream: bool, now: float, rand: Callable[[], float]
) -> list[DeploymentHandle]:
    """Cheapest per token first (input + output price); weighted random among equals."""
    return sorted(weighted(pool, stats, stream, now, rand), key=_price)


def usage(
    pool: Sequence[DeploymentHandle], stats: Stats, stream: bool, now: float, rand: Callable[[], float]
) -> list[DeploymentHandle]:
    """Furthest from its own rpm / tpm / concurrency limits first."""

    def headroom(d: DeploymentHandle) -> float:
        s, c = stats(d), d.config
        return min(
            s.headroom(s.requests.total(now), c.rpm),
            s.headroom(s.tokens.total(now), c.tpm),
            s.headroom(s.in_flight, c.max_concurrency),
        )

    return sorted(pool, key=lambda d: (-headroom(d), rand()))


STRATEGY_ORDER: dict[str, Order] = {
    "weighted": weighted,
    "priority": priority,
    "least_busy": least_busy,
    "latency": latency,
    "cost": cost,
    "usage": usage,
}
