"""A semantic cache whose ``embedding_model`` names a model that cannot embed is refused when the
catalog is read (start, ``strata config check``), naming the key: before, a remote chat model
(an OpenAI-compatible or litellm deployment without ``embeddings: true``) was accepted, and the
cache then never hit, with only a warning in the log."""

from __future__ import annotations

import pytest

from gateway.config.catalog import parse_catalog
from gateway.config.errors import ConfigError

OPENAI = "{provider: openai, model: gpt-4o-mini, api_key: '${KEY}'"
LITELLM = "{provider: litellm, model: anthropic/claude-3-5-haiku-latest, api_key: '${KEY}'"
CHAT = {"openai": OPENAI + "}", "litellm": LITELLM + "}", "openai-and-echo": OPENAI + "}, {provider: echo}"}
EMBEDS = {"openai": OPENAI + ", embeddings: true}", "litellm": LITELLM + ", embeddings: true}"}
ENV = {"KEY": "k"}
REFUSED = "strata.yaml: models.m.cache.embedding_model: 'other' answers chat, not embeddings; name a model that embeds"


def _catalog(other: str) -> str:
    text = f"models:\n  other:\n    deployments: [{other}]\n  m:\n    deployments: [{{provider: echo}}]\n"
    return text + "    cache: {mode: semantic, embedding_model: other}\n"


@pytest.mark.parametrize("other", CHAT.values(), ids=CHAT.keys())
def test_a_semantic_cache_embedding_with_a_remote_chat_model_is_refused(other: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_catalog(_catalog(other), "strata.yaml", ENV)
    assert str(caught.value).startswith(REFUSED), caught.value
    assert "embeddings: true" in str(caught.value)  # how to make a remote model embed


@pytest.mark.parametrize("other", EMBEDS.values(), ids=EMBEDS.keys())
def test_a_semantic_cache_embedding_with_a_remote_embeddings_model_is_taken(other: str) -> None:
    cache = parse_catalog(_catalog(other), "strata.yaml", ENV).models["m"].cache
    assert cache is not None and cache.embedding_model == "other"


def test_one_deployment_that_embeds_is_enough() -> None:
    """A pool embeds when one of its deployments does (the embedder uses those)."""
    mixed = f"{OPENAI}}}, {OPENAI}, embeddings: true}}"
    assert parse_catalog(_catalog(mixed), "strata.yaml", ENV).models["m"].cache is not None
