"""What Anthropic's Messages API refuses, the gateway refuses too, with a 400 in Anthropic's shape
that names the field, before any model is called: sampling values out of range, images of another
media type, bad base64 or a non-HTTP URL, tools without a schema or with a bad or repeated name,
empty content, an unknown thinking type or budget, and tool results that answer no tool use.
What newer clients send and the gateway does not know (fields, metadata keys) is still accepted.
Driven by the unmodified ``anthropic`` SDK against a real gateway over the fake upstream."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anthropic
import httpx
import pytest
import yaml

from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import ENVIRON, NO_RETRIES, openai_deployment
from tests.support.gateway import RunningGateway, gateway_in_thread

HELLO: list[Any] = [{"role": "user", "content": "Say hello."}]
PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n a small picture").decode()
TOOL: dict[str, Any] = {"name": "get_weather", "input_schema": {"type": "object"}}
ASKED: list[Any] = [
    {"role": "user", "content": "Weather in Oslo?"},
    {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {}}]},
]


@pytest.fixture(scope="module")
def gateway(upstream_server: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    models = {
        "claude-checked": {
            "deployments": [openai_deployment(upstream_server.url, "checked-up", vision=True)],
            "routing": NO_RETRIES,
        },
        "echo": {"deployments": [{"provider": "echo"}]},
    }
    folder: Path = tmp_path_factory.mktemp("anthropic-validation")
    with gateway_in_thread(yaml.safe_dump({"models": models}), folder, environ=ENVIRON) as running:
        yield running


@pytest.fixture()
def client(gateway: RunningGateway, upstream: FakeUpstream) -> Iterator[anthropic.Anthropic]:
    with anthropic.Anthropic(base_url=gateway.base_url, api_key=gateway.master_key, max_retries=0, timeout=10) as c:
        yield c


def _refused(client: anthropic.Anthropic, upstream: FakeUpstream, **body: Any) -> str:
    """The message of the 400 the SDK raises for ``body`` (over a plain request); the model was not called."""
    request: dict[str, Any] = {"model": "claude-checked", "max_tokens": 2000, "messages": HELLO, **body}
    with pytest.raises(anthropic.BadRequestError) as caught:
        client.messages.create(**request)
    assert caught.value.type == "invalid_request_error"
    assert isinstance(caught.value.body, dict) and caught.value.body["type"] == "error"
    assert upstream.requests() == []
    message: str = caught.value.body["error"]["message"]
    return message


def _image(source: dict[str, Any]) -> list[Any]:
    return [{"role": "user", "content": [{"type": "image", "source": source}, {"type": "text", "text": "What?"}]}]


# ---------------------------------------------------------------- sampling


@pytest.mark.parametrize(
    ("field", "value"),
    [("temperature", 1.5), ("temperature", 2.0), ("temperature", -0.1), ("top_p", 1.5), ("top_k", -1)],
)
def test_a_sampling_value_out_of_anthropics_range_is_refused_naming_it(
    client: anthropic.Anthropic, upstream: FakeUpstream, field: str, value: float
) -> None:
    assert field in _refused(client, upstream, extra_body={field: value})  # the SDK has no argument for them


def test_sampling_values_at_the_edges_of_the_range_are_taken(
    client: anthropic.Anthropic, upstream: FakeUpstream
) -> None:
    client.messages.create(
        model="claude-checked", max_tokens=20, messages=HELLO, extra_body={"temperature": 1, "top_p": 0, "top_k": 0}
    )
    sent = upstream.requests()[-1]["body"]
    assert (sent["temperature"], sent["top_p"], sent["top_k"]) == (1, 0, 0)


# ---------------------------------------------------------------- images


@pytest.mark.parametrize(
    ("source", "named"),
    [
        ({"type": "base64", "media_type": "text/html", "data": "PGgxPmhpPC9oMT4="}, "media_type"),
        ({"type": "base64", "media_type": "image/svg+xml", "data": PNG}, "media_type"),
        ({"type": "base64", "media_type": "image/png", "data": "!!!not base64!!!"}, "base64"),
        ({"type": "base64", "media_type": "image/png", "data": PNG[:-2]}, "base64"),
        ({"type": "base64", "media_type": "image/png", "data": ""}, "empty"),
        ({"type": "url", "url": "file:///etc/passwd"}, "url"),
        ({"type": "url", "url": "ftp://example.com/a.png"}, "url"),
        ({"type": "url", "url": "https://"}, "url"),
    ],
)
def test_an_image_anthropic_would_not_read_is_refused(
    client: anthropic.Anthropic, upstream: FakeUpstream, source: dict[str, Any], named: str
) -> None:
    assert named in _refused(client, upstream, messages=_image(source))


@pytest.mark.parametrize("media_type", ["image/jpeg", "image/png", "image/gif", "image/webp"])
def test_an_image_of_each_media_type_anthropic_reads_is_sent_on(
    client: anthropic.Anthropic, upstream: FakeUpstream, media_type: str
) -> None:
    source = {"type": "base64", "media_type": media_type, "data": PNG}
    client.messages.create(model="claude-checked", max_tokens=20, messages=_image(source))
    [part, _] = upstream.requests()[-1]["body"]["messages"][0]["content"]
    assert part == {"type": "image_url", "image_url": {"url": f"data:{media_type};base64,{PNG}"}}


def test_an_image_inside_a_tool_result_is_checked_too(client: anthropic.Anthropic, upstream: FakeUpstream) -> None:
    image = {"type": "image", "source": {"type": "url", "url": "file:///etc/shadow"}}
    result = {"type": "tool_result", "tool_use_id": "toolu_1", "content": [image]}
    messages = [*ASKED, {"role": "user", "content": [result]}]
    assert "url" in _refused(client, upstream, messages=messages, tools=[TOOL])


# ---------------------------------------------------------------- tools


@pytest.mark.parametrize(
    ("tools", "named"),
    [
        ([{"name": "get_weather"}], "input_schema"),
        ([{"name": "", "input_schema": {"type": "object"}}], "name"),
        ([{"name": "bad name!", "input_schema": {"type": "object"}}], "name"),
        ([{"name": "x" * 129, "input_schema": {"type": "object"}}], "name"),
        ([TOOL, TOOL], "unique"),
    ],
)
def test_a_tool_anthropic_would_refuse_is_refused(
    client: anthropic.Anthropic, upstream: FakeUpstream, tools: list[Any], named: str
) -> None:
    assert named in _refused(client, upstream, tools=tools)


def test_a_tool_named_as_anthropic_allows_is_sent_on(client: anthropic.Anthropic, upstream: FakeUpstream) -> None:
    tool = {"name": "Read-file_2" + "x" * 117, "input_schema": {"type": "object"}}
    client.messages.create(model="claude-checked", max_tokens=20, messages=HELLO, tools=[tool])  # type: ignore[list-item]
    assert upstream.requests()[-1]["body"]["tools"][0]["function"]["name"] == tool["name"]


def test_a_tool_result_answering_no_tool_use_of_the_previous_turn_is_refused(
    client: anthropic.Anthropic, upstream: FakeUpstream
) -> None:
    result = {"type": "tool_result", "tool_use_id": "toolu_unknown", "content": "sunny"}
    message = _refused(client, upstream, messages=[*ASKED, {"role": "user", "content": [result]}], tools=[TOOL])
    assert "messages.2.content.0" in message and "toolu_unknown" in message
    orphan = [{"role": "user", "content": [{**result, "tool_use_id": "toolu_1"}]}]
    assert "toolu_1" in _refused(client, upstream, messages=orphan, tools=[TOOL])


def test_a_tool_result_answering_an_older_turn_is_refused(client: anthropic.Anthropic, upstream: FakeUpstream) -> None:
    answered = {"type": "tool_result", "tool_use_id": "toolu_1", "content": "sunny"}
    later = [
        *ASKED,
        {"role": "user", "content": [answered]},
        {"role": "assistant", "content": "It is sunny."},
        {"role": "user", "content": [answered]},
    ]
    assert "messages.4.content.0" in _refused(client, upstream, messages=later, tools=[TOOL])


def test_tool_results_answering_the_previous_turn_are_sent_on(
    client: anthropic.Anthropic, upstream: FakeUpstream
) -> None:
    result = {"type": "tool_result", "tool_use_id": "toolu_1", "content": "sunny"}
    client.messages.create(
        model="claude-checked", max_tokens=20, messages=[*ASKED, {"role": "user", "content": [result]}], tools=[TOOL]
    )
    assert upstream.requests()[-1]["body"]["messages"][-1] == {
        "role": "tool",
        "tool_call_id": "toolu_1",
        "content": "sunny",
    }


# ---------------------------------------------------------------- content


@pytest.mark.parametrize(
    "messages",
    [
        [{"role": "user", "content": ""}],
        [{"role": "user", "content": []}],
        [{"role": "user", "content": [{"type": "text", "text": ""}]}],
        [{"role": "user", "content": "Hi."}, {"role": "assistant", "content": ""}, {"role": "user", "content": "Hi?"}],
        [{"role": "user", "content": "Hi."}, {"role": "assistant", "content": [{"type": "text", "text": ""}]}],
    ],
)
def test_empty_content_is_refused(client: anthropic.Anthropic, upstream: FakeUpstream, messages: list[Any]) -> None:
    assert "empty" in _refused(client, upstream, messages=messages)


def test_an_empty_final_assistant_turn_is_taken_as_anthropic_takes_it(
    client: anthropic.Anthropic, upstream: FakeUpstream
) -> None:
    messages = [{"role": "user", "content": "Hi."}, {"role": "assistant", "content": ""}]
    client.messages.create(model="claude-checked", max_tokens=20, messages=messages)  # type: ignore[arg-type]
    assert upstream.requests()[-1]["body"]["messages"][0] == {"role": "user", "content": "Hi."}


# ---------------------------------------------------------------- thinking


@pytest.mark.parametrize(
    ("thinking", "named"),
    [
        ({"type": "on"}, "thinking.type"),
        ({"type": "enabled"}, "budget_tokens"),
        ({"type": "enabled", "budget_tokens": 1023}, "budget_tokens"),
        ({"type": "enabled", "budget_tokens": 2000}, "max_tokens"),
        ({"type": "enabled", "budget_tokens": 4096}, "max_tokens"),
    ],
)
def test_a_thinking_setting_anthropic_would_refuse_is_refused(
    client: anthropic.Anthropic, upstream: FakeUpstream, thinking: dict[str, Any], named: str
) -> None:
    assert named in _refused(client, upstream, thinking=thinking)


@pytest.mark.parametrize(
    "thinking", [{"type": "enabled", "budget_tokens": 1999}, {"type": "disabled"}, {"type": "adaptive"}]
)
def test_thinking_settings_anthropic_takes_are_taken(
    client: anthropic.Anthropic, upstream: FakeUpstream, thinking: dict[str, Any]
) -> None:
    message = client.messages.create(
        model="claude-checked",
        max_tokens=2000,
        messages=HELLO,
        thinking=thinking,  # type: ignore[arg-type]
    )
    assert message.content


def test_count_tokens_refuses_what_create_refuses(client: anthropic.Anthropic, upstream: FakeUpstream) -> None:
    with pytest.raises(anthropic.BadRequestError) as caught:
        client.messages.count_tokens(model="claude-checked", messages=HELLO, tools=[TOOL, TOOL])  # type: ignore[list-item]
    assert "unique" in caught.value.message
    counted = client.messages.count_tokens(
        model="claude-checked", messages=HELLO, thinking={"type": "enabled", "budget_tokens": 1024}
    )
    assert counted.input_tokens > 0


# ---------------------------------------------------------------- what newer clients send


def test_unknown_fields_and_metadata_keys_of_newer_clients_are_still_accepted(
    gateway: RunningGateway, upstream: FakeUpstream
) -> None:
    body = {
        "model": "claude-checked",
        "max_tokens": 20,
        "messages": HELLO,
        "context_management": {"edits": []},
        "metadata": {"user_id": "u-1", "session": "s-1"},
    }
    headers = {"x-api-key": gateway.master_key, "anthropic-version": "2023-06-01"}
    response = httpx.post(f"{gateway.base_url}/v1/messages", json=body, headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    assert response.json()["content"][0]["text"]


# ---------------------------------------------------------------- strata-echo's stop sequences


def test_echo_cut_at_a_stop_sequence_says_which(client: anthropic.Anthropic) -> None:
    ask: list[Any] = [{"role": "user", "content": "alpha beta STOP gamma END delta"}]
    message = client.messages.create(model="echo", max_tokens=50, stop_sequences=["END", "STOP"], messages=ask)
    assert message.content[0].type == "text" and message.content[0].text == "alpha beta"
    assert (message.stop_reason, message.stop_sequence) == ("stop_sequence", "STOP")
    with client.messages.stream(model="echo", max_tokens=50, stop_sequences=["END", "STOP"], messages=ask) as stream:
        final = stream.get_final_message()
    assert (final.stop_reason, final.stop_sequence) == ("stop_sequence", "STOP")


def test_echo_without_a_stop_sequence_in_the_text_ends_its_turn(client: anthropic.Anthropic) -> None:
    message = client.messages.create(model="echo", max_tokens=50, stop_sequences=["STOP"], messages=HELLO)
    assert (message.stop_reason, message.stop_sequence) == ("end_turn", None)
