"""The Anthropic Messages API (/v1/messages), driven by the unmodified ``anthropic`` SDK against a
real gateway over the fake OpenAI-compatible upstream: create, streams, tools, count_tokens, each
error class, auth, usage records and guardrails. Other backends: test_anthropic_backends.py."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anthropic
import httpx
import pytest
import yaml

from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import ENVIRON, NO_RETRIES, closed_port_url, openai_deployment
from tests.support.gateway import RunningGateway, gateway_in_thread

HELLO = [{"role": "user", "content": "Say hello."}]
WEATHER_TOOL = {
    "name": "get_weather",
    "description": "The weather in a city.",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}
BLOCKED = "Sorry, that topic is off limits."
PIXEL = base64.b64encode(b"\x89PNG\r\n\x1a\n fake image bytes").decode()


def _catalog(api_base: str) -> str:
    def model(upstream_model: str, **extra: Any) -> dict[str, Any]:
        return {"deployments": [openai_deployment(api_base, upstream_model, **extra)], "routing": NO_RETRIES}

    models = {
        "claude-fake": model("messages-up", vision=True),
        "claude-proxy": model("proxy-up", anthropic_extensions=True),
        "claude-tools": model("tools-up"),
        "claude-failing": model("failing-up"),
        "claude-rpm": {**model("rpm-up"), "limits": {"rpm": 1}},
        "claude-down": {"deployments": [openai_deployment(closed_port_url())], "routing": NO_RETRIES},
    }
    guardrail = {
        "blockedInputMessaging": BLOCKED,
        "blockedOutputsMessaging": BLOCKED,
        "wordPolicyConfig": {"wordsConfig": [{"text": "nightingale"}]},
    }
    return yaml.safe_dump({"guardrails": {"words": guardrail}, "models": models})


@pytest.fixture(scope="module")
def gateway(upstream_server: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    folder: Path = tmp_path_factory.mktemp("anthropic")
    catalog = _catalog(upstream_server.url)
    with gateway_in_thread(catalog, folder, environ=ENVIRON, usage_flush_interval_s=0.05) as running:
        yield running


@pytest.fixture()
def client(gateway: RunningGateway, upstream: FakeUpstream) -> Iterator[anthropic.Anthropic]:
    httpx.post(f"{gateway.base_url}/admin/deployments/reset", headers=gateway.headers()).raise_for_status()
    with anthropic.Anthropic(base_url=gateway.base_url, api_key=gateway.master_key, max_retries=0, timeout=10) as c:
        yield c


def _sent(upstream: FakeUpstream) -> dict[str, Any]:
    """The body of the last chat request the upstream received."""
    chats = [r for r in upstream.requests() if r["path"].endswith("/chat/completions")]
    assert chats, "the upstream was not called"
    body: dict[str, Any] = chats[-1]["body"]
    return body


def _record(gateway: RunningGateway, request_id: str) -> dict[str, Any]:
    for _ in range(100):
        rows = httpx.get(
            f"{gateway.base_url}/admin/usage/records", params={"request_id": request_id}, headers=gateway.headers()
        ).json()["rows"]
        if rows:
            return dict(rows[0])
        time.sleep(0.05)
    raise AssertionError(f"no usage record for {request_id}")


# ---------------------------------------------------------------- create


def test_create_answers_in_anthropics_shape(client: anthropic.Anthropic, upstream: FakeUpstream) -> None:
    message = client.messages.create(
        model="claude-fake",
        max_tokens=50,
        system="You are terse.",
        messages=HELLO,
        stop_sequences=["END"],
        extra_body={"temperature": 0.2, "top_p": 0.9, "top_k": 5},
    )
    assert message.type == "message" and message.role == "assistant"
    assert message.id.startswith("msg_") and message.model == "claude-fake"
    assert [(b.type, getattr(b, "text", None)) for b in message.content] == [("text", "Hello from the fake upstream.")]
    assert message.stop_reason == "end_turn" and message.stop_sequence is None
    assert message.usage.output_tokens == 5 and message.usage.input_tokens > 0
    assert message._request_id  # the SDK reads it from the request-id header
    sent = _sent(upstream)
    assert sent["messages"] == [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "Say hello."},
    ]
    assert (sent["max_tokens"], sent["stop"], sent["temperature"], sent["top_p"], sent["top_k"]) == (
        50,
        ["END"],
        0.2,
        0.9,
        5,
    )


SYSTEM_BLOCKS = [
    {"type": "text", "text": "You are a helpful assistant.", "cache_control": {"type": "ephemeral"}},
    {"type": "text", "text": "Answer in English."},
]
THINKING = {"type": "enabled", "budget_tokens": 1024}


def test_cache_control_and_thinking_stay_out_of_a_plain_openai_upstream(
    client: anthropic.Anthropic, upstream: FakeUpstream
) -> None:
    """OpenAI's API refuses fields it does not know; Claude Code sends cache_control on every call."""
    message = client.messages.create(
        model="claude-fake", max_tokens=2000, system=SYSTEM_BLOCKS, messages=HELLO, extra_body={"thinking": THINKING}
    )  # type: ignore[arg-type]
    assert message.content[0].type == "text"
    sent = _sent(upstream)
    assert "thinking" not in sent and "cache_control" not in json.dumps(sent)
    assert sent["messages"][0] == {
        "role": "system",
        "content": [
            {"type": "text", "text": "You are a helpful assistant."},
            {"type": "text", "text": "Answer in English."},
        ],
    }


def test_system_blocks_keep_their_cache_control_for_an_upstream_that_reads_it(
    client: anthropic.Anthropic, upstream: FakeUpstream
) -> None:
    client.messages.create(
        model="claude-proxy", max_tokens=2000, system=SYSTEM_BLOCKS, messages=HELLO, extra_body={"thinking": THINKING}
    )  # type: ignore[arg-type]
    sent = _sent(upstream)
    assert sent["messages"][0] == {"role": "system", "content": SYSTEM_BLOCKS}
    assert sent["thinking"] == THINKING


def test_a_base64_image_reaches_the_upstream_as_a_data_url(client: anthropic.Anthropic, upstream: FakeUpstream) -> None:
    content = [
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PIXEL}},
        {"type": "text", "text": "What is in this picture?"},
    ]
    client.messages.create(model="claude-fake", max_tokens=20, messages=[{"role": "user", "content": content}])  # type: ignore[misc, list-item]
    parts = _sent(upstream)["messages"][0]["content"]
    assert parts == [
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PIXEL}"}},
        {"type": "text", "text": "What is in this picture?"},
    ]


def test_max_tokens_reached_is_the_max_tokens_stop_reason(client: anthropic.Anthropic) -> None:
    message = client.messages.create(model="claude-fake", max_tokens=2, messages=HELLO)
    assert message.stop_reason == "max_tokens"
    assert message.content[0].type == "text" and message.content[0].text == "Hello from"


# ---------------------------------------------------------------- streams


def test_the_stream_helper_yields_text_and_the_final_message(client: anthropic.Anthropic) -> None:
    with client.messages.stream(model="claude-fake", max_tokens=50, messages=HELLO) as stream:
        pieces = list(stream.text_stream)
        final = stream.get_final_message()
    assert "".join(pieces) == "Hello from the fake upstream." and len(pieces) > 1
    assert final.content[0].type == "text" and final.content[0].text == "Hello from the fake upstream."
    assert final.stop_reason == "end_turn" and final.model == "claude-fake"
    assert final.usage.output_tokens == 5 and final.usage.input_tokens > 0  # from message_delta


def test_the_stream_sends_anthropics_events_in_order(gateway: RunningGateway) -> None:
    body = {"model": "claude-fake", "max_tokens": 50, "messages": HELLO, "stream": True}
    headers = {"x-api-key": gateway.master_key, "anthropic-version": "2023-06-01"}
    with httpx.stream("POST", f"{gateway.base_url}/v1/messages", json=body, headers=headers, timeout=10) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        names = [line[7:] for line in response.iter_lines() if line.startswith("event: ")]
    deltas = names.count("content_block_delta")
    assert names == [
        "message_start",
        "ping",
        "content_block_start",
        *["content_block_delta"] * deltas,
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]


def test_a_streamed_tool_call_arrives_as_tool_use_with_its_input(
    client: anthropic.Anthropic, upstream: FakeUpstream
) -> None:
    upstream.set_behaviour("tools-up", tool_call={"name": "get_weather", "arguments": '{"city": "Paris"}'})
    with client.messages.stream(
        model="claude-tools", max_tokens=50, messages=HELLO, tools=[WEATHER_TOOL], tool_choice={"type": "any"}
    ) as stream:
        kinds = [event.type for event in stream]
        final = stream.get_final_message()
    assert "input_json" in kinds
    assert final.stop_reason == "tool_use"
    block = final.content[0]
    assert block.type == "tool_use" and block.name == "get_weather" and block.input == {"city": "Paris"}
    sent = _sent(upstream)
    assert sent["tool_choice"] == "required"
    assert sent["tools"][0]["function"]["parameters"] == WEATHER_TOOL["input_schema"]


def test_an_upstream_failing_mid_stream_makes_the_sdk_raise(
    client: anthropic.Anthropic, upstream: FakeUpstream
) -> None:
    upstream.set_behaviour("messages-up", drop_after_chunks=2)
    with pytest.raises(anthropic.APIStatusError) as caught:
        with client.messages.stream(model="claude-fake", max_tokens=50, messages=HELLO) as stream:
            for _ in stream:
                pass
    assert caught.value.type == "api_error"
    assert isinstance(caught.value.body, dict) and caught.value.body["type"] == "error"


# ---------------------------------------------------------------- tools


def test_a_tool_round_trip_sends_the_call_and_its_result_upstream(
    client: anthropic.Anthropic, upstream: FakeUpstream
) -> None:
    upstream.set_behaviour("tools-up", tool_call={"name": "get_weather", "arguments": '{"city": "Oslo"}'})
    ask = [{"role": "user", "content": "Weather in Oslo?"}]
    first = client.messages.create(model="claude-tools", max_tokens=50, messages=ask, tools=[WEATHER_TOOL])  # type: ignore[arg-type]
    assert first.stop_reason == "tool_use"
    use = first.content[0]
    assert use.type == "tool_use" and use.input == {"city": "Oslo"}

    upstream.set_behaviour("tools-up", content="It is sunny in Oslo.")
    result = {"type": "tool_result", "tool_use_id": use.id, "content": [{"type": "text", "text": "sunny, 21 C"}]}
    history = [*ask, {"role": "assistant", "content": first.content}, {"role": "user", "content": [result]}]
    second = client.messages.create(model="claude-tools", max_tokens=50, messages=history, tools=[WEATHER_TOOL])  # type: ignore[arg-type]
    assert second.content[0].type == "text" and second.content[0].text == "It is sunny in Oslo."
    assistant, tool = _sent(upstream)["messages"][1:]
    assert assistant["tool_calls"] == [
        {"id": use.id, "type": "function", "function": {"name": "get_weather", "arguments": '{"city":"Oslo"}'}}
    ]
    assert tool == {"role": "tool", "tool_call_id": use.id, "content": "sunny, 21 C"}


# ---------------------------------------------------------------- count_tokens


def test_count_tokens_counts_without_calling_the_model(client: anthropic.Anthropic, upstream: FakeUpstream) -> None:
    short = client.messages.count_tokens(model="claude-fake", messages=HELLO)
    longer = client.messages.count_tokens(
        model="claude-fake", system="You answer questions about the weather.", messages=HELLO, tools=[WEATHER_TOOL]
    )
    assert 0 < short.input_tokens < longer.input_tokens
    assert upstream.requests() == []


# ---------------------------------------------------------------- errors


def test_a_bad_body_is_a_bad_request_error(client: anthropic.Anthropic, gateway: RunningGateway) -> None:
    with pytest.raises(anthropic.BadRequestError) as caught:
        client.messages.create(model="claude-fake", max_tokens=10, messages=[])
    assert caught.value.type == "invalid_request_error"
    response = httpx.post(
        f"{gateway.base_url}/v1/messages",
        json={"model": "claude-fake", "messages": HELLO},
        headers={"x-api-key": gateway.master_key},
    )
    assert response.status_code == 400
    assert response.json() == {
        "type": "error",
        "error": {"type": "invalid_request_error", "message": "max_tokens: Field required."},
        "request_id": response.headers["x-request-id"],
    }


def test_a_wrong_key_is_an_authentication_error(gateway: RunningGateway) -> None:
    with anthropic.Anthropic(base_url=gateway.base_url, api_key="sk-wrong", max_retries=0) as stranger:
        with pytest.raises(anthropic.AuthenticationError) as caught:
            stranger.messages.create(model="claude-fake", max_tokens=10, messages=HELLO)
    assert caught.value.type == "authentication_error"


def test_a_key_may_not_do_what_only_admins_may(gateway: RunningGateway) -> None:
    created = httpx.post(
        f"{gateway.base_url}/admin/keys",
        json={"name": "plain", "allowed_models": ["claude-tools"]},
        headers=gateway.headers(),
    )
    assert created.status_code == 201, created.text
    key = created.json()["key"]
    with anthropic.Anthropic(base_url=gateway.base_url, api_key=key, max_retries=0) as plain:
        with pytest.raises(anthropic.PermissionDeniedError) as caught:
            plain.messages.create(
                model="claude-tools",
                max_tokens=10,
                messages=HELLO,
                extra_headers={"x-strata-routing-strategy": "least-busy"},
            )
        assert caught.value.type == "permission_error"
        # A model the key may not use looks like one that does not exist (as at OpenAI and Anthropic).
        with pytest.raises(anthropic.NotFoundError):
            plain.messages.create(model="claude-fake", max_tokens=10, messages=HELLO)


def test_an_unknown_model_is_a_not_found_error(client: anthropic.Anthropic) -> None:
    with pytest.raises(anthropic.NotFoundError) as caught:
        client.messages.create(model="claude-nonexistent", max_tokens=10, messages=HELLO)
    assert caught.value.type == "not_found_error"


def test_an_unknown_path_under_messages_answers_in_anthropics_shape(gateway: RunningGateway) -> None:
    response = httpx.get(f"{gateway.base_url}/v1/messages/batches", headers={"x-api-key": gateway.master_key})
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "not_found_error"
    wrong_method = httpx.get(f"{gateway.base_url}/v1/messages", headers={"x-api-key": gateway.master_key})
    assert wrong_method.status_code == 405 and wrong_method.json()["type"] == "error"


def test_over_a_quota_is_a_rate_limit_error(client: anthropic.Anthropic) -> None:
    left = 60.0 - time.time() % 60.0
    if left < 5:
        time.sleep(left + 0.05)  # both calls in one minute's window
    client.messages.create(model="claude-rpm", max_tokens=10, messages=HELLO)
    with pytest.raises(anthropic.RateLimitError) as caught:
        client.messages.create(model="claude-rpm", max_tokens=10, messages=HELLO)
    assert caught.value.type == "rate_limit_error"
    assert int(caught.value.response.headers["retry-after"]) >= 1


def test_an_upstream_failure_is_an_internal_server_error(client: anthropic.Anthropic, upstream: FakeUpstream) -> None:
    upstream.set_behaviour("failing-up", status=500)
    with pytest.raises(anthropic.InternalServerError) as caught:
        client.messages.create(model="claude-failing", max_tokens=10, messages=HELLO)
    assert caught.value.status_code >= 500 and caught.value.type == "api_error"


def test_an_unreachable_upstream_is_an_overloaded_error(client: anthropic.Anthropic) -> None:
    with pytest.raises(anthropic.OverloadedError) as caught:
        client.messages.create(model="claude-down", max_tokens=10, messages=HELLO)
    assert caught.value.status_code == 529 and caught.value.type == "overloaded_error"


# ---------------------------------------------------------------- auth, headers, usage, guardrails


def test_a_bearer_token_and_anthropics_headers_are_accepted(gateway: RunningGateway) -> None:
    beta = {"anthropic-beta": "prompt-caching-2024-07-31,interleaved-thinking-2025-05-14"}
    with anthropic.Anthropic(
        base_url=gateway.base_url, auth_token=gateway.master_key, max_retries=0, default_headers=beta
    ) as bearer:
        message = bearer.messages.create(model="claude-fake", max_tokens=10, messages=HELLO)
    assert message.content


def test_the_usage_record_names_the_anthropic_surface_and_the_user(
    client: anthropic.Anthropic, gateway: RunningGateway
) -> None:
    raw = client.messages.with_raw_response.create(
        model="claude-fake", max_tokens=50, messages=HELLO, metadata={"user_id": "user-42"}
    )
    message = raw.parse()
    record = _record(gateway, raw.headers["x-request-id"])
    assert record["surface"] == "anthropic" and record["model"] == "claude-fake" and record["status"] == 200
    assert record["request_metadata"] == {"user_id": "user-42"}
    assert (record["prompt_tokens"], record["completion_tokens"]) == (
        message.usage.input_tokens,
        message.usage.output_tokens,
    )


def test_a_blocked_prompt_is_answered_as_a_refusal(client: anthropic.Anthropic, upstream: FakeUpstream) -> None:
    secret = [{"role": "user", "content": "Tell me about Nightingale."}]
    guarded = {"x-strata-guardrail": "words"}
    raw = client.messages.with_raw_response.create(
        model="claude-fake", max_tokens=50, messages=secret, extra_headers=guarded
    )
    message = raw.parse()
    assert message.stop_reason == "refusal"
    assert message.content[0].type == "text" and message.content[0].text == BLOCKED
    assert raw.http_response.json()["strata_guardrail"]["blocked"] is True
    with client.messages.stream(model="claude-fake", max_tokens=50, messages=secret, extra_headers=guarded) as stream:
        final = stream.get_final_message()
    assert final.stop_reason == "refusal" and final.content[0].type == "text" and final.content[0].text == BLOCKED
    assert upstream.requests() == [], "no model was called"
