"""The router's plan: a weighted random order in which each deployment appears once."""

from __future__ import annotations

import math
import random
from collections import Counter

from gateway.services.catalog import DeploymentHandle, PublicModel
from gateway.services.routing import Router
from providers.echo import EchoDeployment, EchoProvider


def _model(*weights: float) -> PublicModel:
    handles = tuple(
        DeploymentHandle(f"m/{i}", EchoDeployment(provider="echo", weight=w), EchoProvider())
        for i, w in enumerate(weights)
    )
    return PublicModel(name="m", description=None, deployments=handles, created=0)


def _leader_share(model: PublicModel, plans: int, seed: int) -> Counter[str]:
    router = Router(random.Random(seed))
    return Counter(router.plan(model)[0].id for _ in range(plans))


def test_weights_three_to_one_lead_three_quarters_of_the_time() -> None:
    plans, p = 20_000, 0.75
    leaders = _leader_share(_model(3, 1), plans, seed=7)
    sd = math.sqrt(plans * p * (1 - p))
    assert abs(leaders["m/0"] - plans * p) < 5 * sd, leaders


def test_three_deployments_lead_in_proportion_to_weight() -> None:
    plans, weights = 20_000, (1, 2, 5)
    leaders = _leader_share(_model(*weights), plans, seed=11)
    for i, weight in enumerate(weights):
        p = weight / sum(weights)
        sd = math.sqrt(plans * p * (1 - p))
        assert abs(leaders[f"m/{i}"] - plans * p) < 5 * sd, leaders


def test_equal_weights_are_even() -> None:
    plans = 20_000
    leaders = _leader_share(_model(1, 1), plans, seed=3)
    assert abs(leaders["m/0"] - plans / 2) < 5 * math.sqrt(plans / 4)


def test_every_plan_contains_every_deployment_once() -> None:
    model = _model(3, 1, 0.5, 2)
    router = Router(random.Random(5))
    orders = set()
    for _ in range(2_000):
        plan = router.plan(model)
        assert sorted(d.id for d in plan) == ["m/0", "m/1", "m/2", "m/3"]
        orders.add(tuple(d.id for d in plan))
    assert len(orders) > 12, "the fallbacks are shuffled too, not only the leader"


def test_single_deployment_plan_is_itself() -> None:
    model = _model(1)
    assert Router().plan(model) == list(model.deployments)


def test_same_seed_same_plans() -> None:
    model = _model(1, 2, 3)
    first, second = Router(random.Random(42)), Router(random.Random(42))
    assert [first.plan(model) for _ in range(50)] == [second.plan(model) for _ in range(50)]


def test_default_router_needs_no_rng() -> None:
    model = _model(1, 1)
    assert len(Router().plan(model)) == 2
