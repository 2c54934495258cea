"""LangChain's OpenAIEmbeddings with its default settings, which send token ids (``input: [[...]]``).

LangChain tokenizes with tiktoken (cl100k_base for a model name tiktoken does not know) and sends
the ids. A deployment that takes ids as they are (an OpenAI-compatible upstream) gets them
untouched; every other one gets the text they stand for, so LangChain's vectors are the vectors
of its text, whatever the model's own tokenizer. tiktoken's encodings are never downloaded: the
client reads them from the copy litellm ships in its wheel (TIKTOKEN_CACHE_DIR), as Strata does.
"""

from __future__ import annotations

import importlib.util
import math
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
import yaml
from langchain_openai import OpenAIEmbeddings

from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import ENVIRON, NO_RETRIES, MakeClient, openai_deployment
from tests.support.gateway import RunningGateway, gateway_in_thread
from tests.support.local_models import tiny_bert

TEXTS = ["hello world", "the cat sat on the mat"]
MESSAGES = {"blockedInputMessaging": "Blocked.", "blockedOutputsMessaging": "Withheld."}


def _tiktoken_cache() -> str:
    """tiktoken's cache layout, shipped inside litellm's wheel (cl100k_base, o200k_base, p50k_base)."""
    spec = importlib.util.find_spec("litellm")
    assert spec is not None and spec.origin is not None
    folder = Path(spec.origin).parent / "litellm_core_utils" / "tokenizers"
    assert folder.is_dir()
    return str(folder)


@pytest.fixture(scope="module")
def gateway(upstream_server: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    root = tmp_path_factory.mktemp("token-inputs")
    url = upstream_server.url
    embed = {"embeddings": True}
    pools: dict[str, list[dict[str, Any]]] = {
        "text-embedding-3-small": [openai_deployment(url, "fake-embed", **embed)],
        "other-tokenizer": [openai_deployment(url, "vllm-embed", token_inputs=False, **embed)],
        "via-litellm": [
            {
                "provider": "litellm",
                "model": "mistral/mistral-embed",
                "api_base": url,
                "api_key": "${FAKE_KEY}",
                **embed,
            }
        ],
        "tiny-embed": [
            {"provider": "local", "task": "embeddings", "worker": "thread", "threads": 1, "path": str(_bert(root))}
        ],
        "guarded-embed": [openai_deployment(url, "guarded-embed", **embed)],
    }
    catalog: dict[str, Any] = {
        "guardrails": {"words": {**MESSAGES, "wordPolicyConfig": {"wordsConfig": [{"text": "nightingale"}]}}},
        "models": {name: {"deployments": pool, "routing": NO_RETRIES} for name, pool in pools.items()},
    }
    catalog["models"]["guarded-embed"]["guardrails"] = ["words"]
    with gateway_in_thread(yaml.safe_dump(catalog), root, environ=ENVIRON) as running:
        _wait_loaded(running)
        yield running


def _bert(root: Path) -> Path:
    return tiny_bert(root / "bert", sentence_transformers=True)


def _wait_loaded(gateway: RunningGateway) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        ready = httpx.get(f"{gateway.base_url}/health/ready", timeout=5).json()
        if all(d["state"] != "loading" for d in ready["deployments"].values()):
            return
        time.sleep(0.1)


@pytest.fixture()
def langchain(gateway: RunningGateway, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """OpenAIEmbeddings as its users make it: a model name, the gateway's URL and key, nothing else."""
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", _tiktoken_cache())  # nothing is downloaded at run time
    made: list[OpenAIEmbeddings] = []

    def make(model: str) -> OpenAIEmbeddings:
        embeddings = OpenAIEmbeddings(
            model=model, base_url=gateway.openai_base, api_key=gateway.master_key, max_retries=0
        )
        made.append(embeddings)
        return embeddings

    yield make
    for embeddings in made:  # LangChain keeps its openai client open; close it rather than leak its socket
        embeddings.client._client.close()


def _close(a: list[float], b: list[float]) -> bool:
    return len(a) == len(b) and all(math.isclose(x, y, rel_tol=1e-4, abs_tol=1e-5) for x, y in zip(a, b, strict=True))


def _sent_inputs(upstream: FakeUpstream) -> list[Any]:
    return [r["body"]["input"] for r in upstream.requests() if r["path"].endswith("/embeddings")]


def test_token_ids_reach_an_openai_compatible_upstream_as_they_are(upstream: FakeUpstream, langchain: Any) -> None:
    vectors = langchain("text-embedding-3-small").embed_documents(TEXTS)

    assert len(vectors) == 2 and all(len(v) == 8 for v in vectors)
    (sent,) = _sent_inputs(upstream)
    assert sent == [[15339, 1917], [1820, 8415, 7731, 389, 279, 5634]]  # cl100k_base, as LangChain tokenized


@pytest.mark.parametrize("model", ["other-tokenizer", "via-litellm"])
def test_a_deployment_that_takes_text_gets_the_text_the_ids_stand_for(
    upstream: FakeUpstream, langchain: Any, model: str
) -> None:
    langchain(model).embed_documents(TEXTS)

    assert _sent_inputs(upstream) == [TEXTS]


def test_a_local_models_vectors_are_those_of_the_text_langchain_was_given(
    langchain: Any, gateway: RunningGateway, make_client: MakeClient
) -> None:
    from_langchain = langchain("tiny-embed").embed_documents(TEXTS)

    direct = make_client(gateway).embeddings.create(model="tiny-embed", input=TEXTS, encoding_format="float")

    assert len(from_langchain) == 2
    for mine, theirs in zip(from_langchain, direct.data, strict=True):
        assert _close(mine, theirs.embedding)


def test_a_guardrail_reads_token_id_input(upstream: FakeUpstream, langchain: Any) -> None:
    with pytest.raises(openai.BadRequestError) as raised:
        langchain("guarded-embed").embed_query("tell me about project nightingale")

    assert "Blocked." in raised.value.message
    assert _sent_inputs(upstream) == []


def test_a_token_id_outside_the_vocabulary_is_a_400_on_input(
    upstream: FakeUpstream, gateway: RunningGateway, make_client: MakeClient
) -> None:
    client = make_client(gateway)
    for bad in ([[10_000_000]], [[1917], []]):
        with pytest.raises(openai.BadRequestError) as raised:
            client.embeddings.create(model="tiny-embed", input=bad)
        assert raised.value.param == "input"


@pytest.mark.parametrize("empty", ["", [], [""], ["fine", ""], [[]]])
def test_an_empty_input_is_a_400_on_input_as_openai_answers_it(
    empty: Any, upstream: FakeUpstream, gateway: RunningGateway, make_client: MakeClient
) -> None:
    with pytest.raises(openai.BadRequestError) as raised:
        make_client(gateway).embeddings.create(model="tiny-embed", input=empty, encoding_format="float")
    assert raised.value.param == "input"
    assert _sent_inputs(upstream) == []
