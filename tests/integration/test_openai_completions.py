"""Legacy completions (``POST /v1/completions``) through the unmodified openai SDK and litellm's
``text_completion``, against the fake upstream: the prompt reaches the model as one chat message,
the text comes back as a ``text_completion``, streams end with ``[DONE]``."""

from __future__ import annotations

from typing import Any

import openai
import pytest

from tests.fakes.upstream import FakeUpstream
from tests.fakes.upstream_responses import DEFAULT_CONTENT
from tests.support.gateway import RunningGateway


def only_body(upstream: FakeUpstream) -> dict[str, Any]:
    [recorded] = upstream.requests()
    assert recorded["path"] == "/v1/chat/completions"
    body: dict[str, Any] = recorded["body"]
    return body


def test_a_prompt_is_completed_as_a_chat_call(client: openai.OpenAI, upstream: FakeUpstream) -> None:
    raw = client.completions.with_raw_response.create(
        model="gpt-test", prompt="Say hello.", max_tokens=20, temperature=0.4, stop=["\n\n"], user="u-2"
    )
    completion = raw.parse()

    assert completion.object == "text_completion" and completion.id.startswith("cmpl-")
    assert completion.model == "gpt-test" and raw.headers["x-strata-model"] == "gpt-test"
    [choice] = completion.choices
    assert (choice.text, choice.index, choice.finish_reason) == (DEFAULT_CONTENT, 0, "stop")
    assert completion.usage is not None and completion.usage.completion_tokens == 5
    body = only_body(upstream)
    assert body["messages"] == [{"role": "user", "content": "Say hello."}]
    assert (body["max_tokens"], body["temperature"], body["stop"], body["user"]) == (20, 0.4, ["\n\n"], "u-2")
    assert "prompt" not in body


def test_max_tokens_cuts_the_text_and_echo_puts_the_prompt_first(client: openai.OpenAI) -> None:
    completion = client.completions.create(model="gpt-test", prompt="Say hello.", max_tokens=2, echo=True)
    assert completion.choices[0].text == "Say hello.Hello from"
    assert completion.choices[0].finish_reason == "length"


def test_a_stream_of_text_completion_chunks_ends_with_done(client: openai.OpenAI) -> None:
    chunks = list(
        client.completions.create(
            model="gpt-test", prompt=["Say hello."], stream=True, stream_options={"include_usage": True}
        )
    )
    text = "".join(c.choices[0].text for c in chunks if c.choices)
    assert text == DEFAULT_CONTENT
    assert all(c.object == "text_completion" and c.model == "gpt-test" for c in chunks)
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    usage = chunks[-1].usage
    assert chunks[-1].choices == [] and usage is not None and usage.completion_tokens == 5


def test_a_stream_that_fails_midway_makes_the_sdk_raise(client: openai.OpenAI, upstream: FakeUpstream) -> None:
    upstream.set_behaviour("fake-model", drop_after_chunks=2)
    received: list[str] = []
    with pytest.raises(openai.APIError) as caught:
        for chunk in client.completions.create(model="gpt-test", prompt="Say hello.", stream=True):
            received += [c.text for c in chunk.choices]
    assert "".join(received) == "Hello from"
    assert isinstance(caught.value.body, dict) and caught.value.body.get("type") == "upstream_error"


@pytest.mark.parametrize(
    ("extra", "param"),
    [
        ({"prompt": [1, 2, 3]}, "prompt"),
        ({"prompt": ["one", "two"]}, "prompt"),
        ({"prompt": "x", "logprobs": 1}, "logprobs"),
        ({"prompt": "x", "suffix": "y"}, "suffix"),
    ],
)
def test_what_the_chat_form_cannot_carry_is_a_400(
    client: openai.OpenAI, upstream: FakeUpstream, extra: dict[str, Any], param: str
) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.completions.create(model="gpt-test", **extra)
    assert caught.value.body["param"] == param  # type: ignore[index]
    assert upstream.requests() == []


def test_litellm_text_completion_through_the_gateway(
    shared_gateway: RunningGateway, upstream: FakeUpstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no fetch of litellm's price list
    import litellm

    options: dict[str, Any] = {"api_base": shared_gateway.openai_base, "api_key": shared_gateway.master_key}
    reply = litellm.text_completion(model="openai/gpt-test", prompt="Say hello.", max_tokens=30, **options)
    assert reply.id.startswith("cmpl-"), "litellm called /v1/completions, not chat"  # chat ids are chatcmpl-
    assert reply.choices[0].text == DEFAULT_CONTENT
    assert reply.usage.completion_tokens == 5

    chunks = list(litellm.text_completion(model="openai/gpt-test", prompt="Say hello.", stream=True, **options))
    assert "".join(c.choices[0].text or "" for c in chunks) == DEFAULT_CONTENT
    assert all(c.id.startswith("cmpl-") for c in chunks)
    assert [r["body"]["messages"] for r in upstream.requests()] == [[{"role": "user", "content": "Say hello."}]] * 2
