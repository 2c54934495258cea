"""Converse and ConverseStream through the real boto3 client, SigV4-signed, over plain HTTP."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import EventStreamError

from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import ENVIRON
from tests.support.bedrock import bedrock_catalog, bedrock_gateway, isolate_aws_environment, sigv4_client
from tests.support.gateway import RunningGateway

HELLO = [{"role": "user", "content": [{"text": "Say hello."}]}]
FAKE_ANSWER = "Hello from the fake upstream."
WEATHER_TOOL = {
    "toolSpec": {
        "name": "get_weather",
        "description": "The current weather in a city",
        "inputSchema": {"json": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}},
    }
}


@pytest.fixture(scope="module")
def gateway(upstream_server: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    folder: Path = tmp_path_factory.mktemp("bedrock-converse")
    with bedrock_gateway(bedrock_catalog(upstream_server.url), folder, ENVIRON) as running:
        yield running


@pytest.fixture(scope="module")
def runtime(gateway: RunningGateway) -> Iterator[Any]:
    with pytest.MonkeyPatch.context() as patch:
        isolate_aws_environment(patch)
        client = sigv4_client("bedrock-runtime", gateway)
        yield client
        client.close()


def last_upstream_body(upstream: FakeUpstream) -> dict[str, Any]:
    body: dict[str, Any] = upstream.requests()[-1]["body"]
    return body


def test_converse_answers_in_bedrocks_shape(upstream: FakeUpstream, runtime: Any) -> None:
    response = runtime.converse(modelId="gpt-test", messages=HELLO)

    assert response["output"] == {"message": {"role": "assistant", "content": [{"text": FAKE_ANSWER}]}}
    assert response["stopReason"] == "end_turn"
    assert response["usage"] == {"inputTokens": 5, "outputTokens": 5, "totalTokens": 10}
    assert isinstance(response["metrics"]["latencyMs"], int)
    headers = response["ResponseMetadata"]["HTTPHeaders"]
    assert response["ResponseMetadata"]["RequestId"] == headers["x-request-id"]
    assert headers["x-strata-model"] == "gpt-test"


def test_system_inference_config_and_extra_fields_reach_the_upstream(upstream: FakeUpstream, runtime: Any) -> None:
    response = runtime.converse(
        modelId="gpt-test",
        system=[{"text": "Be brief."}],
        messages=HELLO,
        inferenceConfig={"maxTokens": 2, "temperature": 0.3, "topP": 0.8, "stopSequences": ["STOP"]},
        additionalModelRequestFields={"seed": 7},
        requestMetadata={"team": "search", "app": "bot"},
    )

    body = last_upstream_body(upstream)
    assert body["messages"] == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Say hello."}]
    assert (body["max_tokens"], body["temperature"], body["top_p"], body["stop"], body["seed"]) == (
        2,
        0.3,
        0.8,
        ["STOP"],
        7,
    )
    assert response["stopReason"] == "max_tokens"
    assert response["output"]["message"]["content"] == [{"text": "Hello from"}]


@pytest.mark.parametrize(
    ("model_id", "upstream_model"),
    [
        ("org/model-a", "model-a"),
        ("acme.chat-v1:0", "acme-chat"),
        ("arn:aws:bedrock:us-east-1::foundation-model/org/model-a", "model-a"),
    ],
)
def test_model_ids_that_boto3_percent_encodes_resolve(
    upstream: FakeUpstream, runtime: Any, model_id: str, upstream_model: str
) -> None:
    response = runtime.converse(modelId=model_id, messages=HELLO)

    assert response["output"]["message"]["content"][0]["text"] == FAKE_ANSWER
    assert last_upstream_body(upstream)["model"] == upstream_model


def test_images_and_documents_reach_the_upstream(upstream: FakeUpstream, runtime: Any) -> None:
    png = b"\x89PNG\r\n\x1a\n not really a png"
    content = [
        {"text": "What is in these?"},
        {"image": {"format": "png", "source": {"bytes": png}}},
        {"document": {"format": "txt", "name": "notes", "source": {"bytes": b"line one\nline two"}}},
    ]

    runtime.converse(modelId="acme.chat-v1:0", messages=[{"role": "user", "content": content}])  # one with vision

    parts = last_upstream_body(upstream)["messages"][0]["content"]
    assert parts[0] == {"type": "text", "text": "What is in these?"}
    assert parts[1] == {
        "type": "image_url",
        "image_url": {"url": "data:image/png;base64," + base64.b64encode(png).decode()},
    }
    assert parts[2] == {"type": "text", "text": '<document name="notes">\nline one\nline two\n</document>'}


def stream_events(runtime: Any, **request: Any) -> list[dict[str, Any]]:
    response = runtime.converse_stream(**request)
    return list(response["stream"])


def test_converse_stream_sends_bedrocks_events_in_order(upstream: FakeUpstream, runtime: Any) -> None:
    upstream.set_behaviour("fake-model", split_events=True)  # SSE events cut in the middle of their JSON

    events = stream_events(runtime, modelId="gpt-test", messages=HELLO)

    names = [next(iter(e)) for e in events]
    assert names[0] == "messageStart" and names[-3:] == ["contentBlockStop", "messageStop", "metadata"]
    assert set(names[1:-3]) == {"contentBlockDelta"}
    text = "".join(e["contentBlockDelta"]["delta"]["text"] for e in events if "contentBlockDelta" in e)
    assert text == FAKE_ANSWER
    assert events[-2] == {"messageStop": {"stopReason": "end_turn"}}
    assert events[-1]["metadata"]["usage"] == {"inputTokens": 5, "outputTokens": 5, "totalTokens": 10}
    assert events[-1]["metadata"]["metrics"]["latencyMs"] >= 0


def test_converse_stream_counts_usage_when_the_upstream_sends_none(upstream: FakeUpstream, runtime: Any) -> None:
    upstream.set_behaviour("fake-model", usage_in_stream=False)

    events = stream_events(runtime, modelId="gpt-test", messages=HELLO)

    usage = events[-1]["metadata"]["usage"]
    assert usage["outputTokens"] > 0 and usage["totalTokens"] == usage["inputTokens"] + usage["outputTokens"]


def test_a_tool_round_trip_through_converse(upstream: FakeUpstream, runtime: Any) -> None:
    upstream.set_behaviour("fake-model", tool_call={"name": "get_weather", "arguments": '{"city": "Paris"}'})
    question = {"role": "user", "content": [{"text": "What is the weather in Paris?"}]}
    tools = {"tools": [WEATHER_TOOL], "toolChoice": {"auto": {}}}

    first = runtime.converse(modelId="gpt-test", messages=[question], toolConfig=tools)

    assert first["stopReason"] == "tool_use"
    (block,) = first["output"]["message"]["content"]
    use = block["toolUse"]
    assert use["name"] == "get_weather" and use["input"] == {"city": "Paris"}
    sent = last_upstream_body(upstream)
    assert sent["tools"][0]["function"]["name"] == "get_weather" and sent["tool_choice"] == "auto"

    upstream.set_behaviour("fake-model", content="It is sunny in Paris.")
    result = {"toolResult": {"toolUseId": use["toolUseId"], "content": [{"json": {"sky": "clear", "temp_c": 21}}]}}
    final = runtime.converse(
        modelId="gpt-test",
        messages=[question, first["output"]["message"], {"role": "user", "content": [result]}],
        toolConfig=tools,
    )

    assert final["stopReason"] == "end_turn"
    assert final["output"]["message"]["content"] == [{"text": "It is sunny in Paris."}]
    history = last_upstream_body(upstream)["messages"]
    assert history[1]["tool_calls"][0]["id"] == use["toolUseId"]
    assert history[1]["tool_calls"][0]["function"] == {"name": "get_weather", "arguments": '{"city":"Paris"}'}
    assert history[2] == {"role": "tool", "tool_call_id": use["toolUseId"], "content": '{"sky":"clear","temp_c":21}'}


def test_tool_use_streams_as_a_tool_block_of_partial_json(upstream: FakeUpstream, runtime: Any) -> None:
    upstream.set_behaviour("fake-model", tool_call={"name": "get_weather", "arguments": '{"city": "Paris"}'})

    events = stream_events(
        runtime, modelId="gpt-test", messages=HELLO, toolConfig={"tools": [WEATHER_TOOL], "toolChoice": {"any": {}}}
    )

    starts = [e["contentBlockStart"] for e in events if "contentBlockStart" in e]
    assert len(starts) == 1 and starts[0]["start"]["toolUse"]["name"] == "get_weather"
    pieces = [e["contentBlockDelta"]["delta"]["toolUse"]["input"] for e in events if "contentBlockDelta" in e]
    assert len(pieces) > 1 and "".join(pieces) == '{"city": "Paris"}'
    assert {"messageStop": {"stopReason": "tool_use"}} in events
    assert last_upstream_body(upstream)["tool_choice"] == "required"


def test_a_stream_that_fails_in_the_middle_raises_in_boto3(upstream: FakeUpstream, runtime: Any) -> None:
    upstream.set_behaviour("fake-model", drop_after_chunks=2)
    received: list[dict[str, Any]] = []

    stream = runtime.converse_stream(modelId="gpt-test", messages=HELLO)["stream"]
    with closing(stream), pytest.raises(EventStreamError) as caught:
        for event in stream:
            received.append(event)

    assert caught.value.response["Error"]["Code"] == "modelStreamErrorException"
    assert [next(iter(e)) for e in received] == ["messageStart", "contentBlockDelta", "contentBlockDelta"]


def test_a_stream_that_fails_before_its_first_event_is_a_plain_error(upstream: FakeUpstream, runtime: Any) -> None:
    upstream.set_behaviour("fake-model", status=429)

    with pytest.raises(runtime.exceptions.ThrottlingException):
        runtime.converse_stream(modelId="gpt-test", messages=HELLO)
