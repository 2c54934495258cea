"""int8 local models through the real gateway and the openai SDK: chat (streamed or not, concurrent
requests batched together) and embeddings close to the float32 model's."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from openai.types.chat import ChatCompletionMessageParam

from tests.integration import test_metrics as metrics
from tests.integration.conftest import NO_RETRIES, MakeClient
from tests.support.gateway import RunningGateway, gateway_in_thread
from tests.support.local_models import tiny_bert, tiny_gpt2

USER: list[ChatCompletionMessageParam] = [{"role": "user", "content": "tell me a story"}]


def _local(path: Path, **extra: Any) -> dict[str, Any]:
    return {"provider": "local", "path": str(path), "threads": 1, **extra}


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    root = tmp_path_factory.mktemp("quantized")
    embedder = tiny_bert(root / "bert", sentence_transformers=True)
    models = {
        # A worker process (the default): quantization happens in the child that serves the model.
        "gpt-int8": _local(tiny_gpt2(root / "gpt"), quantize="int8", max_batch_size=8, max_wait_ms=50),
        "embed-int8": _local(embedder, task="embeddings", quantize="int8", worker="thread"),
        "embed-float32": _local(embedder, task="embeddings", dtype="float32", worker="thread"),
    }
    entries = {name: {"deployments": [d], "routing": NO_RETRIES} for name, d in models.items()}
    with gateway_in_thread(yaml.safe_dump({"models": entries}), root, environ={}) as running:
        deadline = time.monotonic() + 120
        while httpx.get(f"{running.base_url}/health/ready", timeout=5).status_code != 200:
            assert time.monotonic() < deadline, httpx.get(f"{running.base_url}/health/ready").text
            time.sleep(0.2)
        yield running


def test_an_int8_model_answers_and_streams_the_same_words(gateway: RunningGateway, make_client: MakeClient) -> None:
    client = make_client(gateway, timeout=30.0)
    reply = client.chat.completions.create(model="gpt-int8", messages=USER, max_tokens=8)
    assert reply.choices[0].message.content
    assert reply.usage is not None and 1 <= reply.usage.completion_tokens <= 8
    chunks = list(client.chat.completions.create(model="gpt-int8", messages=USER, max_tokens=8, stream=True))
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert streamed == reply.choices[0].message.content  # greedy (the model's default), alone both times
    assert [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason] == [
        reply.choices[0].finish_reason
    ]


def test_concurrent_requests_to_an_int8_model_share_decode_steps(
    gateway: RunningGateway, make_client: MakeClient
) -> None:
    client = make_client(gateway, timeout=60.0)
    before = metrics.samples(gateway)

    def ask(i: int) -> int:
        stream = client.chat.completions.create(
            model="gpt-int8",
            messages=[{"role": "user", "content": f"tell me a story {'once ' * i}"}],
            max_tokens=12,
            stream=True,
            stream_options={"include_usage": True},
        )
        usage = [c.usage for c in stream if c.usage is not None]
        assert len(usage) == 1
        return usage[0].completion_tokens

    with ThreadPoolExecutor(6) as pool:
        generated = sum(pool.map(ask, range(6)))
    assert generated > 0

    def batched() -> tuple[float, float]:
        found = metrics.samples(gateway)
        steps = metrics.total(found, "strata_local_batch_size_count", deployment="gpt-int8/0")
        rows = metrics.total(found, "strata_local_batch_size_sum", deployment="gpt-int8/0")
        return steps - metrics.total(before, "strata_local_batch_size_count", deployment="gpt-int8/0"), rows - (
            metrics.total(before, "strata_local_batch_size_sum", deployment="gpt-int8/0")
        )

    assert metrics._until(lambda: batched()[1] == generated, 5)  # the gauges are sampled each interval
    steps, rows = batched()
    assert rows / steps > 2, (steps, rows)  # tokens of several requests per decode step


def _cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True)) / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))


def test_int8_embeddings_are_close_to_float32(gateway: RunningGateway, make_client: MakeClient) -> None:
    client = make_client(gateway, timeout=30.0)
    texts = ["hello world", "the cat sat on the mat", "once upon a time there was a little fox who lived in forest"]
    int8 = client.embeddings.create(model="embed-int8", input=texts).data
    float32 = client.embeddings.create(model="embed-float32", input=texts).data
    assert [len(e.embedding) for e in int8] == [len(e.embedding) for e in float32]
    assert min(_cosine(a.embedding, b.embedding) for a, b in zip(int8, float32, strict=True)) >= 0.99
    assert min(_cosine(a.embedding, b.embedding) for a, b in zip(int8, float32[1:] + float32[:1], strict=True)) < 0.99
