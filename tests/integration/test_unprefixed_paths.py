"""OpenAI's paths without /v1, as LiteLLM's proxy serves them: applications moved from LiteLLM
often point the SDK at ``base_url="http://host:4000"``; they keep working unchanged."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import openai
import pytest

from tests.integration.conftest import assert_openai_error
from tests.support.gateway import RunningGateway


@pytest.fixture()
def bare(shared_gateway: RunningGateway) -> Iterator[openai.OpenAI]:
    """The SDK pointed at the gateway's root, as LiteLLM's docs point it at the proxy's."""
    with openai.OpenAI(base_url=shared_gateway.base_url, api_key=shared_gateway.master_key, max_retries=0) as client:
        yield client


def test_chat_embeddings_models_and_completions_answer_without_v1(bare: openai.OpenAI) -> None:
    reply = bare.chat.completions.create(model="gpt-test", messages=[{"role": "user", "content": "hi"}])
    assert reply.choices[0].message.content
    streamed = bare.chat.completions.create(model="gpt-test", messages=[{"role": "user", "content": "hi"}], stream=True)
    assert any(chunk.choices and chunk.choices[0].delta.content for chunk in streamed)
    assert len(bare.embeddings.create(model="emb-test", input="hello").data) == 1
    assert "gpt-test" in {m.id for m in bare.models.list()}
    assert bare.models.retrieve("org/model-a").id == "org/model-a"
    assert bare.completions.create(model="gpt-test", prompt="Once").choices[0].text


def test_unknown_paths_that_only_look_alike_are_still_unknown(shared_gateway: RunningGateway) -> None:
    headers = shared_gateway.headers()
    for path in ("/chat/completionsX", "/modelsX", "/embeddings-old"):
        assert_openai_error(httpx.get(f"{shared_gateway.base_url}{path}", headers=headers), 404)
