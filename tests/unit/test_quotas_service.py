"""QuotaService with the in-process store: which scopes apply, reservations, settlement, 429s.

Principals are built by hand (virtual keys come from the keys work), the catalog holds echo
deployments with fixed prices, and the clock is a variable, so windows are explicit.
"""

from __future__ import annotations

import asyncio
import calendar
from collections.abc import Coroutine, Mapping
from typing import Any, TypeVar

import pytest
import yaml

from gateway.config.catalog import parse_catalog
from gateway.errors import RateLimited
from gateway.schemas.limits import Limits
from gateway.services.catalog import ModelCatalog, PublicModel
from gateway.services.context import CallContext, Principal
from gateway.services.pricing import PriceTable
from gateway.services.quotas import QuotaService, Reservation
from providers.base import ProviderResources
from providers.canonical import ChatCompletionRequest, EmbeddingRequest
from providers.http import HttpClients
from providers.tokens import count_prompt

T = TypeVar("T")
START = float(calendar.timegm((2025, 3, 14, 12, 0, 0)))  # a minute boundary
PRICED = {"input_cost_per_token": 0.001, "output_cost_per_token": 0.002}  # 1000 / 2000 micro-USD per token
MASTER = Principal(key_id="master", is_admin=True)
OPENAI_MINI = {"provider": "openai", "model": "gpt-4o-mini", "api_base": "http://127.0.0.1:9/v1"}


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


class Clock:
    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def catalog(models: Mapping[str, Mapping[str, Any]]) -> ModelCatalog:
    entries = {
        name: {"deployments": [{"provider": "echo", "pricing": PRICED}], **({"limits": dict(lim)} if lim else {})}
        for name, lim in models.items()
    }
    return ModelCatalog(
        parse_catalog(yaml.safe_dump({"models": entries}), "t.yaml", environ={}), ProviderResources(HttpClients()), 0
    )


def service(models: Mapping[str, Mapping[str, Any]], clock: Clock | None = None) -> tuple[QuotaService, ModelCatalog]:
    models_ = catalog(models)
    return QuotaService(models_, PriceTable(models_, table={}), clock=clock or Clock()), models_


def chat(model: str, text: str = "one two three four", max_tokens: int | None = None) -> ChatCompletionRequest:
    return ChatCompletionRequest(model=model, messages=[{"role": "user", "content": text}], max_tokens=max_tokens)


def new_call(model: str) -> CallContext:
    call = CallContext(request_id="r", surface="openai")
    call.model = model
    return call


async def reserve(
    quotas: QuotaService,
    model: PublicModel,
    principal: Principal = MASTER,
    request: ChatCompletionRequest | None = None,
) -> tuple[CallContext, Reservation | None]:
    call = new_call(model.name)
    held = await quotas.reserve_chat(call, principal, model, request or chat(model.name))
    return call, held


async def finish(
    quotas: QuotaService, call: CallContext, held: Reservation | None, prompt: int, completion: int
) -> None:
    call.prompt_tokens, call.completion_tokens, call.deployment = prompt, completion, f"{call.model}/0"
    await quotas.settle(call, held)


# ---------------------------------------------------------------- which scopes


def test_a_call_without_limits_takes_the_fast_path() -> None:
    quotas, models = service({"free": {}})
    call, held = run(reserve(quotas, models.get("free")))
    assert held is None and call.rate_limit_headers is None
    assert quotas.scopes(MASTER, models.get("free")) == []


def test_scopes_run_from_the_most_specific_to_the_model() -> None:
    quotas, models = service({"m": {"rpm": 100}})
    principal = Principal(
        key_id="k1",
        team_id="t1",
        limits=Limits(rpm=10),
        team_limits=Limits(tpm=1000),
        model_limits={"m": Limits(max_concurrent=2), "other": Limits(rpm=1)},
    )
    labels = [s.label for s in quotas.scopes(principal, models.get("m"))]
    assert labels == ["key k1 on model m", "key k1", "team t1", "model m"]


def test_a_team_limit_needs_a_team() -> None:
    quotas, models = service({"m": {}})
    assert quotas.scopes(Principal(key_id="k", team_limits=Limits(rpm=1)), models.get("m")) == []


def test_a_prompt_routed_call_counts_against_both_models() -> None:
    quotas, models = service({"auto": {"rpm": 5}, "strong": {"rpm": 7}})
    labels = [s.label for s in quotas.scopes(MASTER, models.get("strong"), requested="auto")]
    assert labels == ["model auto", "model strong"]


# ---------------------------------------------------------------- requests per minute


def test_rpm_admits_exactly_n_in_a_minute_then_names_the_limit() -> None:
    clock = Clock(START + 45.5)
    quotas, models = service({"gpt-x": {"rpm": 5}}, clock)

    async def scenario() -> RateLimited:
        for expected_left in (4, 3, 2, 1, 0):
            call, held = await reserve(quotas, models.get("gpt-x"))
            assert held is not None and call.rate_limit_headers is not None
            assert call.rate_limit_headers["x-ratelimit-remaining-requests"] == str(expected_left)
        with pytest.raises(RateLimited) as caught:
            await reserve(quotas, models.get("gpt-x"))
        return caught.value

    error = run(scenario())
    assert error.status == 429 and error.code == "rate_limit_exceeded"
    assert error.message.startswith("Rate limit reached for model gpt-x: 5 requests per minute.")
    assert error.retry_after == pytest.approx(14.5)


def test_a_refusal_carries_headers_and_a_new_minute_admits_again() -> None:
    clock = Clock(START + 59.0)
    quotas, models = service({"m": {"rpm": 1}}, clock)

    async def scenario() -> None:
        await reserve(quotas, models.get("m"))
        call = new_call("m")
        with pytest.raises(RateLimited):
            await quotas.reserve_chat(call, MASTER, models.get("m"), chat("m"))
        assert call.rate_limit_headers == {
            "x-ratelimit-limit-requests": "1",
            "x-ratelimit-remaining-requests": "0",
            "x-ratelimit-reset-requests": "1s",
        }
        clock.now = START + 60.0
        _, held = await reserve(quotas, models.get("m"))
        assert held is not None

    run(scenario())


def test_a_refusal_in_one_scope_takes_nothing_from_the_others() -> None:
    quotas, models = service({"m": {"rpm": 10}})
    principal = Principal(key_id="k", limits=Limits(rpm=1))

    async def scenario() -> None:
        await reserve(quotas, models.get("m"), principal)
        for _ in range(3):
            with pytest.raises(RateLimited, match="for key k: 1 requests per minute"):
                await reserve(quotas, models.get("m"), principal)
        call, _ = await reserve(quotas, models.get("m"))  # the master key: only the model scope
        assert call.rate_limit_headers is not None
        assert call.rate_limit_headers["x-ratelimit-remaining-requests"] == "8"  # 10 - 1 (k) - 1 (this)

    run(scenario())


def test_headers_describe_the_tightest_scope() -> None:
    quotas, models = service({"m": {"rpm": 100, "tpm": 50}})
    principal = Principal(key_id="k", limits=Limits(rpm=3, tpm=1000))
    call, _ = run(reserve(quotas, models.get("m"), principal, chat("m", max_tokens=10)))
    assert call.rate_limit_headers is not None
    headers = call.rate_limit_headers
    assert (headers["x-ratelimit-limit-requests"], headers["x-ratelimit-remaining-requests"]) == ("3", "2")
    assert headers["x-ratelimit-limit-tokens"] == "50"
    assert headers["x-ratelimit-remaining-tokens"] == str(50 - 14)  # 4 words (the echo model's tokens) + 10
    assert headers["x-ratelimit-reset-tokens"] == "1m0s"  # the clock stands on a minute boundary


# ---------------------------------------------------------------- tokens per minute


def test_tpm_reserves_max_tokens_and_settles_to_the_real_count() -> None:
    quotas, models = service({"m": {"tpm": 100}})
    model = models.get("m")

    async def scenario() -> None:
        call, held = await reserve(quotas, model, request=chat("m", "abcd" * 4, max_tokens=60))  # 1 word + 60
        assert held is not None and held.checks[0].amount == 61
        with pytest.raises(RateLimited, match=r"100 tokens per minute \(used 61, requested 61\)"):
            await reserve(quotas, model, request=chat("m", "abcd" * 4, max_tokens=60))
        await finish(quotas, call, held, prompt=7, completion=5)
        assert quotas.local.usage(held.checks[0]) == 12  # the refund is exact
        _, again = await reserve(quotas, model, request=chat("m", "abcd" * 4, max_tokens=60))
        assert again is not None and quotas.local.usage(again.checks[0]) == 73

    run(scenario())


def test_the_prompt_is_counted_by_the_models_tokenizer_not_by_characters() -> None:
    """Dense text (CJK, code) has more tokens than characters / 4: reserving by characters let
    concurrent calls pass a tpm limit. An OpenAI-compatible model counts with tiktoken, offline."""
    entries = {"m": {"limits": {"tpm": 100_000}, "deployments": [OPENAI_MINI]}}
    models = ModelCatalog(
        parse_catalog(yaml.safe_dump({"models": entries}), "t.yaml", environ={}), ProviderResources(HttpClients()), 0
    )
    quotas = QuotaService(models, PriceTable(models, table={}), clock=Clock())
    text = "東京都の天気はどうですか。明日は雨が降りますか。" * 20  # 480 characters
    request = ChatCompletionRequest(model="m", messages=[{"role": "user", "content": text}], max_tokens=1)
    _, held = run(reserve(quotas, models.get("m"), request=request))
    assert held is not None
    counted = count_prompt(request, "gpt-4o-mini")
    assert held.checks[0].amount == counted + 1
    assert counted > len(text) // 4 * 1.5, "tiktoken's count, well above the character estimate"


def test_a_call_without_max_tokens_reserves_the_models_output_estimate() -> None:
    entries = {
        "m": {"limits": {"tpm": 1000}, "estimated_output_tokens": 300, "deployments": [{"provider": "echo"}]},
        "d": {"limits": {"tpm": 1000}, "deployments": [{"provider": "echo"}]},
    }
    models = ModelCatalog(
        parse_catalog(yaml.safe_dump({"models": entries}), "t.yaml", environ={}), ProviderResources(HttpClients()), 0
    )
    quotas = QuotaService(models, PriceTable(models, table={}), clock=Clock())
    _, held = run(reserve(quotas, models.get("m"), request=chat("m")))
    assert held is not None and held.checks[0].amount == 4 + 300
    _, default = run(reserve(quotas, models.get("d"), request=chat("d")))
    assert default is not None and default.checks[0].amount == 4 + 256, "the default estimate"


def test_a_tokenizer_that_fails_falls_back_to_characters(monkeypatch: pytest.MonkeyPatch) -> None:
    quotas, models = service({"m": {"tpm": 100}})
    model = models.get("m")

    async def broken(request: ChatCompletionRequest) -> int:
        raise RuntimeError("the model is still loading")

    monkeypatch.setattr(model.deployments[0].provider, "count_tokens", broken)
    _, held = run(reserve(quotas, model, request=chat("m", "x" * 40, max_tokens=10)))
    assert held is not None and held.checks[0].amount == 40 // 4 + 3 + 10


def test_an_oversized_request_runs_alone_in_an_empty_window() -> None:
    clock = Clock()
    quotas, models = service({"m": {"tpm": 10}}, clock)

    async def scenario() -> None:
        _, held = await reserve(quotas, models.get("m"), request=chat("m", max_tokens=500))
        assert held is not None
        with pytest.raises(RateLimited):
            await reserve(quotas, models.get("m"), request=chat("m", max_tokens=1))

    run(scenario())


def test_a_failed_call_settles_at_zero_and_an_unknown_usage_keeps_the_estimate() -> None:
    quotas, models = service({"m": {"tpm": 1000}})
    model = models.get("m")

    async def scenario() -> None:
        call, held = await reserve(quotas, model, request=chat("m", max_tokens=100))
        assert held is not None
        await quotas.settle(call, held, failed=True)
        assert quotas.local.usage(held.checks[0]) == 0
        await quotas.settle(call, held, failed=True)  # idempotent
        call, kept = await reserve(quotas, model, request=chat("m", max_tokens=100))
        assert kept is not None
        await quotas.settle(call, kept)  # succeeded, but no usage reported
        assert quotas.local.usage(kept.checks[0]) == kept.checks[0].amount

    run(scenario())


def test_embeddings_reserve_their_input() -> None:
    quotas, models = service({"e": {"tpm": 1000}})
    call = new_call("e")
    request = EmbeddingRequest(model="e", input=["a" * 40, "b" * 8])
    held = run(quotas.reserve_embeddings(call, MASTER, models.get("e"), request))
    assert held is not None and held.checks[0].amount == 11 + 3


# ---------------------------------------------------------------- concurrency


def test_concurrency_slots_are_held_until_settled_however_the_call_ends() -> None:
    quotas, models = service({"m": {"max_concurrent": 2}})
    model = models.get("m")

    async def scenario() -> None:
        first = await reserve(quotas, model)
        second = await reserve(quotas, model)
        with pytest.raises(RateLimited, match="Concurrency limit reached for model m: 2 requests at a time") as hit:
            await reserve(quotas, model)
        assert hit.value.retry_after == 1.0
        await quotas.settle(first[0], first[1], failed=True)
        third = await reserve(quotas, model)
        await finish(quotas, *second, prompt=1, completion=1)
        await finish(quotas, *third, prompt=1, completion=1)
        assert third[1] is not None and quotas.local.usage(third[1].checks[0]) == 0

    run(scenario())


# ---------------------------------------------------------------- budgets


def test_a_daily_budget_stops_spending_at_the_budget() -> None:
    clock = Clock(START)
    quotas, models = service({"m": {"budget_usd_day": 0.05}}, clock)  # 50,000 micro-USD
    model = models.get("m")

    async def scenario() -> tuple[int, RateLimited]:
        served = 0
        while True:
            try:
                call, held = await reserve(quotas, model, request=chat("m", "abcd", max_tokens=4))
            except RateLimited as error:  # reserve: (1 + 3) * 1000 + 4 * 2000 = 12,000 micro-USD
                return served, error
            await finish(quotas, call, held, prompt=4, completion=4)  # costs exactly 12,000
            served += 1

    served, error = run(scenario())
    assert served == 4  # 4 * 12,000 = 48,000; a fifth would end at 60,000 > 50,000
    assert error.code == "insufficient_quota"
    assert "Budget reached for model m: 0.05 USD per day (UTC); 0.048 USD spent or reserved" in error.message
    assert error.retry_after == pytest.approx(12 * 3600)  # until 00:00 UTC


def test_budget_refunds_are_exact_in_micro_dollars() -> None:
    quotas, models = service({"m": {"budget_usd_month": 1}})
    model = models.get("m")

    async def scenario() -> int:
        for _ in range(1000):
            call, held = await reserve(quotas, model, request=chat("m", "x", max_tokens=50))
            await finish(quotas, call, held, prompt=0, completion=0)
        call, held = await reserve(quotas, model, request=chat("m", "x", max_tokens=50))
        await finish(quotas, call, held, prompt=1, completion=0)
        assert held is not None
        return quotas.local.usage(held.checks[0])

    assert run(scenario()) == 1000  # one prompt token, after 1000 full refunds


def test_the_monthly_budget_resets_at_the_first_of_next_month() -> None:
    clock = Clock(float(calendar.timegm((2025, 12, 31, 23, 0, 0))))
    quotas, models = service({"m": {"budget_usd_month": 0.001}}, clock)

    async def scenario() -> RateLimited:
        call, held = await reserve(quotas, models.get("m"), request=chat("m", "x", max_tokens=1))
        await finish(quotas, call, held, prompt=1, completion=0)
        with pytest.raises(RateLimited) as caught:
            await reserve(quotas, models.get("m"), request=chat("m", "x", max_tokens=1))
        return caught.value

    error = run(scenario())
    assert "per month (UTC)" in error.message and error.retry_after == pytest.approx(3600)


def test_the_refusal_names_the_limit_that_lasts_longest() -> None:
    quotas, models = service({"m": {"rpm": 1, "budget_usd_day": 0.001}})

    async def scenario() -> RateLimited:
        call, held = await reserve(quotas, models.get("m"), request=chat("m", "x", max_tokens=1))
        await finish(quotas, call, held, prompt=1, completion=0)
        with pytest.raises(RateLimited) as caught:
            await reserve(quotas, models.get("m"), request=chat("m", "x", max_tokens=1))
        return caught.value

    assert run(scenario()).message.startswith("Budget reached for model m")
