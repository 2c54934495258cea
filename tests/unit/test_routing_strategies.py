"""Router.plan under each strategy, and the eligibility rules every strategy sits behind.

Statistical checks use many plans from a seeded RNG and a tolerance of 5 standard deviations.
Clocks are injected: `clock` (monotonic: latency, cool-downs, circuits) and `wall` (rpm/tpm windows).
"""

from __future__ import annotations

import math
import random
from collections import Counter
from typing import Any

import pytest

from gateway.config.routing import CircuitPolicy, Routing
from gateway.services.catalog import DeploymentHandle, PublicModel
from gateway.services.routing import Router, Ticket
from providers.echo import EchoDeployment, EchoProvider
from providers.errors import ProviderRateLimited, ProviderTimeout, ProviderUpstreamError


class Clock:
    def __init__(self, now: float = 5000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def pool(strategy: str, *configs: dict[str, Any]) -> PublicModel:
    handles = tuple(
        DeploymentHandle(f"m/{i}", EchoDeployment(provider="echo", **config), EchoProvider())
        for i, config in enumerate(configs)
    )
    return PublicModel("m", None, handles, 0, Routing.model_validate({"strategy": strategy}))


def router_for(model: PublicModel, seed: int = 1) -> tuple[Router, Clock]:
    clock = Clock()
    router = Router(random.Random(seed), clock=clock, wall=clock)
    router.register(model, CircuitPolicy(consecutive_failures=1000, min_requests=1000))
    return router, clock


def ids(plan: list[DeploymentHandle]) -> list[str]:
    return [d.id for d in plan]


def leaders(router: Router, model: PublicModel, plans: int, **kwargs: Any) -> Counter[str]:
    return Counter(router.plan(model, **kwargs)[0].id for _ in range(plans))


def within(count: int, plans: int, p: float, sds: float = 5.0) -> bool:
    return abs(count - plans * p) < sds * math.sqrt(plans * p * (1 - p))


def begin(router: Router, deployment: DeploymentHandle, tokens: int = 0, stream: bool = False) -> Ticket:
    ticket = router.begin(deployment, tokens, stream)
    assert ticket is not None
    return ticket


def measure(router: Router, clock: Clock, deployment: DeploymentHandle, seconds: float, stream: bool = False) -> None:
    ticket = begin(router, deployment, stream=stream)
    clock.advance(seconds)
    if stream:
        ticket.first_chunk()
    ticket.succeeded()


# ---------------------------------------------------------------- weighted


def test_weighted_second_place_follows_the_weights_of_the_rest() -> None:
    """Fallback order is weighted too: after the leader, the rest keep their proportions."""
    model = pool("weighted", {"weight": 6}, {"weight": 3}, {"weight": 1})
    router, _ = router_for(model, seed=17)
    plans = 20_000
    seconds = Counter(ids(router.plan(model))[1] for _ in range(plans))
    # P(m/1 second) = P(m/0 first)*3/4 + P(m/2 first)*3/9
    p = 0.6 * 0.75 + 0.1 * (3 / 9)
    assert within(seconds["m/1"], plans, p), seconds


def test_a_strategy_given_for_one_call_overrides_the_models() -> None:
    model = pool("weighted", {"weight": 1_000_000, "priority": 1}, {"weight": 1, "priority": 0})
    router, _ = router_for(model)
    assert leaders(router, model, 200) == {"m/0": 200}
    assert leaders(router, model, 200, strategy="priority") == {"m/1": 200}


# ---------------------------------------------------------------- priority


def test_priority_orders_by_lowest_number_first() -> None:
    model = pool("priority", {"priority": 2}, {"priority": 0}, {"priority": 1}, {"priority": -1})
    router, _ = router_for(model)
    for _ in range(200):
        assert ids(router.plan(model)) == ["m/3", "m/1", "m/2", "m/0"]


def test_priority_splits_equals_by_weight() -> None:
    model = pool("priority", {"priority": 0, "weight": 3}, {"priority": 0, "weight": 1}, {"priority": 1, "weight": 100})
    router, _ = router_for(model, seed=23)
    plans = 20_000
    counts = Counter(tuple(ids(router.plan(model))) for _ in range(plans))
    assert set(counts) == {("m/0", "m/1", "m/2"), ("m/1", "m/0", "m/2")}, counts
    assert within(counts[("m/0", "m/1", "m/2")], plans, 0.75), counts


# ---------------------------------------------------------------- cost


def price(input_: float | None, output: float | None = None) -> dict[str, Any]:
    return {"pricing": {"input_cost_per_token": input_, "output_cost_per_token": output}}


def test_cost_puts_the_cheapest_first_and_unpriced_last() -> None:
    model = pool("cost", price(None, None), price(5e-6, 15e-6), price(1e-7, 4e-7), price(2e-6, 1e-6))
    router, _ = router_for(model)
    for _ in range(200):
        assert ids(router.plan(model)) == ["m/2", "m/3", "m/1", "m/0"]


def test_cost_sums_input_and_output_prices() -> None:
    model = pool("cost", price(1e-6, 10e-6), price(5e-6, 5e-6), price(0.0, 2e-6))
    router, _ = router_for(model)
    assert ids(router.plan(model)) == ["m/2", "m/1", "m/0"]


def test_cost_splits_equal_prices_by_weight() -> None:
    model = pool("cost", {**price(1e-6), "weight": 1}, {**price(1e-6), "weight": 4}, price(9e-6))
    router, _ = router_for(model, seed=29)
    plans = 20_000
    counts = leaders(router, model, plans)
    assert set(counts) == {"m/0", "m/1"}
    assert within(counts["m/1"], plans, 0.8), counts


# ---------------------------------------------------------------- least busy


def test_least_busy_prefers_fewest_in_flight() -> None:
    model = pool("least_busy", {}, {}, {})
    router, _ = router_for(model)
    held = [begin(router, model.deployments[0]) for _ in range(3)] + [begin(router, model.deployments[2])]
    for _ in range(100):
        assert ids(router.plan(model)) == ["m/1", "m/2", "m/0"]
    for ticket in held:
        ticket.succeeded()
    assert len(leaders(router, model, 300)) == 3, "idle again: ties are broken at random"


def test_least_busy_weighs_in_flight_by_weight() -> None:
    model = pool("least_busy", {"weight": 4}, {"weight": 1})
    router, _ = router_for(model)
    held = [begin(router, model.deployments[0]) for _ in range(3)] + [begin(router, model.deployments[1])]
    assert ids(router.plan(model))[0] == "m/0", "3 in flight over weight 4 is less busy than 1 over 1"
    for ticket in held:
        ticket.abandoned()
    assert router.stats(model.deployments[0]).in_flight == 0


def test_least_busy_ties_are_even() -> None:
    model = pool("least_busy", {}, {})
    router, _ = router_for(model, seed=31)
    plans = 10_000
    assert within(leaders(router, model, plans)["m/0"], plans, 0.5)


def test_least_busy_sends_concurrent_calls_away_from_a_slow_deployment() -> None:
    """Simulated: calls arrive every 10 ms; m/0 takes 300 ms, m/1 takes 5 ms."""
    model = pool("least_busy", {}, {})
    router, clock = router_for(model, seed=37)
    durations = {"m/0": 0.3, "m/1": 0.005}
    running: list[tuple[float, Ticket]] = []
    served: Counter[str] = Counter()
    for _ in range(500):
        clock.advance(0.01)
        for ends, ticket in [r for r in running if r[0] <= clock.now]:
            ticket.succeeded()
            running.remove((ends, ticket))
        chosen = router.plan(model)[0]
        served[chosen.id] += 1
        running.append((clock.now + durations[chosen.id], begin(router, chosen)))
    assert served["m/1"] >= 0.9 * 500, served


# ---------------------------------------------------------------- latency


def test_latency_tries_unmeasured_deployments_first_then_the_fastest() -> None:
    model = pool("latency", {}, {}, {})
    router, clock = router_for(model)
    measure(router, clock, model.deployments[0], 0.2)
    assert ids(router.plan(model))[2] == "m/0", "the two unmeasured ones lead"
    measure(router, clock, model.deployments[1], 0.05)
    measure(router, clock, model.deployments[2], 0.5)
    for _ in range(100):
        assert ids(router.plan(model)) == ["m/1", "m/0", "m/2"]


def test_latency_is_a_moving_average_that_recovers() -> None:
    model = pool("latency", {}, {})
    router, clock = router_for(model)
    measure(router, clock, model.deployments[0], 0.1)
    measure(router, clock, model.deployments[1], 0.2)
    assert ids(router.plan(model))[0] == "m/0"
    measure(router, clock, model.deployments[0], 2.0)  # one slow call: 0.1 + 0.2 * 1.9 = 0.48
    assert router.stats(model.deployments[0]).latency_s == pytest.approx(0.48)
    assert ids(router.plan(model))[0] == "m/1"
    for _ in range(30):
        measure(router, clock, model.deployments[0], 0.1)
    assert ids(router.plan(model))[0] == "m/0"


def test_latency_ranks_streams_by_time_to_first_chunk() -> None:
    model = pool("latency", {}, {})
    router, clock = router_for(model)
    measure(router, clock, model.deployments[0], 0.1)  # fast whole calls
    measure(router, clock, model.deployments[1], 0.9)
    measure(router, clock, model.deployments[0], 0.8, stream=True)  # but slow to start streaming
    measure(router, clock, model.deployments[1], 0.05, stream=True)
    assert ids(router.plan(model, stream=False))[0] == "m/0"
    assert ids(router.plan(model, stream=True))[0] == "m/1"


def test_latency_counts_a_timed_out_call_as_slow() -> None:
    """A deployment that never answers in time must not stay 'unmeasured' (which sorts first)."""
    model = pool("latency", {}, {})
    router, clock = router_for(model)
    measure(router, clock, model.deployments[1], 0.2)
    for _ in range(3):
        ticket = begin(router, model.deployments[0])
        clock.advance(5.0)
        ticket.failed(ProviderTimeout("The model did not answer within 5 s."))
    assert ids(router.plan(model))[0] == "m/1"


# ---------------------------------------------------------------- usage and the deployment's own limits


def test_usage_prefers_the_deployment_furthest_from_its_limits() -> None:
    model = pool("usage", {"rpm": 10}, {"rpm": 100}, {})
    router, _ = router_for(model)
    for _ in range(5):
        begin(router, model.deployments[1]).succeeded()
    # headroom: m/0 1.0, m/1 0.95, m/2 1.0 (unlimited) -> m/1 last
    assert ids(router.plan(model))[2] == "m/1"
    for _ in range(6):
        begin(router, model.deployments[0]).succeeded()
    assert ids(router.plan(model)) == ["m/2", "m/1", "m/0"]


def test_usage_spreads_calls_so_that_no_deployment_passes_its_rpm() -> None:
    model = pool("usage", {"rpm": 5}, {"rpm": 5})
    router, _ = router_for(model)
    served: Counter[str] = Counter()
    for _ in range(15):
        plan = router.plan(model)
        if not plan:
            continue
        served[plan[0].id] += 1
        begin(router, plan[0]).succeeded()
    assert served == {"m/0": 5, "m/1": 5}


@pytest.mark.parametrize("strategy", ["weighted", "priority", "least_busy", "latency", "cost", "usage"])
def test_no_strategy_plans_a_deployment_past_its_rpm(strategy: str) -> None:
    model = pool(strategy, {"rpm": 3, "weight": 100}, {})
    router, clock = router_for(model)
    for _ in range(3):
        begin(router, model.deployments[0]).succeeded()
    assert ids(router.plan(model)) == ["m/1"]
    clock.advance(59)
    assert ids(router.plan(model)) == ["m/1"], "the minute is not over"
    clock.advance(1.01)
    assert "m/0" in ids(router.plan(model))


def test_rpm_counts_calls_in_the_last_sixty_seconds() -> None:
    model = pool("weighted", {"rpm": 2})
    router, clock = router_for(model)
    begin(router, model.deployments[0]).succeeded()
    clock.advance(30)
    begin(router, model.deployments[0]).succeeded()
    assert router.plan(model) == []
    wait, rested = router.next_opening(model)
    assert rested is True
    assert 29 <= wait <= 31, wait
    clock.advance(31)
    assert ids(router.plan(model)) == ["m/0"], "the first call left the window"


def test_tpm_counts_a_finished_call_once() -> None:
    """The estimate held while the call runs is replaced by what it used, not added to it."""
    model = pool("weighted", {"tpm": 100})
    router, _ = router_for(model)
    for _ in range(3):
        begin(router, model.deployments[0], tokens=20).succeeded(20)
    assert router.snapshot(model)[0]["tokens_last_minute"] == 60
    assert ids(router.plan(model)) == ["m/0"], "60 of 100 tokens used"


def test_tpm_excludes_a_deployment_at_its_limit() -> None:
    model = pool("weighted", {"tpm": 100}, {})
    router, _ = router_for(model)
    begin(router, model.deployments[0], tokens=0).succeeded(100)
    assert ids(router.plan(model)) == ["m/1"]


def test_max_concurrency_excludes_a_full_deployment_until_a_call_ends() -> None:
    model = pool("weighted", {"max_concurrency": 2, "weight": 1_000_000}, {})
    router, _ = router_for(model)
    first, second = begin(router, model.deployments[0]), begin(router, model.deployments[0])
    assert ids(router.plan(model)) == ["m/1"]
    first.failed(ProviderUpstreamError("boom"))
    assert ids(router.plan(model))[0] == "m/0"
    second.abandoned()
    assert router.stats(model.deployments[0]).in_flight == 0


def test_a_rate_limited_deployment_cools_down_for_its_retry_after() -> None:
    model = pool("weighted", {"weight": 1_000_000}, {})
    router, clock = router_for(model)
    begin(router, model.deployments[0]).failed(ProviderRateLimited("slow down", retry_after=7))
    assert ids(router.plan(model)) == ["m/1"]
    assert router.snapshot(model)[0]["cooling_for_s"] == pytest.approx(7, abs=0.01)
    clock.advance(7.01)
    assert ids(router.plan(model))[0] == "m/0"


def test_reset_forgets_a_cool_down() -> None:
    model = pool("weighted", {"weight": 1_000_000}, {})
    router = Router(random.Random(1))  # the real clocks
    router.register(model, CircuitPolicy())
    begin(router, model.deployments[0]).failed(ProviderRateLimited("slow down", retry_after=600))
    assert ids(router.plan(model)) == ["m/1"]
    router.reset("m/0")
    assert ids(router.plan(model))[0] == "m/0"


# ---------------------------------------------------------------- what the admin API shows


def test_snapshot_reports_state_load_and_latency() -> None:
    model = pool("weighted", {"rpm": 10}, {})
    router, clock = router_for(model)
    measure(router, clock, model.deployments[0], 0.25)
    measure(router, clock, model.deployments[0], 0.04, stream=True)
    held = begin(router, model.deployments[0], tokens=7)
    rows = {row["deployment"]: row for row in router.snapshot(model)}
    assert rows["m/0"] == {
        "deployment": "m/0",
        "state": "healthy",
        "cooling_for_s": None,
        "in_flight": 1,
        "latency_ms": 250.0,
        "ttft_ms": 40.0,
        "requests_last_minute": 3,
        "tokens_last_minute": 7,
    }
    assert rows["m/1"]["latency_ms"] is None and rows["m/1"]["in_flight"] == 0
    held.succeeded()
