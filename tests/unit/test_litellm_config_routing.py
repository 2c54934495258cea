"""A LiteLLM proxy config.yaml's router settings in a Strata catalog: each model's routing strategy,
retries, circuit, fallbacks and timeouts, `order` as priorities, and Redis and the database as
Strata settings.

Each config is of a shape LiteLLM's docs show (proxy/configs, routing, reliability, Azure,
credentials); the catalog it becomes is checked field by field.
"""

from __future__ import annotations

import pytest

from gateway.config.settings import Settings
from tests.unit.litellm_config_helpers import BASIC, RELIABILITY, load, only


def test_router_settings_become_each_models_routing() -> None:
    catalog = load(RELIABILITY)
    gpt = catalog.models["gpt-4o"].routing
    assert gpt.strategy == "latency"
    assert gpt.retries.attempts == 3  # num_retries counts retries after the first attempt
    assert (gpt.circuit.consecutive_failures, gpt.circuit.cooldown_s) == (4, 60)
    assert gpt.fallbacks == ["claude"]
    assert gpt.context_window_fallbacks == ["gpt-4o-long"]
    assert gpt.content_policy_fallbacks == ["claude"]
    assert catalog.models["claude"].routing.content_policy_fallbacks == []  # "*" never names itself
    assert catalog.models["gpt-4o-long"].routing.content_policy_fallbacks == ["claude"]
    assert catalog.models["gpt-4o"].routing.deadline_s == 1000  # the longest timeout of the pool


def test_timeouts_come_from_the_deployment_or_else_from_router_settings() -> None:
    catalog = load(RELIABILITY)
    own = only(catalog, "gpt-4o").timeouts
    assert (own.total, own.read, own.first_byte) == (1000, 1000, 5)
    assert only(catalog, "claude").timeouts.total == 30


def test_deployment_max_retries_sets_the_pools_attempts_when_no_num_retries_is_given() -> None:
    text = RELIABILITY.replace("  num_retries: 2\n", "")
    assert load(text).models["gpt-4o-long"].routing.retries.attempts == 5


def test_redis_settings_become_strata_redis_url_and_general_settings_the_database() -> None:
    text = RELIABILITY + "general_settings:\n  database_url: os.environ/DATABASE_URL\n"
    settings = Settings(**load(text).settings)
    assert settings.redis_url == "redis://:redis-pass@redis.internal:6380"
    assert settings.database_url == "postgresql+asyncpg://user:pw@db:5432/litellm"


@pytest.mark.parametrize(
    ("strategy", "expected"),
    [
        ("simple-shuffle", "weighted"),
        ("least-busy", "least_busy"),
        ("latency-based-routing", "latency"),
        ("usage-based-routing", "usage"),
        ("usage-based-routing-v2", "usage"),
        ("cost-based-routing", "cost"),
    ],
)
def test_each_litellm_routing_strategy_has_its_strata_counterpart(strategy: str, expected: str) -> None:
    text = BASIC + f"router_settings:\n  routing_strategy: {strategy}\n"
    assert load(text).models["gpt-4o"].routing.strategy == expected


def test_order_makes_the_pool_try_the_lowest_order_first() -> None:
    text = """
model_list:
  - {model_name: m, litellm_params: {model: openai/a, api_key: os.environ/OPENAI_API_KEY, order: 2}}
  - {model_name: m, litellm_params: {model: openai/b, api_key: os.environ/OPENAI_API_KEY, order: 1}}
"""
    pool = load(text).models["m"]
    assert pool.routing.strategy == "priority" and [d.priority for d in pool.deployments] == [2, 1]
