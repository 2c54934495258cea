"""InvokeModel (+ stream) with each native body family, and CountTokens, through real boto3 clients."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import ENVIRON
from tests.support.bedrock import bedrock_catalog, bedrock_gateway, isolate_aws_environment, sigv4_client
from tests.support.gateway import RunningGateway

FAKE_ANSWER = "Hello from the fake upstream."
ANTHROPIC = {
    "anthropic_version": "bedrock-2023-05-31",
    "max_tokens": 100,
    "system": "Be brief.",
    "messages": [{"role": "user", "content": [{"type": "text", "text": "Say hello."}]}],
}


@pytest.fixture(scope="module")
def gateway(upstream_server: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    folder: Path = tmp_path_factory.mktemp("bedrock-invoke")
    with bedrock_gateway(bedrock_catalog(upstream_server.url), folder, ENVIRON) as running:
        yield running


@pytest.fixture(scope="module")
def runtime(gateway: RunningGateway) -> Iterator[Any]:
    with pytest.MonkeyPatch.context() as patch:
        isolate_aws_environment(patch)
        client = sigv4_client("bedrock-runtime", gateway)
        yield client
        client.close()


def invoke(runtime: Any, model: str, body: dict[str, Any], **extra: Any) -> tuple[dict[str, Any], dict[str, str]]:
    response = runtime.invoke_model(modelId=model, body=json.dumps(body), contentType="application/json", **extra)
    answer: dict[str, Any] = json.loads(response["body"].read())
    return answer, response["ResponseMetadata"]["HTTPHeaders"]


def invoke_stream(runtime: Any, model: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    response = runtime.invoke_model_with_response_stream(modelId=model, body=json.dumps(body))
    assert response["contentType"] == "application/json"
    return [json.loads(event["chunk"]["bytes"]) for event in response["body"]]


def test_an_anthropic_messages_body(upstream: FakeUpstream, runtime: Any) -> None:
    answer, headers = invoke(runtime, "gpt-test", ANTHROPIC)

    assert answer["type"] == "message" and answer["role"] == "assistant" and answer["model"] == "gpt-test"
    assert answer["content"] == [{"type": "text", "text": FAKE_ANSWER}]
    assert answer["stop_reason"] == "end_turn"
    assert answer["usage"] == {"input_tokens": 10, "output_tokens": 5}  # the fake counts 3 + words per message
    assert headers["x-amzn-bedrock-input-token-count"] == "10"
    assert headers["x-amzn-bedrock-output-token-count"] == "5"
    assert int(headers["x-amzn-bedrock-invocation-latency"]) >= 0
    assert upstream.requests()[-1]["body"]["messages"][0] == {"role": "system", "content": "Be brief."}


def test_an_anthropic_body_with_tools(upstream: FakeUpstream, runtime: Any) -> None:
    upstream.set_behaviour("fake-model", tool_call={"name": "lookup", "arguments": '{"q": "x"}'})
    tools = [{"name": "lookup", "description": "Look up", "input_schema": {"type": "object"}}]

    answer, _ = invoke(runtime, "gpt-test", {**ANTHROPIC, "tools": tools, "tool_choice": {"type": "auto"}})

    assert answer["stop_reason"] == "tool_use"
    (use,) = answer["content"]
    assert use["type"] == "tool_use" and use["name"] == "lookup" and use["input"] == {"q": "x"}


def test_an_anthropic_stream(upstream: FakeUpstream, runtime: Any) -> None:
    events = invoke_stream(runtime, "org/model-a", ANTHROPIC)

    types = [e["type"] for e in events]
    assert types[:2] == ["message_start", "content_block_start"]
    assert types[-3:] == ["content_block_stop", "message_delta", "message_stop"]
    text = "".join(e["delta"]["text"] for e in events if e["type"] == "content_block_delta")
    assert text == FAKE_ANSWER
    assert events[-2]["delta"]["stop_reason"] == "end_turn"
    metrics = events[-1]["amazon-bedrock-invocationMetrics"]
    assert (metrics["inputTokenCount"], metrics["outputTokenCount"]) == (10, 5)
    assert metrics["invocationLatency"] >= metrics["firstByteLatency"] >= 0


def test_titan_text(upstream: FakeUpstream, runtime: Any) -> None:
    body = {"inputText": "Say hello.", "textGenerationConfig": {"maxTokenCount": 3, "temperature": 0}}

    answer, headers = invoke(runtime, "gpt-test", body)

    assert answer == {
        "inputTextTokenCount": 5,
        "results": [{"tokenCount": 3, "outputText": "Hello from the", "completionReason": "LENGTH"}],
    }
    assert headers["x-amzn-bedrock-output-token-count"] == "3"

    events = invoke_stream(runtime, "gpt-test", body)
    assert "".join(e["outputText"] for e in events) == "Hello from the"
    assert events[-1]["completionReason"] == "LENGTH" and events[-1]["totalOutputTextTokenCount"] == 3


def test_meta_llama(upstream: FakeUpstream, runtime: Any) -> None:
    prompt = (
        "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nSay hello.<|eot_id|>"
        "<|start_header_id|>assistant<|end_header_id|>\n\n"
    )
    body = {"prompt": prompt, "max_gen_len": 64, "temperature": 0.5}

    answer, _ = invoke(runtime, "acme.chat-v1:0", body)

    assert answer == {
        "generation": FAKE_ANSWER,
        "prompt_token_count": 5,
        "generation_token_count": 5,
        "stop_reason": "stop",
    }
    assert upstream.requests()[-1]["body"]["messages"] == [{"role": "user", "content": "Say hello."}]

    events = invoke_stream(runtime, "acme.chat-v1:0", body)
    assert "".join(e["generation"] for e in events) == FAKE_ANSWER
    assert events[-1]["stop_reason"] == "stop" and events[-1]["generation_token_count"] == 5


def test_mistral_text_completion(upstream: FakeUpstream, runtime: Any) -> None:
    body = {
        "prompt": "<s>[INST] Say hello. [/INST]",
        "max_tokens": 50,
        "temperature": 0.5,
        "top_k": 5,
        "stop": ["\n\n"],
    }

    answer, _ = invoke(runtime, "acme.chat-v1:0", body)

    assert answer == {"outputs": [{"text": FAKE_ANSWER, "stop_reason": "stop"}]}
    sent = upstream.requests()[-1]["body"]
    assert sent["messages"] == [{"role": "user", "content": "Say hello."}]
    assert (sent["max_tokens"], sent["stop"], sent["top_k"]) == (50, ["\n\n"], 5)

    events = invoke_stream(runtime, "acme.chat-v1:0", body)
    assert "".join(e["outputs"][0]["text"] for e in events) == FAKE_ANSWER
    assert events[-1]["outputs"][0]["stop_reason"] == "stop"


def test_an_openai_chat_body_for_any_model(upstream: FakeUpstream, runtime: Any) -> None:
    body = {"messages": [{"role": "user", "content": "Say hello."}], "max_tokens": 50}

    answer, _ = invoke(runtime, "org/model-a", body)

    assert answer["object"] == "chat.completion" and answer["model"] == "org/model-a"
    assert answer["choices"][0]["message"]["content"] == FAKE_ANSWER

    events = invoke_stream(runtime, "org/model-a", {**body, "stream_options": {"include_usage": True}})
    assert all(e["object"] == "chat.completion.chunk" for e in events)
    assert "".join(c["delta"].get("content") or "" for e in events for c in e["choices"]) == FAKE_ANSWER
    assert events[-1]["usage"]["total_tokens"] == 10 and "amazon-bedrock-invocationMetrics" in events[-1]


def test_titan_embeddings(upstream: FakeUpstream, runtime: Any) -> None:
    answer, headers = invoke(runtime, "emb-test", {"inputText": "hello world"})

    assert len(answer["embedding"]) == 8 and answer["inputTextTokenCount"] == 2
    assert headers["x-amzn-bedrock-input-token-count"] == "2"

    sized, _ = invoke(runtime, "emb-test", {"inputText": "hello world", "dimensions": 4, "embeddingTypes": ["float"]})
    assert len(sized["embedding"]) == 4 and sized["embeddingsByType"]["float"] == sized["embedding"]


def test_cohere_embeddings(upstream: FakeUpstream, runtime: Any) -> None:
    answer, _ = invoke(runtime, "emb-test", {"texts": ["one", "two three"], "input_type": "search_document"})

    assert answer["response_type"] == "embeddings_floats" and answer["texts"] == ["one", "two three"]
    assert [len(v) for v in answer["embeddings"]] == [8, 8] and answer["embeddings"][0] != answer["embeddings"][1]


def test_request_metadata_header_is_accepted(upstream: FakeUpstream, runtime: Any) -> None:
    answer, _ = invoke(runtime, "gpt-test", ANTHROPIC, requestMetadata=json.dumps({"team": "search"}))

    assert answer["content"][0]["text"] == FAKE_ANSWER


def test_count_tokens_for_converse_and_invoke_inputs(upstream: FakeUpstream, runtime: Any) -> None:
    converse = runtime.count_tokens(
        modelId="gpt-test",
        input={"converse": {"messages": [{"role": "user", "content": [{"text": "Say hello to everyone."}]}]}},
    )
    anthropic = runtime.count_tokens(
        modelId="gpt-test", input={"invokeModel": {"body": json.dumps(ANTHROPIC).encode()}}
    )
    cohere = runtime.count_tokens(
        modelId="emb-test", input={"invokeModel": {"body": json.dumps({"texts": ["a b c", "d"]}).encode()}}
    )

    assert converse["inputTokens"] > 5  # the text, plus OpenAI's per-message framing
    assert anthropic["inputTokens"] > 5
    assert cohere["inputTokens"] == 4
    assert upstream.requests() == []  # counting calls nothing upstream


def test_a_nova_body_is_refused_by_name(runtime: Any) -> None:
    body = {
        "schemaVersion": "messages-v1",
        "messages": [{"role": "user", "content": [{"text": "Say hello."}]}],
        "inferenceConfig": {"maxTokens": 20},
    }
    with pytest.raises(ClientError) as caught:
        invoke(runtime, "gpt-test", body)
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert "Nova" in caught.value.response["Error"]["Message"]
