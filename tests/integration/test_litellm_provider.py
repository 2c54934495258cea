"""litellm-backed deployments answer through the same API (litellm talks to the fake upstream).

litellm's `openai/` route is used because the fake speaks the OpenAI API; the gateway side
(lazy import, argument mapping, stream conversion, error mapping) is the same for every vendor.
"""

from __future__ import annotations

import openai
import pytest

from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import ENVIRON, MakeClient, StartGateway, catalog_yaml, closed_port_url

USER = [{"role": "user", "content": "Say hello."}]


def litellm_deployment(api_base: str, model: str = "openai/fake-model", **extra: object) -> dict[str, object]:
    return {
        "provider": "litellm",
        "model": model,
        "api_base": api_base,
        "api_key": "${FAKE_KEY}",
        "timeouts": {"connect": 1, "read": 2, "total": 5},
        **extra,
    }


@pytest.fixture()
def litellm_client(upstream: FakeUpstream, start_gateway: StartGateway, make_client: MakeClient) -> openai.OpenAI:
    config = catalog_yaml(
        {
            "via-litellm": [litellm_deployment(upstream.url)],
            "litellm-embed": [litellm_deployment(upstream.url, "openai/fake-embed", embeddings=True)],
            "litellm-down": [litellm_deployment(closed_port_url())],
        }
    )
    return make_client(start_gateway(config, environ=ENVIRON))


def test_litellm_deployment_answers_chat_with_the_public_model_name(
    litellm_client: openai.OpenAI, upstream: FakeUpstream
) -> None:
    reply = litellm_client.chat.completions.create(model="via-litellm", messages=USER, max_tokens=50)
    assert reply.choices[0].message.content == "Hello from the fake upstream."
    assert reply.model == "via-litellm"
    assert reply.usage is not None and reply.usage.completion_tokens == 5
    sent = upstream.requests()[-1]
    assert sent["body"]["model"] == "fake-model"
    assert sent["headers"]["authorization"] == f"Bearer {ENVIRON['FAKE_KEY']}"


def test_litellm_deployment_streams_and_reports_usage(litellm_client: openai.OpenAI) -> None:
    stream = litellm_client.chat.completions.create(
        model="via-litellm", messages=USER, stream=True, stream_options={"include_usage": True}
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Hello from the fake upstream."
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0
    assert all(c.model == "via-litellm" for c in chunks)


def test_litellm_deployment_returns_embeddings(litellm_client: openai.OpenAI) -> None:
    result = litellm_client.embeddings.create(model="litellm-embed", input=["one", "two"], encoding_format="float")
    assert [d.index for d in result.data] == [0, 1]
    assert len(result.data[0].embedding) == 8
    assert result.model == "litellm-embed"


def test_litellm_upstream_rate_limit_reaches_the_caller_as_429(
    litellm_client: openai.OpenAI, upstream: FakeUpstream
) -> None:
    upstream.set_behaviour("fake-model", status=429, retry_after=3)
    with pytest.raises(openai.RateLimitError) as caught:
        litellm_client.chat.completions.create(model="via-litellm", messages=USER)
    assert caught.value.status_code == 429


def test_litellm_unreachable_upstream_is_503(litellm_client: openai.OpenAI) -> None:
    with pytest.raises(openai.APIStatusError) as caught:
        litellm_client.chat.completions.create(model="litellm-down", messages=USER)
    assert caught.value.status_code == 503


@pytest.mark.parametrize(
    "extra",
    [
        {"base_url": "http://127.0.0.1:9/v1"},
        {"api_base": "http://127.0.0.1:9"},
        {"api_key": "caller-key"},
        {"extra_headers": {"x-injected": "caller"}},
        {"mock_response": "not from any model"},
        {"custom_llm_provider": "anthropic"},
    ],
    ids=lambda extra: next(iter(extra)),
)
def test_a_caller_cannot_choose_where_or_how_a_litellm_model_is_called(
    litellm_client: openai.OpenAI, upstream: FakeUpstream, extra: dict[str, object]
) -> None:
    """A caller's base_url once sent the deployment's key to the caller's own server."""
    with pytest.raises(openai.BadRequestError) as caught:
        litellm_client.chat.completions.create(model="via-litellm", messages=USER, extra_body=extra)
    assert caught.value.body["param"] == next(iter(extra))  # type: ignore[index]
    assert upstream.requests() == [], "nothing was sent anywhere"


def test_metadata_and_model_parameters_still_pass(litellm_client: openai.OpenAI, upstream: FakeUpstream) -> None:
    reply = litellm_client.chat.completions.create(
        model="via-litellm", messages=USER, metadata={"team": "a"}, extra_body={"top_k": 3}
    )
    assert reply.choices[0].message.content
    sent = upstream.requests()[-1]
    assert sent["headers"]["authorization"] == f"Bearer {ENVIRON['FAKE_KEY']}"
