"""Local models through the real gateway and the real openai SDK: chat, streams, embeddings, limits.

Tiny random-weight models are built with save_pretrained into a temporary folder and served
through the same loading code as users' models, in worker processes and worker threads.
"""

from __future__ import annotations

import base64
import struct
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
import yaml

from providers.local.templates import render_prompt
from tests.integration.conftest import NO_RETRIES, MakeClient
from tests.support.gateway import RunningGateway, gateway_in_thread
from tests.support.local_models import tiny_bert, tiny_gpt2, tiny_llama

USER = [{"role": "user", "content": "tell me a story"}]
WEATHER = [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]


def _local(path: Path, **extra: Any) -> dict[str, Any]:
    # One torch thread: tiny models gain nothing from more, and on a busy 2-core machine every
    # parallel region waits for a descheduled thread (10x slower steps).
    return {"provider": "local", "path": str(path), "threads": 1, **extra}


def _catalog(root: Path) -> str:
    models = {
        "tiny-gpt": _local(tiny_gpt2(root / "gpt"), max_batch_size=4, worker="thread"),
        "tiny-tools": _local(tiny_llama(root / "llama-tools"), worker="thread"),
        "tiny-plain": _local(tiny_llama(root / "llama-plain", tools=False), worker="thread"),
        # A worker process (the default). One slot, no queue, a context so long and a model that
        # never says it is done: a reply without max_tokens does not end by itself.
        "tiny-slot": _local(
            tiny_llama(root / "llama-long", context=1 << 20, endless=True), max_batch_size=1, max_queue_length=0
        ),
        "tiny-embed": _local(tiny_bert(root / "bert", sentence_transformers=True), task="embeddings", worker="thread"),
        "tiny-broken": _local(root / "missing", worker="thread"),
    }
    entries: dict[str, Any] = {name: {"deployments": [d], "routing": NO_RETRIES} for name, d in models.items()}
    # Default routing (retries, a circuit breaker that opens after 5 failures): back-pressure must not trip it.
    busy = _local(
        tiny_llama(root / "llama-busy", context=1 << 20, endless=True),
        max_batch_size=1,
        max_queue_length=0,
        worker="thread",
    )
    entries["tiny-busy"] = {"deployments": [busy]}
    return yaml.safe_dump({"models": entries})


class Served:
    def __init__(self, gateway: RunningGateway, root: Path, early_ready: httpx.Response, early_chat: httpx.Response):
        self.gateway, self.root, self.early_ready, self.early_chat = gateway, root, early_ready, early_chat


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("local-models")
    with gateway_in_thread(_catalog(root), root, environ={}) as gateway:
        headers = gateway.headers()
        early_ready = httpx.get(f"{gateway.base_url}/health/ready", timeout=5)
        early_chat = httpx.post(
            f"{gateway.openai_base}/chat/completions",
            headers=headers,
            timeout=5,
            json={"model": "tiny-slot", "messages": USER, "max_tokens": 2},
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            ready = httpx.get(f"{gateway.base_url}/health/ready", timeout=5).json()
            states = {d["model"]: d["state"] for d in ready["deployments"].values()}
            if all(state != "loading" for state in states.values()):
                break
            time.sleep(0.1)
        yield Served(gateway, root, early_ready, early_chat)


@pytest.fixture()
def client(served: Served, make_client: MakeClient) -> openai.OpenAI:
    httpx.post(f"{served.gateway.base_url}/admin/deployments/reset", headers=served.gateway.headers())
    return make_client(served.gateway, timeout=30.0)


def _tokenizer(folder: Path) -> Any:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(folder, local_files_only=True)


def test_models_load_in_the_background_and_readiness_waits_for_them(served: Served) -> None:
    assert served.early_ready.status_code == 503
    early = served.early_ready.json()["deployments"]
    assert early["tiny-slot/0"]["state"] == "loading"  # a process: spawning and importing torch takes seconds
    assert served.early_chat.status_code == 503
    assert int(served.early_chat.headers["retry-after"]) >= 1
    assert "still loading" in served.early_chat.json()["error"]["message"]

    ready = httpx.get(f"{served.gateway.base_url}/health/ready", headers=served.gateway.headers(), timeout=5).json()[
        "deployments"
    ]
    assert {name: d["state"] for name, d in ready.items() if name != "tiny-broken/0"} == {
        f"{m}/0": "ready" for m in ("tiny-gpt", "tiny-tools", "tiny-plain", "tiny-slot", "tiny-embed", "tiny-busy")
    }
    assert ready["tiny-broken/0"]["state"] == "failed"
    assert "no such model directory" in ready["tiny-broken/0"]["detail"]


def test_a_model_that_failed_to_load_answers_503(client: openai.OpenAI) -> None:
    with pytest.raises(openai.InternalServerError) as caught:
        client.chat.completions.create(model="tiny-broken", messages=USER)
    assert caught.value.status_code == 503


def test_chat_usage_counts_with_the_models_own_tokenizer(served: Served, client: openai.OpenAI) -> None:
    reply = client.chat.completions.create(model="tiny-gpt", messages=USER, max_tokens=7)
    expected_prompt = len(render_prompt(_tokenizer(served.root / "gpt"), USER, None))
    assert reply.model == "tiny-gpt"
    assert reply.usage is not None and reply.usage.prompt_tokens == expected_prompt
    choice = reply.choices[0]
    assert choice.finish_reason in ("length", "stop")
    if choice.finish_reason == "length":
        assert reply.usage.completion_tokens == 7
    assert reply.usage.total_tokens == reply.usage.prompt_tokens + reply.usage.completion_tokens


def test_streamed_tokens_equal_the_whole_reply(client: openai.OpenAI) -> None:
    whole = client.chat.completions.create(model="tiny-tools", messages=USER, max_tokens=12)
    stream = client.chat.completions.create(
        model="tiny-tools", messages=USER, max_tokens=12, stream=True, stream_options={"include_usage": True}
    )
    chunks = list(stream)
    content = [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content]
    assert len(content) > 1, "tokens arrive as they are produced, not in one piece"
    assert "".join(content) == whole.choices[0].message.content
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[-2].choices[0].finish_reason == whole.choices[0].finish_reason
    assert chunks[-1].usage is not None and whole.usage is not None
    assert chunks[-1].usage.model_dump() == whole.usage.model_dump()


def test_same_seed_same_output(client: openai.OpenAI) -> None:
    def ask(seed: int) -> str | None:
        reply = client.chat.completions.create(
            model="tiny-gpt", messages=USER, max_tokens=16, temperature=1.5, top_p=0.95, seed=seed
        )
        return reply.choices[0].message.content

    assert ask(11) == ask(11)


def test_stop_sequences_and_several_choices(client: openai.OpenAI) -> None:
    reply = client.chat.completions.create(model="tiny-plain", messages=USER, max_tokens=12)
    words = (reply.choices[0].message.content or "").split()
    stop = words[len(words) // 2]
    cut = client.chat.completions.create(model="tiny-plain", messages=USER, max_tokens=12, stop=[stop])
    text = reply.choices[0].message.content or ""
    assert cut.choices[0].message.content == text[: text.find(stop)]
    assert cut.choices[0].finish_reason == "stop"
    several = client.chat.completions.create(
        model="tiny-gpt", messages=USER, max_tokens=5, n=3, temperature=1.0, seed=3
    )
    assert [c.index for c in several.choices] == [0, 1, 2]


def test_tools_reach_a_template_that_supports_them_and_are_refused_otherwise(client: openai.OpenAI) -> None:
    with_tools = client.chat.completions.create(model="tiny-tools", messages=USER, tools=WEATHER, max_tokens=3)  # type: ignore[arg-type]
    without = client.chat.completions.create(model="tiny-tools", messages=USER, max_tokens=3)
    assert with_tools.usage is not None and without.usage is not None
    assert with_tools.usage.prompt_tokens > without.usage.prompt_tokens  # the definitions were rendered
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="tiny-plain", messages=USER, tools=WEATHER)  # type: ignore[arg-type]
    assert caught.value.status_code == 400
    assert "tools" in caught.value.message


def test_a_prompt_beyond_the_context_window_is_a_400(client: openai.OpenAI) -> None:
    long = [{"role": "user", "content": "hello cat " * 100}]
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="tiny-gpt", messages=long)  # type: ignore[arg-type]
    assert caught.value.code == "context_length_exceeded"
    with pytest.raises(openai.BadRequestError, match="maximum context length is 128 tokens"):
        client.chat.completions.create(model="tiny-gpt", messages=USER, max_tokens=500)  # type: ignore[arg-type]


def test_embeddings_float_and_base64_batched_or_alone(client: openai.OpenAI) -> None:
    texts = ["hello cat", "the dog sat on the mat", "how are you today"]
    batched = client.embeddings.create(model="tiny-embed", input=texts)
    alone = [client.embeddings.create(model="tiny-embed", input=text).data[0].embedding for text in texts]
    for item, single in zip(batched.data, alone, strict=True):
        assert max(abs(a - b) for a, b in zip(item.embedding, single, strict=True)) < 1e-5
    assert batched.usage.prompt_tokens == 2 + 2 + 6 + 2 + 4 + 2  # words plus [CLS] and [SEP] each
    raw = httpx.post(
        f"{client.base_url}embeddings",
        headers={"Authorization": f"Bearer {client.api_key}"},
        json={"model": "tiny-embed", "input": texts[0], "encoding_format": "base64"},
        timeout=30,
    ).json()
    packed = base64.b64decode(raw["data"][0]["embedding"])
    decoded = struct.unpack(f"<{len(packed) // 4}f", packed)
    assert max(abs(a - b) for a, b in zip(decoded, alone[0], strict=True)) < 1e-6
    with pytest.raises(openai.BadRequestError):
        client.embeddings.create(model="tiny-embed", input=texts[0], dimensions=3)
    with pytest.raises(openai.BadRequestError):
        client.embeddings.create(model="tiny-gpt", input=texts[0])


def test_a_full_queue_answers_503_with_retry_after_and_a_disconnect_frees_the_slot(
    served: Served, client: openai.OpenAI
) -> None:
    # The only slot: a reply that would run for hours (no max_tokens, a million-token context).
    stream = client.chat.completions.create(model="tiny-slot", messages=USER, stream=True)
    first = next(iter(stream))
    assert first.choices[0].delta.role == "assistant"

    full = httpx.post(
        f"{served.gateway.openai_base}/chat/completions",
        headers=served.gateway.headers(),
        timeout=10,
        json={"model": "tiny-slot", "messages": USER, "max_tokens": 3},
    )
    assert full.status_code == 503, full.text
    assert int(full.headers["retry-after"]) >= 1
    assert full.json()["error"]["code"] == "model_overloaded"

    stream.close()  # the client goes away mid-stream
    httpx.post(f"{served.gateway.base_url}/admin/deployments/reset", headers=served.gateway.headers())
    deadline = time.monotonic() + 20
    while True:  # the gateway notices the disconnect asynchronously; then the slot is free
        try:
            reply = client.chat.completions.create(model="tiny-slot", messages=USER, max_tokens=3)
            break
        except openai.InternalServerError:
            assert time.monotonic() < deadline, "the dead stream kept its slot"
            time.sleep(0.1)
    # Had the dead request kept generating, this one would wait hours behind it in the worker.
    assert reply.choices[0].finish_reason in ("length", "stop")


def test_a_full_queue_is_back_pressure_not_a_failing_deployment(served: Served, client: openai.OpenAI) -> None:
    """Refusals of a full local model are its own back-pressure: they never open its circuit, so
    the model serves again the moment a slot frees, not after a cool-down."""
    stream = client.chat.completions.create(model="tiny-busy", messages=USER, stream=True)
    next(iter(stream))  # the only slot is taken, and there is no queue

    def refused() -> httpx.Response:
        return httpx.post(
            f"{served.gateway.openai_base}/chat/completions",
            headers=served.gateway.headers(),
            timeout=10,
            json={"model": "tiny-busy", "messages": USER, "max_tokens": 3},
        )

    answers = [refused() for _ in range(8)]  # more than the circuit's 5 consecutive failures
    assert [r.status_code for r in answers] == [503] * 8
    assert {r.json()["error"]["code"] for r in answers} == {"model_overloaded"}, "each refused by the model itself"
    states = httpx.get(f"{served.gateway.base_url}/admin/deployments", headers=served.gateway.headers()).json()
    busy = next(m for m in states["models"] if m["model"] == "tiny-busy")["deployments"][0]
    assert busy["state"] == "healthy", busy

    stream.close()
    deadline = time.monotonic() + 10
    while True:  # the slot frees once the gateway notices the disconnect; no admin reset needed
        response = refused()
        if response.status_code == 200:
            break
        assert response.json()["error"]["code"] == "model_overloaded", response.text
        assert time.monotonic() < deadline, "the model stayed refused after its slot freed"
        time.sleep(0.1)


def test_local_embeddings_run_on_onnx_runtime_with_torchs_vectors_and_keep_the_export(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """STRATA_MODEL_CACHE_DIR reaches the worker process: the exported graph is kept there, and a
    second gateway loads it instead of exporting again."""
    from providers.local.embedder import Embedder

    folder = tiny_bert(tmp_path / "bert", sentence_transformers=True)
    cache = tmp_path / "model-cache"
    monkeypatch.setenv("STRATA_MODEL_CACHE_DIR", str(cache))
    catalog = yaml.safe_dump({"models": {"embed": {"deployments": [_local(folder, task="embeddings")]}}})
    texts = ["hello cat", "the dog sat on the mat"]
    served = []
    for _ in range(2):
        with gateway_in_thread(catalog, tmp_path, environ={}) as gateway:
            _wait_ready(gateway)
            client = openai.OpenAI(base_url=gateway.openai_base, api_key=gateway.master_key, max_retries=0)
            served.append([item.embedding for item in client.embeddings.create(model="embed", input=texts).data])
        assert len(list(cache.glob("*.serve.onnx"))) == 1
    expected, _ = Embedder(folder, "cpu", "float32", lambda *a, **k: None, runtime="torch").encode(texts)
    for vectors in served:
        for got, want in zip(vectors, expected.tolist(), strict=True):
            assert max(abs(a - b) for a, b in zip(got, want, strict=True)) < 1e-4


def _wait_ready(gateway: RunningGateway, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while httpx.get(f"{gateway.base_url}/health/ready", timeout=5).status_code != 200:
        assert time.monotonic() < deadline, "the local model did not load"
        time.sleep(0.1)
