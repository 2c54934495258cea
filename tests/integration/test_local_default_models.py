"""The embedded default catalog's local models: the demo generator and all-MiniLM-L6-v2, offline.

Also the Bedrock surface: local models answer Converse, ConverseStream and InvokeModel embeddings
exactly as remote ones do.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
import yaml

from providers.local.config import embedded_models
from tests.integration.conftest import MakeClient
from tests.support.bedrock import isolate_aws_environment, sigv4_client
from tests.support.gateway import RunningGateway, gateway_in_thread


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningGateway, Path]]:
    data_dir = tmp_path_factory.mktemp("data")
    models = embedded_models(str(data_dir))
    assert set(models) == {"strata-demo-gpt", "all-minilm-l6-v2"}
    for entry in models.values():  # worker threads: this process has imported torch already
        entry["deployments"][0].update(worker="thread", threads=1)
    with gateway_in_thread(yaml.safe_dump({"models": models}), data_dir, environ={}) as running:
        deadline = time.monotonic() + 120
        while httpx.get(f"{running.base_url}/health/ready", timeout=5).status_code != 200:
            assert time.monotonic() < deadline, httpx.get(f"{running.base_url}/health/ready").text
            time.sleep(0.2)
        yield running, data_dir


def test_the_demo_model_is_built_on_first_start_and_streams(
    gateway: tuple[RunningGateway, Path], make_client: MakeClient
) -> None:
    running, data_dir = gateway
    folder = data_dir / "models" / "demo-gpt"
    assert (folder / "model.safetensors").is_file()
    assert "meaningless" in (folder / "README.md").read_text()
    client = make_client(running, timeout=30.0)
    reply = client.chat.completions.create(
        model="strata-demo-gpt", messages=[{"role": "user", "content": "hello"}], max_tokens=8, seed=1
    )
    assert reply.choices[0].message.content and reply.usage and reply.usage.completion_tokens <= 8
    chunks = list(
        client.chat.completions.create(
            model="strata-demo-gpt", messages=[{"role": "user", "content": "hello"}], max_tokens=8, seed=1, stream=True
        )
    )
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert streamed == reply.choices[0].message.content  # same seed, same words (meaningless ones)


def _cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True)) / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))


def test_minilm_embeddings_are_real(gateway: tuple[RunningGateway, Path], make_client: MakeClient) -> None:
    client = make_client(gateway[0], timeout=30.0)
    cat, kitten, market = (
        e.embedding
        for e in client.embeddings.create(
            model="all-minilm-l6-v2",
            input=["A cat sits on the mat.", "A kitten is lying on a rug.", "Stock markets fell sharply today."],
        ).data
    )
    assert len(cat) == 384
    assert _cosine(cat, kitten) > _cosine(cat, market) + 0.3
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="all-minilm-l6-v2", messages=[{"role": "user", "content": "hi"}])


@pytest.fixture()
def runtime(gateway: tuple[RunningGateway, Path]) -> Iterator[Any]:
    with pytest.MonkeyPatch.context() as patch:
        isolate_aws_environment(patch)
        client = sigv4_client("bedrock-runtime", gateway[0])
        yield client
        client.close()


def test_the_bedrock_surface_reaches_local_models(runtime: Any) -> None:
    messages = [{"role": "user", "content": [{"text": "hello"}]}]
    # greedy: the demo model samples by default, and a first sampled token may end the reply at once
    config = {"maxTokens": 6, "temperature": 0}
    answer = runtime.converse(modelId="strata-demo-gpt", messages=messages, inferenceConfig=config)
    assert answer["usage"]["outputTokens"] <= 6 and answer["output"]["message"]["content"][0]["text"]
    events = list(
        runtime.converse_stream(modelId="strata-demo-gpt", messages=messages, inferenceConfig=config)["stream"]
    )
    assert any("contentBlockDelta" in e for e in events) and "metadata" in events[-1]
    counted = runtime.count_tokens(modelId="strata-demo-gpt", input={"converse": {"messages": messages}})
    assert counted["inputTokens"] == answer["usage"]["inputTokens"]  # the model's own tokenizer, both times
    body = runtime.invoke_model(modelId="all-minilm-l6-v2", body=json.dumps({"inputText": "hello world"}))["body"]
    assert len(json.loads(body.read())["embedding"]) == 384


@pytest.mark.parametrize(
    ("extra", "param"),
    [
        ({"n": 17}, "n"),  # more choices than the batch holds: it waited forever, and all behind it
        ({"response_format": {"type": "json_object"}}, "response_format"),
        ({"logit_bias": {"50": 100}}, "logit_bias"),
        ({"presence_penalty": 0.5}, "presence_penalty"),
        ({"modalities": ["text", "audio"]}, "modalities"),
        ({"modalities": True}, "modalities"),  # not a list: was a 500
    ],
)
def test_what_the_local_generator_cannot_honour_is_a_400_naming_it_and_others_are_served(
    gateway: tuple[RunningGateway, Path], make_client: MakeClient, extra: dict[str, Any], param: str
) -> None:
    running, _ = gateway
    client = make_client(running, timeout=30.0)
    with pytest.raises(openai.BadRequestError) as raised:
        client.chat.completions.create(
            model="strata-demo-gpt", messages=[{"role": "user", "content": "hi"}], max_tokens=3, **extra
        )
    assert raised.value.body["param"] == param  # type: ignore[index]
    served = client.chat.completions.create(
        model="strata-demo-gpt", messages=[{"role": "user", "content": "hi"}], max_tokens=3, n=16
    )
    assert len(served.choices) == 16
