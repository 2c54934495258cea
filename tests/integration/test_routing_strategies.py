"""Routing strategies and prompt routers, observed through real gateways over the fake upstream.

Heavy statistics live in tests/unit/test_routing_strategies.py; here each strategy is checked
once end to end by who answered (x-strata-deployment) and what reached the fake.
"""

from __future__ import annotations

import math
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import yaml

from gateway.config.catalog import parse_catalog
from gateway.config.errors import ConfigError
from tests.fakes.upstream import FakeUpstream
from tests.fakes.upstream_responses import DEFAULT_CONTENT
from tests.integration.conftest import ENVIRON, MakeClient, StartGateway, assert_openai_error
from tests.integration.routing_helpers import chat, chat_models, deployment, pool, reached, start
from tests.support.gateway import RunningGateway

NO_CIRCUIT = {"consecutive_failures": 1000, "min_requests": 1000}


def served_by(gateway: RunningGateway, count: int, model: str = "gpt", **kwargs: Any) -> Counter[str]:
    """Who answered `count` sequential calls (all must succeed)."""
    served: Counter[str] = Counter()
    with httpx.Client(headers=gateway.headers(), timeout=20) as client:
        for _ in range(count):
            response = client.post(
                f"{gateway.openai_base}/chat/completions",
                json={"model": model, "messages": [{"role": "user", "content": "Say hello."}]},
                **kwargs,
            )
            assert response.status_code == 200, response.text
            served[response.headers["x-strata-deployment"]] += 1
    return served


# ---------------------------------------------------------------- weighted, latency, least busy


def test_weighted_split_over_two_hundred_calls(upstream: FakeUpstream, start_gateway: StartGateway) -> None:
    gateway = start(start_gateway, gpt=pool(deployment(upstream, "heavy", weight=3), deployment(upstream, "light")))
    calls, p = 200, 0.75

    served = served_by(gateway, calls)

    assert abs(served["heavy"] - calls * p) < 5 * math.sqrt(calls * p * (1 - p)), served
    assert served["heavy"] + served["light"] == calls
    assert reached(upstream) == served, "the header names the deployment that really answered"


def test_latency_strategy_moves_traffic_to_the_fast_deployment(
    upstream: FakeUpstream, start_gateway: StartGateway
) -> None:
    gateway = start(
        start_gateway, gpt=pool(deployment(upstream, "slow"), deployment(upstream, "fast"), strategy="latency")
    )
    upstream.set_behaviour("slow", latency_ms=300)

    served = served_by(gateway, 15)

    assert served["slow"] <= 2, f"after warm-up (each measured once) the fast one takes it all: {served}"
    assert served["fast"] >= 13


def test_least_busy_moves_concurrent_traffic_to_the_fast_deployment(
    upstream: FakeUpstream, start_gateway: StartGateway
) -> None:
    gateway = start(
        start_gateway, gpt=pool(deployment(upstream, "slow"), deployment(upstream, "fast"), strategy="least_busy")
    )
    upstream.set_behaviour("slow", latency_ms=300)

    with ThreadPoolExecutor(4) as workers:
        parts = list(workers.map(lambda _: served_by(gateway, 10), range(4)))
    served = sum(parts, Counter())

    assert served["slow"] + served["fast"] == 40
    assert served["fast"] >= 0.7 * 40, served


# ---------------------------------------------------------------- usage and rpm


def test_usage_strategy_never_sends_a_deployment_past_its_rpm(
    upstream: FakeUpstream, start_gateway: StartGateway
) -> None:
    gateway = start(
        start_gateway,
        gpt=pool(deployment(upstream, "a", rpm=5), deployment(upstream, "b", rpm=5), strategy="usage"),
    )

    responses = [chat(gateway, "gpt") for _ in range(15)]

    ok = [r for r in responses if r.status_code == 200]
    limited = [r for r in responses if r.status_code != 200]
    assert Counter(r.headers["x-strata-deployment"] for r in ok) == {"a": 5, "b": 5}
    assert reached(upstream) == {"a": 5, "b": 5}, "the gateway itself refused the rest"
    assert len(limited) == 5
    for response in limited:
        error = assert_openai_error(response, 429)
        assert "rate limit" in error["message"]
        assert 1 <= int(response.headers["retry-after"]) <= 60


# ---------------------------------------------------------------- priority and cost


def walk_order(gateway: RunningGateway, upstream: FakeUpstream) -> list[str]:
    before = len(chat_models(upstream))
    chat(gateway, "gpt")
    return chat_models(upstream)[before:]


@pytest.mark.parametrize("strategy", ["priority", "cost"])
def test_priority_and_cost_try_deployments_in_their_order(
    upstream: FakeUpstream, start_gateway: StartGateway, strategy: str
) -> None:
    def price(cost: float | None) -> dict[str, Any]:
        return {"pricing": {"input_cost_per_token": cost, "output_cost_per_token": cost}}

    if strategy == "priority":
        ranks = [{"priority": 2}, {"priority": 0}, {"priority": 1}]
    else:
        ranks = [price(None), price(1e-7), price(3e-6)]
    gateway = start(
        start_gateway,
        gpt=pool(
            *(
                deployment(upstream, name, **rank)
                for name, rank in zip(["third", "first", "second"], ranks, strict=True)
            ),
            strategy=strategy,
            retries={"attempts": 3, "backoff_base_s": 0.05},
            circuit=NO_CIRCUIT,
        ),
    )

    assert served_by(gateway, 10) == {"first": 10}
    upstream.set_behaviour("first", status=503)
    assert walk_order(gateway, upstream) == ["first", "second"]
    upstream.set_behaviour("second", status=503)
    assert walk_order(gateway, upstream) == ["first", "second", "third"]


# ---------------------------------------------------------------- per-call strategy override


def test_an_admin_may_choose_the_strategy_for_one_call(upstream: FakeUpstream, start_gateway: StartGateway) -> None:
    gateway = start(
        start_gateway,
        gpt=pool(
            deployment(upstream, "favourite", weight=1_000_000, priority=1),
            deployment(upstream, "preferred", priority=0),
        ),
    )

    assert served_by(gateway, 5) == {"favourite": 5}
    assert served_by(gateway, 5, headers={"x-strata-routing-strategy": "priority"}) == {"preferred": 5}
    assert served_by(gateway, 5) == {"favourite": 5}, "only that call"


def test_an_unknown_strategy_name_is_a_400(upstream: FakeUpstream, start_gateway: StartGateway) -> None:
    gateway = start(start_gateway, gpt=pool(deployment(upstream, "only")))

    response = chat(gateway, "gpt", headers={"x-strata-routing-strategy": "fastest"})

    error = assert_openai_error(response, 400)
    assert error["param"] == "x-strata-routing-strategy"
    assert "least_busy" in error["message"]
    assert chat_models(upstream) == []


# ---------------------------------------------------------------- prompt routers


GREETING = "Hi there!"


def hard_prompt() -> str:
    filler = " ".join(["The service handles many requests and each one must be accounted for."] * 25)
    return (
        "Prove step by step that the function below terminates, analyse its complexity, and explain "
        "why the invariant holds. Compare it with a recursive design.\n"
        "```python\ndef gcd(a, b):\n    while b:\n        a, b = b, a % b\n    return a\n```\n"
        f"Assume a = 48 and b = 18.\n{filler}\n1. State the invariant.\n2. Prove it.\n3. Derive the bound.\n"
    )


def routed(upstream: FakeUpstream, start_gateway: StartGateway, **router: Any) -> RunningGateway:
    return start(
        start_gateway,
        strong=pool(deployment(upstream, "strong-up")),
        cheap=pool(deployment(upstream, "cheap-up")),
        emb=pool(deployment(upstream, "emb-up", embeddings=True)),
        auto={"router": {"strong": "strong", "cheap": "cheap", "threshold": 0.5, **router}},
    )


def test_a_prompt_router_sends_easy_prompts_to_cheap_and_hard_ones_to_strong(
    upstream: FakeUpstream, start_gateway: StartGateway, make_client: MakeClient
) -> None:
    assert len(hard_prompt().split()) >= 250
    gateway = routed(upstream, start_gateway)
    client = make_client(gateway)

    easy = client.chat.completions.with_raw_response.create(
        model="auto", messages=[{"role": "user", "content": GREETING}]
    )
    hard = client.chat.completions.with_raw_response.create(
        model="auto", messages=[{"role": "user", "content": hard_prompt()}]
    )

    assert easy.headers["x-strata-model"] == "cheap" and easy.parse().model == "cheap"
    assert hard.headers["x-strata-model"] == "strong" and hard.parse().model == "strong"
    assert hard.parse().choices[0].message.content == DEFAULT_CONTENT
    assert chat_models(upstream) == ["cheap-up", "strong-up"]


def test_a_routed_stream_names_the_chosen_model(
    upstream: FakeUpstream, start_gateway: StartGateway, make_client: MakeClient
) -> None:
    client = make_client(routed(upstream, start_gateway))

    raw = client.chat.completions.with_raw_response.create(
        model="auto", messages=[{"role": "user", "content": hard_prompt()}], stream=True
    )
    chunks = list(raw.parse())

    assert raw.headers["x-strata-model"] == "strong"
    assert {c.model for c in chunks} == {"strong"}


def test_a_prompt_router_with_an_embedding_classifier_still_routes(
    upstream: FakeUpstream, start_gateway: StartGateway
) -> None:
    gateway = routed(upstream, start_gateway, embedding_model="emb")

    models = [chat(gateway, "auto", content).headers.get("x-strata-model") for content in (GREETING, hard_prompt())]

    assert set(models) <= {"strong", "cheap"} and None not in models
    embedded = [r["body"]["input"] for r in upstream.requests() if r["path"].endswith("/embeddings")]
    assert [len(batch) for batch in embedded] == [12, 1, 1], "examples once, then one text per call"
    assert embedded[1] == [GREETING]
    assert {r["body"]["model"] for r in upstream.requests() if r["path"].endswith("/embeddings")} == {"emb-up"}
    assert len(chat_models(upstream)) == 2


def test_an_embedding_model_outage_does_not_fail_routed_calls(
    upstream: FakeUpstream, start_gateway: StartGateway
) -> None:
    gateway = routed(upstream, start_gateway, embedding_model="emb")
    upstream.set_behaviour("emb-up", status=503)

    response = chat(gateway, "auto", GREETING)

    assert response.status_code == 200, response.text
    assert response.headers["x-strata-model"] == "cheap", "the heuristic alone decides"


@pytest.mark.parametrize("shape", ["router-over-router", "fallback-to-router"])
def test_a_model_naming_a_prompt_router_is_refused_when_the_catalog_loads(upstream: FakeUpstream, shape: str) -> None:
    """A router or fallback may only name models that can answer: a prompt-routed model has no pool
    of its own, so naming one is refused when the catalog loads, naming the key, not at run time."""
    models: dict[str, Any] = {
        "strong": pool(deployment(upstream, "strong-up")),
        "cheap": pool(deployment(upstream, "cheap-up")),
        "auto": {"router": {"strong": "strong", "cheap": "cheap"}},
    }
    if shape == "router-over-router":
        models["outer"] = {"router": {"strong": "auto", "cheap": "cheap", "threshold": 0}}
        where = "models.outer.router.strong"
    else:
        models["outer"] = pool(deployment(upstream, "down-up"), retries={"attempts": 1}, fallbacks=["auto"])
        where = "models.outer.routing.fallbacks[0]"
    with pytest.raises(ConfigError) as refused:
        parse_catalog(yaml.safe_dump({"models": models}), "strata.yaml", environ=ENVIRON)
    assert f"strata.yaml: {where}: 'auto' is a prompt router; name a model with deployments" in str(refused.value)
