"""The Responses API through the unmodified openai SDK, against the fake upstream: create (instructions
and input items become chat messages, a text format a response_format; an answer cut short is
incomplete), and what the gateway cannot do refused with a 400."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest

from tests.fakes.upstream import FakeUpstream
from tests.fakes.upstream_responses import DEFAULT_CONTENT
from tests.integration.conftest import MakeClient, assert_openai_error
from tests.integration.responses_helpers import responses_gateway
from tests.support.gateway import RunningGateway


@pytest.fixture(scope="module")
def gateway(upstream_server: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    yield from responses_gateway(upstream_server, tmp_path_factory.mktemp("responses"))


@pytest.fixture()
def client(gateway: RunningGateway, upstream: FakeUpstream, make_client: MakeClient) -> openai.OpenAI:
    httpx.post(f"{gateway.base_url}/admin/deployments/reset", headers=gateway.headers()).raise_for_status()
    return make_client(gateway)


# ---------------------------------------------------------------- create


def test_a_string_input_is_answered_under_the_public_model_name(client: openai.OpenAI, upstream: FakeUpstream) -> None:
    raw = client.responses.with_raw_response.create(model="gpt-test", input="Say hello.")
    response = raw.parse()

    assert response.id.startswith("resp_") and response.object == "response"
    assert response.status == "completed" and response.model == "gpt-test"
    assert response.output_text == DEFAULT_CONTENT
    assert response.output[0].type == "message" and response.output[0].id.startswith("msg_")
    assert response.usage is not None
    assert response.usage.output_tokens == 5 and response.usage.input_tokens > 0
    assert response.usage.total_tokens == response.usage.input_tokens + response.usage.output_tokens
    assert raw.headers["x-strata-model"] == "gpt-test" and raw.headers["x-request-id"]
    [request] = upstream.requests()
    assert request["body"]["model"] == "fake-model"
    assert request["body"]["messages"] == [{"role": "user", "content": "Say hello."}]


def test_instructions_and_input_items_reach_the_upstream_as_chat_messages(
    client: openai.OpenAI, upstream: FakeUpstream
) -> None:
    image = "data:image/png;base64,iVBORw0KGgo="
    client.responses.create(
        model="gpt-test",
        instructions="Answer in French.",
        input=[
            {"role": "user", "content": "Hi."},
            {"role": "assistant", "content": "Bonjour."},
            {
                "role": "user",
                "content": [
                    {"type": "input_text", "text": "What is in this picture?"},
                    {"type": "input_image", "image_url": image, "detail": "low"},
                ],
            },
        ],
        max_output_tokens=64,
        temperature=0.3,
        top_p=0.9,
        metadata={"ticket": "42"},
        user="user-7",
    )
    [body] = [r["body"] for r in upstream.requests()]
    assert body["messages"] == [
        {"role": "system", "content": "Answer in French."},
        {"role": "user", "content": "Hi."},
        {"role": "assistant", "content": "Bonjour."},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What is in this picture?"},
                {"type": "image_url", "image_url": {"url": image, "detail": "low"}},
            ],
        },
    ]
    assert (body["max_tokens"], body["temperature"], body["top_p"], body["user"]) == (64, 0.3, 0.9, "user-7")
    assert "metadata" not in body and "store" not in body


def test_text_format_json_schema_reaches_the_upstream_as_response_format(
    client: openai.OpenAI, upstream: FakeUpstream
) -> None:
    schema = {"type": "object", "properties": {"greeting": {"type": "string"}}, "required": ["greeting"]}
    upstream.set_behaviour("fake-model", content='{"greeting": "hello"}')
    response = client.responses.create(
        model="gpt-test",
        input="Greet me as JSON.",
        text={"format": {"type": "json_schema", "name": "greeting", "schema": schema, "strict": True}},
    )
    assert response.output_text == '{"greeting": "hello"}'
    assert response.text is not None and response.text.format is not None and response.text.format.type == "json_schema"
    [body] = [r["body"] for r in upstream.requests()]
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "greeting", "schema": schema, "strict": True},
    }


def test_an_answer_cut_by_max_output_tokens_is_incomplete(client: openai.OpenAI) -> None:
    response = client.responses.create(model="gpt-test", input="Say hello.", max_output_tokens=2)
    assert response.status == "incomplete"
    assert response.incomplete_details is not None and response.incomplete_details.reason == "max_output_tokens"
    assert response.output_text == "Hello from"


# ---------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("extra", "param"),
    [
        ({"tools": [{"type": "web_search"}]}, "tools[0].type"),
        ({"input": [{"type": "item_reference", "id": "msg_1"}]}, "input[0]"),
        (
            {"input": [{"role": "user", "content": [{"type": "input_file", "file_id": "file_1"}]}]},
            "input[0].content[0].type",
        ),
        ({"background": True}, "background"),
        ({"input": [{"role": "user", "content": [{"type": [], "text": "hi"}]}]}, "input[0].content[0].type"),
        ({"input": [{"role": "user", "content": [{"type": {"a": 1}, "text": "hi"}]}]}, "input[0].content[0].type"),
    ],
)
def test_what_the_gateway_cannot_do_is_a_400_the_sdk_raises(
    client: openai.OpenAI, upstream: FakeUpstream, extra: dict[str, Any], param: str
) -> None:
    body: dict[str, Any] = {"model": "gpt-test", "input": "Say hello.", **extra}
    with pytest.raises(openai.BadRequestError) as caught:
        client.responses.create(**body)
    assert caught.value.body["param"] == param  # type: ignore[index]
    assert upstream.requests() == []


def test_a_body_without_input_is_a_400_in_openai_shape(gateway: RunningGateway) -> None:
    response = httpx.post(f"{gateway.openai_base}/responses", json={"model": "gpt-test"}, headers=gateway.headers())
    error = assert_openai_error(response, 400)
    assert error["param"] == "input"
