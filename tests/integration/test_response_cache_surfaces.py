"""A cached answer replays on every surface, with that surface's real SDK: Bedrock Converse,
ConverseStream, InvokeModel and its stream (boto3, the x-strata-cache header added by an event
hook), Anthropic Messages, and OpenAI Responses."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import anthropic
import openai
import pytest

from tests.fakes.upstream import FakeUpstream
from tests.integration.cache_helpers import cache_catalog, upstream_calls
from tests.integration.conftest import ENVIRON
from tests.support.bedrock import bedrock_gateway, isolate_aws_environment, sigv4_client
from tests.support.gateway import RunningGateway

HELLO = [{"role": "user", "content": [{"text": "What is the capital of France?"}]}]


@pytest.fixture()
def gateway(upstream: FakeUpstream, tmp_path: Any) -> Iterator[RunningGateway]:
    with bedrock_gateway(cache_catalog(upstream), tmp_path, ENVIRON) as running:
        yield running


@pytest.fixture()
def runtime(gateway: RunningGateway, monkeypatch: pytest.MonkeyPatch) -> Any:
    isolate_aws_environment(monkeypatch)
    return sigv4_client("bedrock-runtime", gateway)


def _cache_header(response: Any) -> str:
    return str(response["ResponseMetadata"]["HTTPHeaders"].get("x-strata-cache"))


def test_bedrock_converse_is_answered_from_the_cache(upstream: FakeUpstream, runtime: Any) -> None:
    asked = {"modelId": "cached", "messages": HELLO, "inferenceConfig": {"temperature": 0}}
    first = runtime.converse(**asked)
    second = runtime.converse(**asked)
    assert _cache_header(first) == "miss" and _cache_header(second) == "hit"
    assert second["output"] == first["output"] and second["usage"] == first["usage"]
    assert second["stopReason"] == "end_turn"
    assert upstream_calls(upstream) == 1


def test_bedrock_converse_stream_replays_as_an_event_stream(upstream: FakeUpstream, runtime: Any) -> None:
    upstream.set_behaviour(content="Paris is the capital of France.", chunk_count=3)
    asked = {"modelId": "cached", "messages": HELLO, "inferenceConfig": {"temperature": 0}}
    first = list(runtime.converse_stream(**asked)["stream"])
    replay = runtime.converse_stream(**asked)
    assert _cache_header(replay) == "hit"
    second = list(replay["stream"])
    assert [next(iter(e)) for e in second] == [next(iter(e)) for e in first]
    text = "".join(e["contentBlockDelta"]["delta"]["text"] for e in second if "contentBlockDelta" in e)
    assert text == "Paris is the capital of France."
    assert second[-1]["metadata"]["usage"] == first[-1]["metadata"]["usage"]
    assert upstream_calls(upstream) == 1


def test_bedrock_callers_send_the_same_header(upstream: FakeUpstream, runtime: Any) -> None:
    def only_if_cached(request: Any, **_: Any) -> None:
        request.headers["x-strata-cache"] = "only-if-cached"

    runtime.meta.events.register("before-sign.bedrock-runtime.Converse", only_if_cached)
    with pytest.raises(runtime.exceptions.ModelTimeoutException):
        runtime.converse(modelId="cached", messages=HELLO, inferenceConfig={"temperature": 0})
    assert upstream_calls(upstream) == 0


def test_anthropic_messages_and_their_stream_are_answered_from_the_cache(
    upstream: FakeUpstream, gateway: RunningGateway
) -> None:
    upstream.set_behaviour(content="Paris is the capital of France.", chunk_count=3)
    asked: dict[str, Any] = {
        "model": "cached",
        "max_tokens": 50,
        "extra_body": {"temperature": 0},  # this SDK release has no `temperature` argument
        "messages": [{"role": "user", "content": "What is the capital of France?"}],
    }
    with anthropic.Anthropic(base_url=gateway.base_url, api_key=gateway.master_key, max_retries=0) as client:
        first = client.messages.create(**asked)
        raw = client.messages.with_raw_response.create(**asked)
        assert raw.headers["x-strata-cache"] == "hit"
        second = raw.parse()
        assert second.content == first.content and second.usage == first.usage and second.stop_reason == "end_turn"
        with client.messages.stream(**asked) as stream:
            text = "".join(stream.text_stream)
            final = stream.get_final_message()
    assert text == "Paris is the capital of France."
    assert final.usage.output_tokens == first.usage.output_tokens
    assert upstream_calls(upstream) == 1


def test_bedrock_invoke_model_and_its_stream_are_answered_from_the_cache(upstream: FakeUpstream, runtime: Any) -> None:
    upstream.set_behaviour(content="Paris is the capital of France.", chunk_count=3)
    body = json.dumps({"messages": [{"role": "user", "content": "What is the capital of France?"}], "temperature": 0})
    first = runtime.invoke_model(modelId="cached", body=body)
    second = runtime.invoke_model(modelId="cached", body=body)
    assert _cache_header(first) == "miss" and _cache_header(second) == "hit"
    answer = json.loads(second["body"].read())
    assert answer["choices"][0]["message"]["content"] == "Paris is the capital of France."

    streamed = runtime.invoke_model_with_response_stream(modelId="cached", body=body)
    assert _cache_header(streamed) == "hit"
    chunks = [json.loads(event["chunk"]["bytes"]) for event in streamed["body"]]
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c.get("choices"))
    assert text == "Paris is the capital of France."
    assert upstream_calls(upstream) == 1


def test_the_responses_api_is_answered_from_the_cache(upstream: FakeUpstream, gateway: RunningGateway) -> None:
    upstream.set_behaviour(content="Paris is the capital of France.")
    with openai.OpenAI(base_url=gateway.openai_base, api_key=gateway.master_key, max_retries=0) as client:
        asked: dict[str, Any] = {"model": "cached", "input": "What is the capital of France?", "temperature": 0}
        first = client.responses.with_raw_response.create(**asked)
        second = client.responses.with_raw_response.create(**asked)
    assert first.headers["x-strata-cache"] == "miss" and second.headers["x-strata-cache"] == "hit"
    assert second.parse().output_text == first.parse().output_text == "Paris is the capital of France."
    assert second.parse().id != first.parse().id
    assert upstream_calls(upstream) == 1
