"""A local model with ``compile: true`` through the real gateway and the openai SDK: it answers, alone
and batched, streamed or not, with exactly the words of the same model decoding eagerly."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import yaml

from tests.integration.conftest import NO_RETRIES, MakeClient
from tests.support.gateway import RunningGateway, gateway_in_thread
from tests.support.local_models import tiny_gpt2

PROMPTS = ["tell me a story", "hello cat", "the dog sat on the mat and ran far away", "what is your name today"]


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    root = tmp_path_factory.mktemp("compiled")
    folder = str(tiny_gpt2(root / "gpt"))
    local: dict[str, Any] = {"provider": "local", "path": folder, "threads": 1, "max_batch_size": 4}
    models = {
        "gpt-compiled": {**local, "compile": True, "max_wait_ms": 100},
        "gpt-eager": {**local, "worker": "thread"},
    }
    entries = {name: {"deployments": [d], "routing": NO_RETRIES} for name, d in models.items()}
    with gateway_in_thread(yaml.safe_dump({"models": entries}), root, environ={}) as running:
        deadline = time.monotonic() + 240  # the worker compiles the lone request's step before it is ready
        while httpx.get(f"{running.base_url}/health/ready", timeout=5).status_code != 200:
            assert time.monotonic() < deadline, httpx.get(f"{running.base_url}/health/ready").text
            time.sleep(0.2)
        yield running


def test_a_compiled_model_answers_and_streams_the_words_of_eager_decoding(
    gateway: RunningGateway, make_client: MakeClient
) -> None:
    client = make_client(gateway, timeout=120.0)
    messages: Any = [{"role": "user", "content": PROMPTS[0]}]
    eager = client.chat.completions.create(model="gpt-eager", messages=messages, max_tokens=12)
    compiled = client.chat.completions.create(model="gpt-compiled", messages=messages, max_tokens=12)
    assert compiled.choices[0].message.content == eager.choices[0].message.content
    assert compiled.choices[0].message.content
    assert compiled.usage is not None and eager.usage is not None
    assert compiled.usage.completion_tokens == eager.usage.completion_tokens
    chunks = list(client.chat.completions.create(model="gpt-compiled", messages=messages, max_tokens=12, stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == eager.choices[0].message.content


def test_concurrent_requests_to_a_compiled_model_each_get_their_eager_answer(
    gateway: RunningGateway, make_client: MakeClient
) -> None:
    """Four at once share the compiled steps (a batch of 2, then 4 slots: new shapes compiled on the
    way); each answer is the one the eager model gives that prompt alone."""
    client = make_client(gateway, timeout=240.0)

    def ask(model: str, prompt: str) -> str:
        reply = client.chat.completions.create(
            model=model, messages=[{"role": "user", "content": prompt}], max_tokens=10
        )
        return reply.choices[0].message.content or ""

    alone = [ask("gpt-eager", prompt) for prompt in PROMPTS]
    with ThreadPoolExecutor(len(PROMPTS)) as pool:
        together = list(pool.map(lambda prompt: ask("gpt-compiled", prompt), PROMPTS))
    assert together == alone
    assert len(set(alone)) > 1
