"""A text longer than a local embedding model reads is a 400 in the caller's shape (OpenAI's
``context_length_exceeded`` on input; Bedrock's ValidationException for a Titan body or a Cohere
body with truncate NONE, its default), not a vector of its first part; a Cohere body that asks for
truncate END gets the text cut. The gateway's own embeddings (semantic guardrails) still cut."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml
from botocore.exceptions import ClientError

from tests.support.bedrock import isolate_aws_environment, sigv4_client
from tests.support.gateway import RunningGateway, gateway_in_thread, wait_until_models_loaded
from tests.support.local_models import tiny_bert

LONG = "the cat sat on the mat and ran far away " * 20  # ~200 tokens; the model reads 64
SHORT = "hello world"


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    root = tmp_path_factory.mktemp("embedding-limits")
    model = tiny_bert(root / "bert", sentence_transformers=True)
    deployment = {"provider": "local", "path": str(model), "task": "embeddings", "threads": 1, "worker": "thread"}
    catalog = {
        "models": {
            "emb": {"deployments": [deployment], "aliases": ["cohere.embed-english-v3", "amazon.titan-embed-text-v2:0"]}
        }
    }
    with gateway_in_thread(yaml.safe_dump(catalog), root, environ={}) as running:
        wait_until_models_loaded(running.base_url)
        yield running


def _embed(gateway: RunningGateway, text: Any) -> httpx.Response:
    return httpx.post(
        f"{gateway.openai_base}/embeddings", json={"model": "emb", "input": text}, headers=gateway.headers()
    )


def test_an_over_long_input_is_a_400_naming_it_and_a_short_one_is_embedded(gateway: RunningGateway) -> None:
    refused = _embed(gateway, [SHORT, LONG])
    assert refused.status_code == 400, refused.text
    error = refused.json()["error"]
    assert (error["code"], error["param"]) == ("context_length_exceeded", "input")
    assert "input[1]" in error["message"]
    assert _embed(gateway, [SHORT, SHORT]).status_code == 200


def test_bedrock_bodies_refuse_an_over_long_text_unless_cohere_asks_to_truncate(
    gateway: RunningGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    isolate_aws_environment(monkeypatch)
    runtime = sigv4_client("bedrock-runtime", gateway)
    for model_id, body in (
        ("amazon.titan-embed-text-v2:0", {"inputText": LONG}),
        ("cohere.embed-english-v3", {"texts": [LONG], "input_type": "search_document"}),
        ("cohere.embed-english-v3", {"texts": [LONG], "input_type": "search_document", "truncate": "NONE"}),
    ):
        with pytest.raises(ClientError) as caught:
            runtime.invoke_model(modelId=model_id, body=json.dumps(body))
        assert caught.value.response["Error"]["Code"] == "ValidationException", model_id
    cut = {"texts": [LONG], "input_type": "search_document", "truncate": "END"}
    answer = json.loads(runtime.invoke_model(modelId="cohere.embed-english-v3", body=json.dumps(cut))["body"].read())
    assert len(answer["embeddings"]) == 1 and len(answer["embeddings"][0]) == 32


def test_counting_chat_tokens_for_an_embeddings_model_is_a_400_as_the_chat_would_be(gateway: RunningGateway) -> None:
    import anthropic

    with anthropic.Anthropic(base_url=gateway.base_url, api_key=gateway.master_key, max_retries=0) as claude:
        with pytest.raises(anthropic.BadRequestError):
            claude.messages.count_tokens(model="emb", messages=[{"role": "user", "content": SHORT}])
        with pytest.raises(anthropic.BadRequestError):
            claude.messages.create(model="emb", max_tokens=4, messages=[{"role": "user", "content": SHORT}])
