"""Pieces of the client-compatibility fixes that need no gateway: token-id inputs, declared
capabilities, the timeouts Stainless SDKs send."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.errors import InvalidRequest
from gateway.services import token_inputs
from gateway.services.capability_checks import check_chat
from gateway.services.catalog import DeploymentHandle, PublicModel
from providers.base import Capabilities, Provider
from providers.canonical import ChatCompletionRequest, EmbeddingRequest
from providers.echo import EchoDeployment, EchoProvider
from providers.litellm import LiteLLMDeployment, LiteLLMProvider
from providers.local.config import LocalDeployment
from providers.local.provider import LocalProvider
from providers.tokens import client_encoding

HELLO_WORLD = [15339, 1917]  # "hello world" in cl100k_base


def _model(provider: Provider) -> PublicModel:
    return PublicModel("m", None, (DeploymentHandle("m/0", EchoDeployment(provider="echo"), provider),), 0)


class _Takes(EchoProvider):
    def __init__(self, **caps: bool) -> None:
        super().__init__()
        self.capabilities = Capabilities(**caps)


@pytest.mark.parametrize(
    ("given", "texts"),
    [
        (HELLO_WORLD, ["hello world"]),
        ([HELLO_WORLD, [1820, 8415]], ["hello world", "the cat"]),
        ("hello", "hello"),
        (["a", "b"], ["a", "b"]),
    ],
    ids=["one-array", "arrays", "text", "texts"],
)
def test_token_ids_become_their_text_for_a_model_that_takes_text(given: Any, texts: Any) -> None:
    request = EmbeddingRequest(model="text-embedding-3-small", input=given)
    token_inputs.as_text(request, _model(_Takes(embeddings=True)), guarded=False)
    assert request.input == texts


def test_token_ids_stay_ids_for_a_model_that_takes_them_unless_a_guardrail_reads_them() -> None:
    model = _model(_Takes(embeddings=True, token_inputs=True))
    request = EmbeddingRequest(model="m", input=[HELLO_WORLD])
    token_inputs.as_text(request, model, guarded=False)
    assert request.input == [HELLO_WORLD]
    token_inputs.as_text(request, model, guarded=True)
    assert request.input == ["hello world"]


def test_the_encoding_is_the_one_clients_pick_for_the_model_name() -> None:
    gpt4o, unknown = client_encoding("gpt-4o"), client_encoding("my-local-embedder")
    assert gpt4o is not None and unknown is not None
    assert gpt4o.decode([24912, 2375]) == "hello world"  # o200k_base, as tiktoken picks for gpt-4o
    assert unknown.decode(HELLO_WORLD) == "hello world"  # cl100k_base: LangChain's fallback too


def test_without_tiktokens_encodings_token_ids_are_a_400_on_input(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(token_inputs, "client_encoding", lambda model: None)
    request = EmbeddingRequest(model="m", input=[HELLO_WORLD])
    with pytest.raises(InvalidRequest) as raised:
        token_inputs.as_text(request, _model(_Takes(embeddings=True)), guarded=False)
    assert raised.value.param == "input" and "send the input as text" in raised.value.message


@pytest.mark.parametrize(
    ("deployment", "takes"),
    [
        ({"model": "openai/text-embedding-3-small"}, True),
        ({"model": "azure/my-embedder"}, True),
        ({"model": "text-embedding-3-large"}, True),
        ({"model": "mistral/mistral-embed"}, False),
        ({"model": "bedrock/amazon.titan-embed-text-v2:0"}, False),
        ({"model": "mistral/mistral-embed", "token_inputs": True}, True),
    ],
)
def test_litellm_deployments_take_token_ids_where_litellm_says_their_vendor_does(
    deployment: dict[str, Any], takes: bool
) -> None:
    provider = LiteLLMProvider(LiteLLMDeployment(provider="litellm", **deployment))
    assert provider.capabilities.token_inputs is takes


def test_local_models_and_the_echo_model_refuse_logprobs_and_images() -> None:
    local = LocalProvider(LocalDeployment(provider="local", path="/nowhere", model="tiny"))
    for provider in (local, EchoProvider()):
        model = _model(provider)
        for asked in ({"logprobs": True}, {"top_logprobs": 1}):
            with pytest.raises(InvalidRequest):
                check_chat(
                    model, ChatCompletionRequest(model="m", messages=[{"role": "user", "content": "x"}], **asked)
                )
        image = [{"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}]
        with pytest.raises(InvalidRequest) as raised:
            check_chat(model, ChatCompletionRequest(model="m", messages=[{"role": "user", "content": image}]))
        assert raised.value.param == "messages"


def test_a_pool_returns_logprobs_if_one_deployment_does_and_takes_ids_only_if_all_do() -> None:
    takes, refuses = _Takes(logprobs=True, token_inputs=True), _Takes()
    pool = PublicModel(
        "m",
        None,
        tuple(DeploymentHandle(f"m/{i}", EchoDeployment(provider="echo"), p) for i, p in enumerate((takes, refuses))),
        0,
    )
    assert pool.capabilities.logprobs and not pool.capabilities.token_inputs
