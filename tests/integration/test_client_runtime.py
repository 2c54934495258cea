"""Strata's Python client calling a real gateway over HTTP: models, chat (whole and streamed), embeddings,
Converse (whole and streamed), CountTokens and ApplyGuardrail, sync and async; each error class for
its status; retries honouring Retry-After against the fake upstream, within the call's deadline."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest

from gateway.client import (
    APIConnectionError,
    AsyncStrata,
    AuthenticationError,
    BadRequestError,
    GuardrailIntervened,
    NotFoundError,
    PermissionDeniedError,
    RateLimit,
    RateLimitError,
    ServiceUnavailableError,
    Strata,
    StrataError,
    TimeoutError,
    UpstreamError,
)
from gateway.client.types import ChatCompletion, ChatCompletionChunk, ConverseStreamEvent, Embeddings
from tests.fakes.upstream import FakeUpstream
from tests.integration.client_helpers import BLOCKED, GUARDRAIL, USER, client_gateway
from tests.integration.conftest import closed_port_url
from tests.support.gateway import RunningGateway

FAKE_ANSWER = "Hello from the fake upstream."


@pytest.fixture(scope="module")
def gateway(upstream_server: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    with client_gateway(upstream_server, tmp_path_factory.mktemp("client-runtime")) as running:
        yield running


@pytest.fixture()
def strata(gateway: RunningGateway, upstream: FakeUpstream) -> Iterator[Strata]:
    """A client without retries, on a gateway whose deployments are all back in rotation."""
    with Strata(gateway.base_url, gateway.master_key, max_retries=0, timeout=10) as client:
        client.admin.deployments.reset()
        yield client


def _say(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


# ---------------------------------------------------------------- the calls, sync


def test_models_lists_what_the_key_may_call(strata: Strata) -> None:
    models = strata.models.list()
    assert {"gpt-test", "echo", "emb-test", "guarded"} <= {m.id for m in models}
    assert strata.models.get("emb-test").capabilities == next(m for m in models if m.id == "emb-test").capabilities


def test_chat_returns_a_typed_completion(strata: Strata) -> None:
    reply = strata.chat(model="gpt-test", messages=USER, temperature=0.2, max_tokens=20)
    assert isinstance(reply, ChatCompletion)
    assert reply.choices[0].message.content == FAKE_ANSWER and reply.text == FAKE_ANSWER
    assert reply.usage is not None and reply.usage.total_tokens > 0
    assert reply.model == "gpt-test"


def test_chat_params_reach_the_upstream_as_given(strata: Strata, upstream: FakeUpstream) -> None:
    strata.chat("gpt-test", USER, temperature=0.3, max_tokens=7, metadata={"job": "nightly"})
    sent = upstream.requests()[-1]["body"]
    assert sent["temperature"] == 0.3 and sent["max_tokens"] == 7 and sent.get("stream") in (None, False)


def test_chat_stream_yields_typed_chunks_in_order(strata: Strata) -> None:
    with strata.chat_stream("echo", _say("one two three")) as stream:
        chunks = list(stream)
    assert all(isinstance(c, ChatCompletionChunk) for c in chunks)
    assert "".join(c.text for c in chunks) == "one two three"
    assert chunks[-1].choices == [] or chunks[-1].choices[0].finish_reason == "stop"


def test_embed_returns_one_vector_per_input(strata: Strata) -> None:
    result = strata.embed("emb-test", ["first", "second", "third"])
    assert isinstance(result, Embeddings)
    assert len(result.vectors) == 3 and len({len(v) for v in result.vectors}) == 1
    assert len(strata.embed("emb-test", "alone").vectors) == 1


def test_converse_answers_in_bedrock_shape(strata: Strata) -> None:
    answer = strata.converse("echo", _say("hello converse"), system="Be brief.", inferenceConfig={"maxTokens": 50})
    assert answer.output.message.role == "assistant"
    assert answer.output.message.content[0].text == "hello converse" == answer.text
    assert answer.stopReason == "end_turn"
    assert (
        answer.usage.inputTokens > 0
        and answer.usage.totalTokens == answer.usage.inputTokens + answer.usage.outputTokens
    )


def test_converse_stream_yields_bedrock_events(strata: Strata) -> None:
    with strata.converse_stream("echo", [{"role": "user", "content": [{"text": "streamed words"}]}]) as stream:
        events = list(stream)
    assert all(isinstance(e, ConverseStreamEvent) for e in events)
    kinds = [e.type for e in events]
    assert kinds[0] == "messageStart" and kinds[-1] == "metadata" and "messageStop" in kinds
    assert "".join(e.text for e in events) == "streamed words"
    assert events[-1].usage is not None and events[-1].usage.outputTokens > 0


def test_count_tokens_counts_without_calling_a_model(strata: Strata, upstream: FakeUpstream) -> None:
    short = strata.count_tokens("gpt-test", _say("hi"))
    longer = strata.count_tokens("gpt-test", _say("hi " * 50), system="You are terse.")
    assert 0 < short < longer
    assert upstream.requests() == []


def test_apply_guardrail_reports_without_a_model_call(strata: Strata) -> None:
    blocked = strata.apply_guardrail(GUARDRAIL, "foo and bar")
    assert blocked.blocked and blocked.outputs == [BLOCKED] and blocked.policies == ["wordPolicy"]
    assert blocked.assessment["wordPolicy"]["customWords"][0]["match"] == "foo"
    passed = strata.apply_guardrail(GUARDRAIL, ["all clear", "nothing here"], source="output")
    assert not passed.blocked and passed.action == "NONE"


# ---------------------------------------------------------------- guardrails that block a call


def test_a_blocked_chat_raises_guardrail_intervened_with_the_assessment(strata: Strata) -> None:
    with pytest.raises(GuardrailIntervened) as caught:
        strata.chat("guarded", _say("tell me about foo"))
    error = caught.value
    assert error.output == BLOCKED
    assert error.assessment.policies == ["words"] and error.assessment.blocked
    assert error.assessment.input[0]["guardrailId"] == GUARDRAIL
    assert isinstance(error.response, ChatCompletion)


def test_a_blocked_stream_raises_at_its_end(strata: Strata) -> None:
    seen: list[str] = []
    with pytest.raises(GuardrailIntervened) as caught:
        for chunk in strata.chat_stream("guarded", _say("foo")):
            seen.append(chunk.text)
    assert "".join(seen) == BLOCKED == caught.value.output
    assert caught.value.assessment.policies == ["words"]


def test_a_blocked_converse_raises_with_bedrock_trace(strata: Strata) -> None:
    config = {"guardrailIdentifier": GUARDRAIL, "guardrailVersion": "1", "trace": "enabled"}
    with pytest.raises(GuardrailIntervened) as caught:
        strata.converse("echo", _say("foo"), guardrailConfig=config)
    assert caught.value.output == BLOCKED
    assert GUARDRAIL in caught.value.assessment["inputAssessment"]
    with pytest.raises(GuardrailIntervened):
        list(strata.converse_stream("echo", _say("foo"), guardrailConfig=config))


def test_blocked_embeddings_raise_guardrail_intervened(strata: Strata) -> None:
    with pytest.raises(GuardrailIntervened) as caught:
        strata.embed("guarded-emb", ["fine", "foo"])
    assert caught.value.status == 400 and caught.value.code == "guardrail_intervened"


def test_raise_on_guardrail_off_returns_the_guardrails_answer(gateway: RunningGateway) -> None:
    with Strata(gateway.base_url, gateway.master_key, raise_on_guardrail=False) as client:
        reply = client.chat("guarded", _say("foo"))
    assert reply.text == BLOCKED and reply.choices[0].finish_reason == "content_filter"
    assert reply.strata_guardrail is not None and reply.strata_guardrail.blocked


# ---------------------------------------------------------------- errors, each for its status


def test_a_wrong_key_is_an_authentication_error_on_every_surface(gateway: RunningGateway) -> None:
    with Strata(gateway.base_url, "sk-wrong", max_retries=0) as client:
        with pytest.raises(AuthenticationError) as openai_side:
            client.chat("gpt-test", USER)
        with pytest.raises(AuthenticationError) as bedrock_side:
            client.converse("gpt-test", USER)
    assert openai_side.value.status == 401 and bedrock_side.value.status == 403


def test_a_key_that_is_not_admin_is_denied_the_admin_api(strata: Strata, gateway: RunningGateway) -> None:
    key = strata.admin.keys.create(name="plain-runtime")
    with Strata(gateway.base_url, key.key, max_retries=0) as client:
        with pytest.raises(PermissionDeniedError) as caught:
            client.admin.deployments.list()
        with pytest.raises(PermissionDeniedError):
            client.admin.guardrails.list()
    assert caught.value.status == 403


def test_unknown_models_are_not_found_on_both_surfaces(strata: Strata) -> None:
    with pytest.raises(NotFoundError) as chat:
        strata.chat("no-such-model", USER)
    with pytest.raises(NotFoundError) as converse:
        strata.converse("no-such-model", USER)
    assert chat.value.code == "model_not_found" and chat.value.param == "model"
    assert converse.value.code == "ResourceNotFoundException"  # Bedrock's name for it, as boto3's Error.Code


def test_a_bad_request_names_its_param(strata: Strata) -> None:
    with pytest.raises(BadRequestError) as caught:
        strata.chat("gpt-test", [{"role": "wizard", "content": "hi"}])
    assert caught.value.status == 400 and caught.value.param == "messages[0].role"


def test_a_rate_limit_names_the_limit_and_the_wait(strata: Strata, gateway: RunningGateway) -> None:
    key = strata.admin.keys.create(name="one-a-minute", limits={"rpm": 1})
    with Strata(gateway.base_url, key.key, max_retries=0) as client:
        client.chat("gpt-test", USER)
        with pytest.raises(RateLimitError) as caught:
            client.chat("gpt-test", USER)
    error = caught.value
    assert error.status == 429 and error.retry_after is not None and 1 <= error.retry_after <= 60
    assert error.limit == RateLimit("rpm", f"key {key.id}", 1.0)
    assert error.headers["x-ratelimit-limit-requests"] == "1"


def test_upstream_failures_are_upstream_errors(strata: Strata, upstream: FakeUpstream) -> None:
    upstream.set_behaviour("fake-model", status=500, error_message="upstream exploded")
    with pytest.raises(UpstreamError) as caught:
        strata.chat("gpt-test", USER)
    assert caught.value.status == 502


def test_an_unreachable_upstream_is_service_unavailable(strata: Strata) -> None:
    with pytest.raises(ServiceUnavailableError) as caught:
        strata.chat("gpt-down", USER)
    assert caught.value.status == 503


def test_a_slow_upstream_is_the_gateways_timeout(strata: Strata, upstream: FakeUpstream) -> None:
    upstream.set_behaviour("slow-model", latency_ms=2000)
    with pytest.raises(TimeoutError) as caught:
        strata.chat("gpt-slow", USER)
    assert caught.value.status == 504


def test_the_clients_own_deadline_is_a_timeout(gateway: RunningGateway, upstream: FakeUpstream) -> None:
    upstream.set_behaviour("fake-model", latency_ms=4000)
    started = time.monotonic()
    with Strata(gateway.base_url, gateway.master_key, timeout=0.4) as client, pytest.raises(TimeoutError) as caught:
        client.chat("gpt-test", USER)
    assert caught.value.status is None and time.monotonic() - started < 2.0  # not the upstream's 4 s


def test_a_stream_cut_by_the_upstream_raises_mid_iteration(strata: Strata, upstream: FakeUpstream) -> None:
    upstream.set_behaviour("fake-model", drop_after_chunks=2, chunk_count=6)
    seen = []
    with pytest.raises(UpstreamError):
        for chunk in strata.chat_stream("gpt-test", USER):
            seen.append(chunk)
    assert seen, "the chunks before the cut arrived"


def test_an_unreachable_gateway_is_a_connection_error() -> None:
    with Strata(closed_port_url().removesuffix("/v1"), "sk-x", max_retries=0) as client:
        with pytest.raises(APIConnectionError, match="Cannot reach the gateway"):
            client.models.list()


def test_configuration_comes_from_the_environment(gateway: RunningGateway, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STRATA_BASE_URL", gateway.base_url)
    monkeypatch.setenv("STRATA_API_KEY", gateway.master_key)
    with Strata() as client:
        assert client.base_url == gateway.base_url and client.models.list()
    monkeypatch.delenv("STRATA_API_KEY")
    with pytest.raises(StrataError, match="STRATA_API_KEY"):
        Strata()


# ---------------------------------------------------------------- retries


def _chat_requests(upstream: FakeUpstream) -> int:
    return sum(r["path"] == "/v1/chat/completions" for r in upstream.requests())


def test_a_429_is_retried_after_the_wait_it_names(upstream: FakeUpstream) -> None:
    """Straight at the fake upstream (an OpenAI-compatible server): 429 + Retry-After: 1, twice, then 200."""
    upstream.set_behaviour("fake-model", status=429, retry_after=1, fail_times=2)
    started = time.monotonic()
    with Strata(upstream.base_url, "sk-any", max_retries=3, timeout=10) as client:
        reply = client.chat("fake-model", USER)
    elapsed = time.monotonic() - started
    assert reply.text == FAKE_ANSWER
    assert _chat_requests(upstream) == 3
    assert 2.0 <= elapsed < 5.0, elapsed


def test_a_429_through_the_gateway_is_retried(gateway: RunningGateway, upstream: FakeUpstream) -> None:
    """The gateway passes the upstream's Retry-After on; the client waits it and the next try succeeds."""
    upstream.set_behaviour("fake-model", status=429, retry_after=1, fail_times=1)
    with Strata(gateway.base_url, gateway.master_key, max_retries=2, timeout=10) as client:
        client.admin.deployments.reset()
        assert client.chat("gpt-test", USER).text == FAKE_ANSWER
    assert _chat_requests(upstream) == 2


def test_max_retries_zero_raises_the_first_429(upstream: FakeUpstream) -> None:
    upstream.set_behaviour("fake-model", status=429, retry_after=1, fail_times=5)
    with Strata(upstream.base_url, "sk-any", max_retries=0) as client, pytest.raises(RateLimitError) as caught:
        client.chat("fake-model", USER)
    assert caught.value.retry_after == 1.0 and _chat_requests(upstream) == 1


def test_retries_stop_at_the_deadline(upstream: FakeUpstream) -> None:
    upstream.set_behaviour("fake-model", status=429, retry_after=1)  # refuses for ever
    started = time.monotonic()
    with Strata(upstream.base_url, "sk-any", max_retries=50, timeout=2.5) as client, pytest.raises(RateLimitError):
        client.chat("fake-model", USER)
    elapsed = time.monotonic() - started
    assert elapsed < 2.5 + 1.0, elapsed  # the deadline, not 50 retries
    assert 2 <= _chat_requests(upstream) <= 3


def test_a_retry_after_beyond_the_deadline_is_not_waited_for(upstream: FakeUpstream) -> None:
    upstream.set_behaviour("fake-model", status=429, retry_after=30)
    started = time.monotonic()
    with Strata(upstream.base_url, "sk-any", max_retries=5, timeout=5) as client, pytest.raises(RateLimitError):
        client.chat("fake-model", USER)
    assert time.monotonic() - started < 2.0 and _chat_requests(upstream) == 1


def test_503_and_refused_connections_are_retried(upstream: FakeUpstream) -> None:
    upstream.set_behaviour("fake-model", status=503, retry_after=0.2, fail_times=1)
    with Strata(upstream.base_url, "sk-any", max_retries=2) as client:
        assert client.chat("fake-model", USER).text == FAKE_ANSWER
    assert _chat_requests(upstream) == 2
    started = time.monotonic()
    with Strata(closed_port_url().removesuffix("/v1"), "sk-x", max_retries=2) as client:
        with pytest.raises(APIConnectionError):
            client.models.list()
    assert time.monotonic() - started >= 0.5, "two backoffs (about 0.5 s and 1 s) before giving up"


# ---------------------------------------------------------------- async


def test_the_async_client_makes_the_same_calls(gateway: RunningGateway, upstream: FakeUpstream) -> None:
    async def calls() -> dict[str, Any]:
        async with AsyncStrata(gateway.base_url, gateway.master_key, max_retries=0) as client:
            chat = await client.chat("gpt-test", USER)
            chunks = [c.text async for c in await client.chat_stream("echo", _say("async words"))]
            events = [e async for e in await client.converse_stream("echo", _say("async converse"))]
            return {
                "models": {m.id for m in await client.models.list()},
                "chat": chat.text,
                "stream": "".join(chunks),
                "embed": len((await client.embed("emb-test", ["a", "b"])).vectors),
                "converse": (await client.converse("echo", _say("hi there"))).text,
                "converse_stream": "".join(e.text for e in events),
                "tokens": await client.count_tokens("gpt-test", _say("count me")),
                "guardrail": (await client.apply_guardrail(GUARDRAIL, "foo")).blocked,
            }

    found = asyncio.run(calls())
    assert "gpt-test" in found["models"]
    assert found["chat"] == FAKE_ANSWER and found["stream"] == "async words" and found["embed"] == 2
    assert found["converse"] == "hi there" and found["converse_stream"] == "async converse"
    assert found["tokens"] > 0 and found["guardrail"] is True


def test_the_async_client_raises_the_same_errors_and_retries(gateway: RunningGateway, upstream: FakeUpstream) -> None:
    async def calls() -> list[type[BaseException]]:
        raised: list[type[BaseException]] = []
        async with AsyncStrata(gateway.base_url, "sk-wrong", max_retries=0) as client:
            for call in (client.chat("gpt-test", USER), client.converse("gpt-test", USER)):
                try:
                    await call
                except StrataError as error:
                    raised.append(type(error))
        async with AsyncStrata(gateway.base_url, gateway.master_key, max_retries=0) as client:
            try:
                async for _ in await client.chat_stream("guarded", _say("foo")):
                    pass
            except StrataError as error:
                raised.append(type(error))
        upstream.set_behaviour("fake-model", status=429, retry_after=1, fail_times=1)
        async with AsyncStrata(upstream.base_url, "sk-any", max_retries=2) as client:
            assert (await client.chat("fake-model", USER)).text == FAKE_ANSWER
        return raised

    started = time.monotonic()
    assert asyncio.run(calls()) == [AuthenticationError, AuthenticationError, GuardrailIntervened]
    assert time.monotonic() - started >= 1.0 and _chat_requests(upstream) == 2
