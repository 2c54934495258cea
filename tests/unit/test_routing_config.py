"""The routing part of the catalog: what loads, and errors that name the file and the key path."""

from __future__ import annotations

import pytest
import yaml

from gateway.config.catalog import parse_catalog
from gateway.config.errors import ConfigError
from gateway.config.routing import STRATEGIES, Routing

ECHO = {"deployments": [{"provider": "echo"}]}


def catalog(**models: dict[str, object]) -> str:
    return yaml.safe_dump({"models": models})


def error(text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_catalog(text, "strata.yaml")
    return str(caught.value)


def test_a_full_routing_block_loads() -> None:
    routing = {
        "strategy": "least_busy",
        "retries": {"attempts": 4, "backoff_base_s": 0.1, "backoff_max_s": 2, "max_wait_s": 5},
        "circuit": {"consecutive_failures": 3, "failure_rate": 0.4, "window_s": 10, "min_requests": 5, "cooldown_s": 1},
        "deadline_s": 30,
        "fallbacks": ["backup"],
        "context_window_fallbacks": ["big"],
        "content_policy_fallbacks": ["backup"],
    }
    parsed = parse_catalog(catalog(main={**ECHO, "routing": routing}, backup=ECHO, big=ECHO))
    entry = parsed.models["main"].routing
    assert entry.strategy == "least_busy"
    assert entry.retries.attempts == 4
    assert entry.circuit.cooldown_s == 1
    assert entry.fallbacks == ["backup"]
    assert entry.context_window_fallbacks == ["big"]


def test_routing_defaults() -> None:
    routing = Routing()
    assert routing.strategy == "weighted"
    assert routing.retries.attempts == 3
    assert routing.circuit.consecutive_failures == 5
    assert routing.fallbacks == []


def test_a_prompt_router_needs_no_deployments() -> None:
    parsed = parse_catalog(catalog(big=ECHO, small=ECHO, auto={"router": {"strong": "big", "cheap": "small"}}))
    router = parsed.models["auto"].router
    assert router is not None
    assert (router.strong, router.cheap, router.threshold) == ("big", "small", 0.5)
    assert parsed.models["auto"].deployments == []


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_every_strategy_name_loads(strategy: str) -> None:
    parsed = parse_catalog(catalog(m={**ECHO, "routing": {"strategy": strategy}}))
    assert parsed.models["m"].routing.strategy == strategy


def test_an_unknown_strategy_names_the_key_and_the_choices() -> None:
    message = error(catalog(m={**ECHO, "routing": {"strategy": "fastest"}}))
    assert message.startswith("strata.yaml: models.m.routing.strategy: ")
    assert "least_busy" in message


@pytest.mark.parametrize(
    ("routing", "path"),
    [
        ({"retries": {"attempts": 0}}, "models.m.routing.retries.attempts"),
        ({"circuit": {"cooldown_s": 0}}, "models.m.routing.circuit.cooldown_s"),
        ({"circuit": {"failure_rate": 1.5}}, "models.m.routing.circuit.failure_rate"),
        ({"deadline_s": -1}, "models.m.routing.deadline_s"),
        ({"retry": {"attempts": 2}}, "models.m.routing.retry"),
    ],
    ids=["attempts", "cooldown", "failure-rate", "deadline", "typo"],
)
def test_bad_routing_values_name_their_key_path(routing: dict[str, object], path: str) -> None:
    assert error(catalog(m={**ECHO, "routing": routing})).startswith(f"strata.yaml: {path}: ")


@pytest.mark.parametrize(
    ("deployment", "path"),
    [
        ({"provider": "echo", "weight": 0}, "models.m.deployments[0].weight"),
        ({"provider": "echo", "rpm": 0}, "models.m.deployments[0].rpm"),
        ({"provider": "echo", "max_concurrency": 0}, "models.m.deployments[0].max_concurrency"),
        ({"provider": "echo", "timeouts": {"first_byte": 0}}, "models.m.deployments[0].timeouts.first_byte"),
        ({"provider": "echo", "pricing": {"input_cost_per_token": -1}}, "models.m.deployments[0].pricing"),
    ],
    ids=["weight", "rpm", "concurrency", "first-byte", "price"],
)
def test_bad_deployment_routing_fields_name_their_key_path(deployment: dict[str, object], path: str) -> None:
    assert error(catalog(m={"deployments": [deployment]})).startswith(f"strata.yaml: {path}")


@pytest.mark.parametrize("field", ["fallbacks", "context_window_fallbacks", "content_policy_fallbacks"])
def test_a_fallback_naming_an_unknown_model_names_the_key_and_the_model(field: str) -> None:
    message = error(catalog(m={**ECHO, "routing": {field: ["nope"]}}))
    assert "'nope'" in message
    assert f"models.m.routing.{field}" in message, message
    assert ": : " not in message, f"an empty key path: {message}"


def test_a_model_falling_back_to_itself_is_refused() -> None:
    message = error(catalog(m={**ECHO, "routing": {"fallbacks": ["m"]}}))
    assert "itself" in message
    assert "models.m.routing.fallbacks" in message, message


@pytest.mark.parametrize("role", ["strong", "cheap", "embedding_model"])
def test_a_router_naming_an_unknown_model_names_the_key(role: str) -> None:
    router = {"strong": "big", "cheap": "small", role: "nope"}
    message = error(catalog(big=ECHO, small=ECHO, auto={"router": router}))
    assert "'nope'" in message
    assert f"models.auto.router.{role}" in message, message


def test_a_router_naming_itself_is_refused() -> None:
    message = error(catalog(big=ECHO, auto={"router": {"strong": "big", "cheap": "auto"}}))
    assert "itself" in message
    assert "models.auto.router.cheap" in message, message


def test_a_router_with_strong_equal_to_cheap_is_one_clear_error() -> None:
    message = error(catalog(big=ECHO, auto={"router": {"strong": "big", "cheap": "big"}}))
    assert message.startswith("strata.yaml: models.auto.router: ")
    assert "different" in message
    assert len(message.splitlines()) == 1, f"a second, misleading complaint: {message}"


def test_a_router_with_deployments_of_its_own_is_refused() -> None:
    message = error(catalog(big=ECHO, small=ECHO, auto={**ECHO, "router": {"strong": "big", "cheap": "small"}}))
    assert message.startswith("strata.yaml: models.auto.deployments: ")
    assert "no deployments of its own" in message


def test_a_model_with_neither_deployments_nor_router_is_refused() -> None:
    message = error(catalog(m={"description": "nothing"}))
    assert message.startswith("strata.yaml: models.m.deployments: ")


def test_a_router_threshold_outside_zero_to_one_is_refused() -> None:
    message = error(catalog(big=ECHO, small=ECHO, auto={"router": {"strong": "big", "cheap": "small", "threshold": 2}}))
    assert message.startswith("strata.yaml: models.auto.router.threshold: ")
