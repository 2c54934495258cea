"""The router: which deployments of a pool may take a call, in which order, and what happened.

``plan`` filters out deployments whose circuit is open, that an upstream told to wait
(Retry-After), or that are at their own rpm / tpm / concurrency limits, then orders the rest by
the model's strategy. Every attempt holds a ``Ticket`` that reports its outcome back, feeding
the statistics the strategies read and the circuit breakers.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from typing import Any

from gateway.config.routing import CircuitPolicy
from gateway.services.catalog import DeploymentHandle, PublicModel
from gateway.services.routing.circuit import CircuitBreaker, CircuitState
from gateway.services.routing.stats import DeploymentStats
from gateway.services.routing.strategies import STRATEGY_ORDER
from providers.errors import ProviderBusy, ProviderError, ProviderRateLimited, ProviderTimeout

CONCURRENCY_POLL_S = 0.05  # a deployment at its max_concurrency is looked at again this soon
DEFAULT_429_REST_S = 1.0  # a 429 without Retry-After rests a deployment this long, if its pool has others


class Ticket:
    """One attempt on one deployment; report exactly one outcome.

    Only the ticket that claimed a half-open circuit's probe may settle or free the probe.
    """

    __slots__ = (
        "_router",
        "deployment",
        "_stats",
        "_circuit",
        "_started",
        "_stream",
        "_done",
        "_probe",
        "_estimate",
        "_alone",
    )

    def __init__(
        self, router: Router, deployment: DeploymentHandle, stream: bool, probe: bool, estimate: int, alone: bool
    ) -> None:
        self._router = router
        self.deployment = deployment
        self._stats = router.stats(deployment)
        self._circuit = router.circuit(deployment)
        self._started = router.clock()
        self._stream = stream
        self._done = False
        self._probe = probe
        self._estimate = estimate
        self._alone = alone  # the only deployment of its pool

    def first_chunk(self) -> None:
        self._stats.observe_latency(self._router.clock() - self._started, stream=True)

    def succeeded(self, tokens: int = 0) -> None:
        if self._finish():
            if not self._stream:
                self._stats.observe_latency(self._router.clock() - self._started, stream=False)
            self._stats.add_tokens(tokens - self._estimate, self._router.wall())  # the estimate was counted
            self._circuit.record(failed=False, now=self._router.clock(), probe=self._probe)

    def failed(self, error: ProviderError) -> None:
        if not self._finish():
            return
        now = self._router.clock()
        if isinstance(error, ProviderTimeout):  # slow is what the latency strategy must learn
            self._stats.observe_latency(now - self._started, stream=self._stream)
        if isinstance(error, ProviderRateLimited):
            # The deployment is healthy but full: respect its wait (exactly as long as it asked: the
            # last deployment of a pool never longer), don't count it against the circuit.
            rest = error.retry_after
            if rest is None:
                rest = 0.0 if self._alone else DEFAULT_429_REST_S
            self._stats.cool_down(rest, now)
            self._release()
        elif isinstance(error, ProviderBusy):
            self._release()  # its own back-pressure (queue full, loading): not a failing deployment
        elif error.retryable or error.misconfigured:  # a deployment that refuses every call is taken out
            self._circuit.record(failed=True, now=now, probe=self._probe)
        else:
            self._release()  # the request's fault, not the deployment's

    def abandoned(self) -> None:
        """Cancelled, the caller left or ran out of time: no verdict on the deployment."""
        if self._finish():
            self._release()

    def _release(self) -> None:
        if self._probe:
            self._circuit.release_probe()

    def _finish(self) -> bool:
        if self._done:
            return False
        self._done = True
        self._stats.finished()
        return True


class Router:
    def __init__(
        self,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self._random = (rng or random.Random()).random
        self.clock = clock
        self.wall = wall
        self._stats: dict[str, DeploymentStats] = {}
        self._circuits: dict[str, CircuitBreaker] = {}
        self._policies: dict[str, CircuitPolicy] = {}

    def register(self, model: PublicModel, policy: CircuitPolicy) -> None:
        for deployment in model.deployments:
            self._policies[deployment.id] = policy

    def stats(self, deployment: DeploymentHandle) -> DeploymentStats:
        stats = self._stats.get(deployment.id)
        if stats is None:
            stats = self._stats[deployment.id] = DeploymentStats()
        return stats

    def circuit(self, deployment: DeploymentHandle) -> CircuitBreaker:
        circuit = self._circuits.get(deployment.id)
        if circuit is None:
            self._policies.setdefault(deployment.id, CircuitPolicy())
            circuit = self.circuit_by_id(deployment.id)
        return circuit

    def circuits(self) -> Iterator[tuple[str, CircuitBreaker]]:
        return iter(self._circuits.items())

    def deployment_ids(self) -> list[str]:
        return list(self._policies)

    def circuit_by_id(self, deployment_id: str) -> CircuitBreaker:
        circuit = self._circuits.get(deployment_id)
        if circuit is None:
            circuit = self._circuits[deployment_id] = CircuitBreaker(self._policies[deployment_id], self.clock)
        return circuit

    def eligible(self, deployment: DeploymentHandle, now: float, wall: float) -> bool:
        stats = self._stats.get(deployment.id)
        circuit = self._circuits.get(deployment.id)
        if circuit is not None and not circuit.allows(now):
            return False
        if stats is None:
            return True
        config = deployment.config
        if stats.cooling(now):
            return False
        if config.max_concurrency is not None and stats.in_flight >= config.max_concurrency:
            return False
        if config.rpm is not None and stats.requests.total(wall) >= config.rpm:
            return False
        return not (config.tpm is not None and stats.tokens.total(wall) >= config.tpm)

    def plan(self, model: PublicModel, strategy: str | None = None, stream: bool = False) -> list[DeploymentHandle]:
        """Eligible deployments, best first; empty when none may take a call now."""
        now, wall = self.clock(), self.wall()
        pool = [d for d in model.deployments if self.eligible(d, now, wall)]
        if len(pool) <= 1:
            return pool
        order = STRATEGY_ORDER[strategy or model.strategy]
        return order(pool, self.stats, stream, wall, self._random)

    def begin(
        self, deployment: DeploymentHandle, estimated_tokens: int, stream: bool, alone: bool = False
    ) -> Ticket | None:
        """Claim the deployment for one attempt; None if its circuit just refused (probe taken).
        ``alone``: it is the only deployment of its pool."""
        circuit, now = self.circuit(deployment), self.clock()
        probe = circuit.state(now) is CircuitState.HALF_OPEN
        if not circuit.admit(now):
            return None
        self.stats(deployment).started(estimated_tokens, self.wall())
        return Ticket(self, deployment, stream, probe, estimated_tokens, alone)

    def next_opening(self, model: PublicModel) -> tuple[float, bool]:
        """Seconds until some deployment may take a call, and whether it is only resting (after a
        429, or at its own rpm / tpm / concurrency limits) rather than shut by its circuit breaker."""
        now, wall = self.clock(), self.wall()
        rested: list[float] = []
        shut: list[float] = []
        for deployment in model.deployments:
            circuit = self._circuits.get(deployment.id)
            stats = self.stats(deployment)
            if circuit is not None and circuit.state(now) is CircuitState.OPEN:
                shut.append(circuit.open_until - now)
                continue
            if circuit is not None and not circuit.allows(now):  # half-open, its probe still out
                shut.append(1.0)
                continue
            wait = max(0.0, stats.cooling_until - now)
            config = deployment.config
            if config.rpm is not None:
                wait = max(wait, stats.requests.seconds_until_below(config.rpm, wall))
            if config.tpm is not None:
                wait = max(wait, stats.tokens.seconds_until_below(config.tpm, wall))
            if config.max_concurrency is not None and stats.in_flight >= config.max_concurrency:
                wait = max(wait, CONCURRENCY_POLL_S)
            rested.append(wait)
        if rested:
            return min(rested), True
        return (min(shut) if shut else 0.0), False

    def reset(self, deployment_id: str | None = None) -> list[str]:
        """Put deployments back into rotation now: close circuits, forget cool-downs."""
        ids = [i for i in ([deployment_id] if deployment_id is not None else self._policies) if i in self._policies]
        for ident in ids:
            self._circuits.pop(ident, None)
            stats = self._stats.get(ident)
            if stats is not None:
                stats.cooling_until = 0.0
        return ids

    def knows(self, deployment_id: str) -> bool:
        return deployment_id in self._policies

    def snapshot(self, model: PublicModel) -> list[dict[str, Any]]:
        """Per deployment: circuit state, in-flight count, latencies, use of its limits."""
        now, wall = self.clock(), self.wall()
        rows = []
        for deployment in model.deployments:
            stats = self.stats(deployment)
            circuit = self._circuits.get(deployment.id)
            state = circuit.state(now) if circuit is not None else CircuitState.CLOSED
            resting = state is CircuitState.CLOSED and stats.cooling(now)
            until = stats.cooling_until  # a 429's rest, or the open circuit's cooldown, whichever is later
            if circuit is not None and state is CircuitState.OPEN:
                until = max(until, circuit.open_until)
            rows.append(
                {
                    "deployment": deployment.id,
                    "state": "rate_limited" if resting else state.value,
                    "cooling_for_s": round(max(0.0, until - now), 3) or None,
                    "in_flight": stats.in_flight,
                    "latency_ms": None if stats.latency_s is None else round(stats.latency_s * 1000, 2),
                    "ttft_ms": None if stats.ttft_s is None else round(stats.ttft_s * 1000, 2),
                    "requests_last_minute": stats.requests.total(wall),
                    "tokens_last_minute": stats.tokens.total(wall),
                }
            )
        return rows
