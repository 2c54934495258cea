"""The local provider's admission, before any worker runs: no torch needed."""

from __future__ import annotations

import asyncio

import pytest

from gateway.errors import ServiceUnavailable, from_provider_error, retry_after_header
from providers.base import CallOptions, HealthState
from providers.canonical import ChatCompletionRequest, EmbeddingRequest
from providers.errors import ProviderUnavailable
from providers.local.config import LocalDeployment
from providers.local.protocol import LoadFailed
from providers.local.provider import LocalProvider

CHAT = ChatCompletionRequest(model="m", messages=[{"role": "user", "content": "hi"}])  # type: ignore[list-item]


def _provider(**extra: object) -> LocalProvider:
    return LocalProvider(LocalDeployment(provider="local", path="/models/m", **extra))  # type: ignore[arg-type]


def test_a_model_still_loading_answers_503_with_retry_after() -> None:
    provider = _provider()
    assert asyncio.run(provider.health()).state is HealthState.LOADING
    with pytest.raises(ProviderUnavailable) as caught:
        asyncio.run(provider.chat(CHAT, CallOptions("r1")))
    error = from_provider_error(caught.value)
    assert isinstance(error, ServiceUnavailable) and error.status == 503
    assert retry_after_header(error) == {"retry-after": "5"}
    assert "still loading" in error.message


def test_a_model_that_failed_to_load_says_why_in_health_not_to_callers() -> None:
    provider = _provider(task="embeddings")
    provider._on_events([LoadFailed("/models/m: no such model directory")])
    health = asyncio.run(provider.health())
    assert health.state is HealthState.FAILED and "no such model directory" in health.detail
    with pytest.raises(ProviderUnavailable) as caught:
        asyncio.run(provider.embed(EmbeddingRequest(model="m", input="x"), CallOptions("r2")))
    assert "failed to load" in caught.value.message and "/models" not in caught.value.message


def test_capabilities_follow_the_task() -> None:
    chat, embeddings = _provider().capabilities, _provider(task="embeddings").capabilities
    assert chat.chat and chat.streaming and not chat.embeddings
    assert embeddings.embeddings and not embeddings.chat
