"""What a model declares it can do, as the openai SDK sees it: logprobs and images pass where a
deployment takes them and are refused with a 400 where none does, instead of silently dropped."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest
import yaml

from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import ENVIRON, NO_RETRIES, MakeClient, closed_port_url, openai_deployment
from tests.support.gateway import RunningGateway, gateway_in_thread

USER = [{"role": "user", "content": "Say hello."}]
MESSAGES = {"blockedInputMessaging": "Blocked.", "blockedOutputsMessaging": "Withheld."}
IMAGE = [
    {
        "role": "user",
        "content": [
            {"type": "text", "text": "What is in this picture?"},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
        ],
    }
]


def _litellm(model: str, api_base: str) -> dict[str, Any]:
    return {"provider": "litellm", "model": model, "api_base": api_base, "api_key": "${FAKE_KEY}"}


@pytest.fixture(scope="module")
def gateway(upstream_server: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    url = upstream_server.url
    models = {
        "gpt": [openai_deployment(url, "fake-model", vision=True)],
        "gpt-text": [openai_deployment(url, "text-model")],  # vision is opt-in (README: capability flags)
        "no-logprobs": [openai_deployment(url, "vllm-model", logprobs=False)],
        "echo": [{"provider": "echo"}],
        "via-litellm": [_litellm("openai/fake-model", url)],
        "claude-via-litellm": [_litellm("anthropic/claude-3-5-haiku-latest", closed_port_url())],
        "guarded": [openai_deployment(url, "guarded-model")],
    }
    catalog: dict[str, Any] = {
        "guardrails": {"words": {**MESSAGES, "wordPolicyConfig": {"wordsConfig": [{"text": "project nightingale"}]}}},
        "models": {name: {"deployments": pool, "routing": NO_RETRIES} for name, pool in models.items()},
    }
    catalog["models"]["guarded"]["guardrails"] = ["words"]
    folder: Path = tmp_path_factory.mktemp("capabilities")
    with gateway_in_thread(yaml.safe_dump(catalog), folder, environ=ENVIRON) as running:
        yield running


@pytest.fixture()
def client(gateway: RunningGateway, make_client: MakeClient) -> openai.OpenAI:
    return make_client(gateway)


def test_logprobs_pass_through_an_openai_compatible_upstream(upstream: FakeUpstream, client: openai.OpenAI) -> None:
    reply = client.chat.completions.create(model="gpt", messages=USER, logprobs=True, top_logprobs=2)

    logprobs = reply.choices[0].logprobs
    assert logprobs is not None and logprobs.content is not None
    assert "".join(t.token for t in logprobs.content) == "Hello from the fake upstream."
    assert all(len(t.top_logprobs) == 2 and t.logprob < 0 for t in logprobs.content)
    sent = upstream.requests()[-1]["body"]
    assert (sent["logprobs"], sent["top_logprobs"]) == (True, 2)


def test_logprobs_arrive_with_each_streamed_chunk(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(model="gpt", messages=USER, logprobs=True, stream=True)

    tokens = [
        t.token
        for chunk in stream
        for c in chunk.choices
        if c.logprobs and c.logprobs.content
        for t in c.logprobs.content
    ]

    assert "".join(tokens) == "Hello from the fake upstream."


def test_logprobs_pass_through_litellm_to_a_vendor_that_returns_them(client: openai.OpenAI) -> None:
    reply = client.chat.completions.create(model="via-litellm", messages=USER, logprobs=True)

    logprobs = reply.choices[0].logprobs
    assert logprobs is not None and logprobs.content
    assert "".join(t.token for t in logprobs.content) == "Hello from the fake upstream."


@pytest.mark.parametrize("model", ["echo", "no-logprobs", "claude-via-litellm"])
@pytest.mark.parametrize(
    ("asked", "param"),
    [({"logprobs": True}, "logprobs"), ({"top_logprobs": 3}, "top_logprobs")],
    ids=["logprobs", "top"],
)
def test_logprobs_from_a_model_without_them_are_a_400_naming_the_parameter(
    upstream: FakeUpstream, client: openai.OpenAI, model: str, asked: dict[str, Any], param: str
) -> None:
    with pytest.raises(openai.BadRequestError) as raised:
        client.chat.completions.create(model=model, messages=USER, **asked)

    assert raised.value.param == param and "logprobs" in raised.value.message
    assert upstream.requests() == []  # refused before any deployment was called


def test_logprobs_false_is_not_asking(client: openai.OpenAI) -> None:
    reply = client.chat.completions.create(model="echo", messages=USER, logprobs=False)
    assert reply.choices[0].message.content == "Say hello."


def test_logprobs_with_output_guardrails_are_a_400(upstream: FakeUpstream, client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as raised:
        client.chat.completions.create(model="guarded", messages=USER, logprobs=True)
    assert raised.value.param == "logprobs" and "guardrails" in raised.value.message
    assert upstream.requests() == []


@pytest.mark.parametrize("model", ["echo", "gpt-text"])
@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
def test_an_image_for_a_model_without_vision_is_a_400(
    upstream: FakeUpstream, client: openai.OpenAI, model: str, stream: bool
) -> None:
    with pytest.raises(openai.BadRequestError) as raised:
        client.chat.completions.create(model=model, messages=IMAGE, stream=stream)  # type: ignore[arg-type]

    assert raised.value.param == "messages" and "images" in raised.value.message
    assert upstream.requests() == []


def test_an_image_reaches_a_model_with_vision(upstream: FakeUpstream, client: openai.OpenAI) -> None:
    reply = client.chat.completions.create(model="gpt", messages=IMAGE)  # type: ignore[arg-type]

    assert reply.choices[0].message.content == "Hello from the fake upstream."
    assert upstream.requests()[-1]["body"]["messages"][0]["content"][1]["type"] == "image_url"
