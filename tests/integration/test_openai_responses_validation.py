"""The Responses API through the unmodified openai SDK: a streamed function call whose name the
upstream sends after its id keeps its name (in the events, the stored response and the next turn);
what OpenAI refuses is refused with a 400 naming the parameter (values of the wrong JSON type, a
tool_choice or a function_call_output that names no function or call); a stream that fails midway
says in response.failed what it had already sent."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
import yaml

from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import ENVIRON, NO_RETRIES, MakeClient, assert_openai_error, openai_deployment
from tests.support.gateway import RunningGateway, gateway_in_thread

WEATHER: Any = {
    "type": "function",
    "name": "get_weather",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
}
# An OpenAI-style stream whose tool call gives its id first and its name in a later delta.
NAME_LATER = [
    {"role": "assistant", "content": None, "tool_calls": [{"index": 0, "id": "call_late", "type": "function"}]},
    {"tool_calls": [{"index": 0, "function": {"arguments": '{"city": '}}]},
    {"tool_calls": [{"index": 0, "function": {"name": "get_weather", "arguments": '"Oslo"}'}}]},
]


class _NameLaterUpstream(BaseHTTPRequestHandler):
    """Streams NAME_LATER; answers a plain chat call with text. Keeps every body it was sent."""

    bodies: list[dict[str, Any]] = []

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        self.bodies.append(body)
        base = {"id": "c1", "created": 1, "model": body["model"]}
        if not body.get("stream"):
            message = {"role": "assistant", "content": "It is sunny."}
            answer = {**base, "object": "chat.completion", "choices": [{"index": 0, "message": message}]}
            self._send(b"application/json", json.dumps(answer).encode())
            return
        chunks = [{"index": 0, "delta": delta, "finish_reason": None} for delta in NAME_LATER]
        chunks.append({"index": 0, "delta": {}, "finish_reason": "tool_calls"})
        events = [{**base, "object": "chat.completion.chunk", "choices": [c]} for c in chunks]
        usage = {"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8}
        events.append({**base, "object": "chat.completion.chunk", "choices": [], "usage": usage})
        data = b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in events) + b"data: [DONE]\n\n"
        self._send(b"text/event-stream", data)

    def _send(self, kind: bytes, data: bytes) -> None:
        self.send_response(200)
        self.send_header("content-type", kind.decode())
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture(scope="module")
def name_later_upstream() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NameLaterUpstream)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def gateway(
    upstream_server: FakeUpstream, name_later_upstream: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningGateway]:
    models = {
        "gpt-checked": {"deployments": [openai_deployment(upstream_server.url, "checked-up")], "routing": NO_RETRIES},
        "gpt-name-later": {"deployments": [openai_deployment(name_later_upstream, "late-up")], "routing": NO_RETRIES},
    }
    folder: Path = tmp_path_factory.mktemp("responses-validation")
    with gateway_in_thread(yaml.safe_dump({"models": models}), folder, environ=ENVIRON) as running:
        yield running


@pytest.fixture()
def client(gateway: RunningGateway, upstream: FakeUpstream, make_client: MakeClient) -> openai.OpenAI:
    return make_client(gateway)


# ---------------------------------------------------------------- a tool name that comes late


def test_a_streamed_function_call_named_after_its_id_keeps_its_name(client: openai.OpenAI) -> None:
    with client.responses.stream(model="gpt-name-later", input="Weather in Oslo?", tools=[WEATHER]) as stream:
        events = list(stream)
        final = stream.get_final_response()

    added = [e.item for e in events if e.type == "response.output_item.added"]
    done = [e.item for e in events if e.type == "response.output_item.done"]
    assert [(i.type, getattr(i, "name", None)) for i in added] == [("function_call", "get_weather")]
    assert [(i.type, getattr(i, "name", None)) for i in done] == [("function_call", "get_weather")]
    [call] = final.output
    assert call.type == "function_call"
    assert (call.call_id, call.name, call.arguments) == ("call_late", "get_weather", '{"city": "Oslo"}')
    pieces = [e.delta for e in events if e.type == "response.function_call_arguments.delta"]
    assert "".join(pieces) == '{"city": "Oslo"}'

    stored = client.responses.retrieve(final.id).output[0]
    assert stored.type == "function_call" and stored.name == "get_weather"


def test_the_next_turn_sends_the_late_named_call_back_with_its_name(client: openai.OpenAI) -> None:
    with client.responses.stream(model="gpt-name-later", input="Weather in Oslo?", tools=[WEATHER]) as stream:
        final = stream.get_final_response()
    answer = client.responses.create(
        model="gpt-name-later",
        previous_response_id=final.id,
        input=[{"type": "function_call_output", "call_id": "call_late", "output": "sunny"}],
        tools=[WEATHER],
    )
    assert answer.output_text == "It is sunny."
    sent = _NameLaterUpstream.bodies[-1]["messages"]
    assert [c["function"]["name"] for m in sent for c in m.get("tool_calls") or ()] == ["get_weather"]


# ---------------------------------------------------------------- wrong JSON types


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("stream", "yes"),
        ("stream", 1),
        ("max_output_tokens", "5"),
        ("max_output_tokens", 5.5),
        ("parallel_tool_calls", "yes"),
        ("store", "no"),
        ("temperature", "0.5"),
    ],
)
def test_a_value_of_the_wrong_json_type_is_refused_naming_it(
    gateway: RunningGateway, upstream: FakeUpstream, field: str, value: Any
) -> None:
    body = {"model": "gpt-checked", "input": "Say hello.", "tools": [WEATHER], field: value}
    response = httpx.post(f"{gateway.openai_base}/responses", json=body, headers=gateway.headers())
    error = assert_openai_error(response, 400)
    assert error["param"] == field and error["type"] == "invalid_request_error"
    assert upstream.requests() == []


def test_values_of_the_right_json_type_are_taken(client: openai.OpenAI, upstream: FakeUpstream) -> None:
    response = client.responses.create(
        model="gpt-checked",
        input="Say hello.",
        max_output_tokens=50,
        temperature=1,
        parallel_tool_calls=False,
        tools=[WEATHER],
        store=False,
    )
    assert response.status == "completed" and response.parallel_tool_calls is False
    sent = upstream.requests()[-1]["body"]
    assert (sent["max_tokens"], sent["temperature"], sent["parallel_tool_calls"]) == (50, 1, False)


# ---------------------------------------------------------------- names and ids that match nothing


def test_a_tool_choice_naming_no_function_of_the_tools_is_refused(
    client: openai.OpenAI, upstream: FakeUpstream
) -> None:
    for tools in ([WEATHER], []):
        with pytest.raises(openai.BadRequestError) as caught:
            client.responses.create(
                model="gpt-checked", input="Hi.", tools=tools, tool_choice={"type": "function", "name": "nope"}
            )
        assert caught.value.body["param"] == "tool_choice"  # type: ignore[index]
        assert "nope" in caught.value.message
    assert upstream.requests() == []


def test_a_function_call_output_for_no_call_is_refused(client: openai.OpenAI, upstream: FakeUpstream) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.responses.create(
            model="gpt-checked", input=[{"type": "function_call_output", "call_id": "zzz", "output": "x"}]
        )
    assert "No tool call found for function call output with call_id zzz" in caught.value.message
    assert caught.value.body["param"] == "input"  # type: ignore[index]
    assert upstream.requests() == []


def test_a_function_call_output_for_a_call_of_the_previous_response_is_taken(
    client: openai.OpenAI, upstream: FakeUpstream
) -> None:
    upstream.set_behaviour("checked-up", tool_call={"name": "get_weather", "arguments": '{"city": "Rome"}'})
    asked = client.responses.create(model="gpt-checked", input="Weather in Rome?", tools=[WEATHER])
    [call] = [item for item in asked.output if item.type == "function_call"]
    upstream.set_behaviour("checked-up", content="Sunny.")
    output = {"type": "function_call_output", "call_id": call.call_id, "output": "sunny"}
    answer = client.responses.create(
        model="gpt-checked", previous_response_id=asked.id, input=[output], tools=[WEATHER]
    )  # type: ignore[list-item]
    assert answer.output_text == "Sunny."
    with pytest.raises(openai.BadRequestError):  # the same output without the turn that made the call
        client.responses.create(model="gpt-checked", input=[output], tools=[WEATHER])  # type: ignore[list-item]


# ---------------------------------------------------------------- a stream that fails midway


def test_a_failed_stream_says_what_it_had_already_sent(client: openai.OpenAI, upstream: FakeUpstream) -> None:
    upstream.set_behaviour("checked-up", drop_after_chunks=2)
    events = list(client.responses.create(model="gpt-checked", input="Say hello.", stream=True))

    assert [e.type for e in events][-2:] == ["error", "response.failed"]
    sent = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert sent == "Hello from"
    failed = events[-1]
    assert failed.type == "response.failed" and failed.response.status == "failed"
    [item] = failed.response.output
    assert item.type == "message" and item.status == "incomplete"
    assert [(part.type, getattr(part, "text", None)) for part in item.content] == [("output_text", sent)]
