"""Adding a provider is one file plus one registry line: here a toy provider, installed the way a
third-party package would be (a module and an entry point line in its dist-info), served by a real
`strata serve` through both the OpenAI and the Bedrock surfaces, priced from its declared source."""

from __future__ import annotations

import time
from decimal import Decimal

import httpx
import openai
import pytest

from gateway.services.pricing import load_litellm_table
from tests.support.bedrock import sigv4_client
from tests.support.gateway import gateway_process
from tests.support.plugins import install_provider, pythonpath_with

MASTER = "sk-toy-provider-master-key"
PRICED_MODEL = "gpt-4o-mini"  # in litellm's bundled price table: the toy declares pricing="price_table"

TOY_PROVIDER = '''
"""A toy provider: answers "toy:" and the last user message; 7 prompt and 3 completion tokens."""

import time
from collections.abc import AsyncIterator
from typing import Literal

from providers.base import CallOptions, Provider, ProviderSpec
from providers.canonical import (
    AssistantMessage, ChatCompletion, ChatCompletionChunk, ChatCompletionRequest, Choice, ChunkChoice, Delta, Usage,
)
from providers.deployment import DeploymentBase


class ToyDeployment(DeploymentBase):
    provider: Literal["toy"]
    model: str = "toy-model"
    greeting: str = "toy"


class ToyProvider(Provider):
    def __init__(self, deployment: ToyDeployment) -> None:
        self.greeting = deployment.greeting

    def _text(self, request: ChatCompletionRequest) -> str:
        return f"{self.greeting}: {request.messages[-1].text()}"

    async def chat(self, request: ChatCompletionRequest, options: CallOptions) -> ChatCompletion:
        message = AssistantMessage(content=self._text(request))
        return ChatCompletion(
            id="toy-1", created=int(time.time()), model=request.model,
            choices=[Choice(index=0, message=message, finish_reason="stop")],
            usage=Usage(prompt_tokens=7, completion_tokens=3, total_tokens=10),
        )

    async def chat_stream(
        self, request: ChatCompletionRequest, options: CallOptions
    ) -> AsyncIterator[ChatCompletionChunk]:
        for piece in self._text(request).split(" "):
            yield ChatCompletionChunk(id="toy-2", created=0, model=request.model,
                                      choices=[ChunkChoice(delta=Delta(content=piece + " "))])
        yield ChatCompletionChunk(id="toy-2", created=0, model=request.model,
                                  choices=[ChunkChoice(delta=Delta(), finish_reason="stop")])
        yield ChatCompletionChunk(id="toy-2", created=0, model=request.model, choices=[],
                                  usage=Usage(prompt_tokens=7, completion_tokens=3, total_tokens=10))

    async def count_tokens(self, request: ChatCompletionRequest) -> int:
        return 7


SPEC = ProviderSpec(
    name="toy",
    config=ToyDeployment,
    build=lambda deployment, resources: ToyProvider(deployment),
    pricing="price_table",
    vendor=lambda deployment: "Toy Inc",
)
'''

CATALOG = f"""
models:
  toy-chat:
    deployments:
      - provider: toy
        model: {PRICED_MODEL}
        greeting: hello from the toy
"""


@pytest.fixture(scope="module")
def toy_gateway(tmp_path_factory: pytest.TempPathFactory) -> object:
    folder = tmp_path_factory.mktemp("toy")
    site = folder / "site"
    install_provider(site, "toy_strata_provider", TOY_PROVIDER, "toy")  # the module, and its one line
    (folder / "strata.yaml").write_text(CATALOG, encoding="utf-8")
    env = {"STRATA_MASTER_KEY": MASTER, "PYTHONPATH": pythonpath_with(site), "STRATA_USAGE_FLUSH_INTERVAL_S": "0.05"}
    with gateway_process(["--config", str(folder / "strata.yaml")], cwd=folder, env=env) as (gateway, _):
        yield gateway


def test_a_provider_added_by_one_file_and_one_line_serves_both_surfaces_with_its_price(toy_gateway: object) -> None:
    gateway = toy_gateway
    client = openai.OpenAI(base_url=gateway.openai_base, api_key=MASTER, max_retries=0)  # type: ignore[attr-defined]
    reply = client.chat.completions.create(model="toy-chat", messages=[{"role": "user", "content": "hi"}])
    assert reply.choices[0].message.content == "hello from the toy: hi"
    streamed = "".join(
        chunk.choices[0].delta.content or ""
        for chunk in client.chat.completions.create(
            model="toy-chat", messages=[{"role": "user", "content": "there"}], stream=True
        )
        if chunk.choices
    )
    assert streamed.strip() == "hello from the toy: there"

    runtime = sigv4_client("bedrock-runtime", gateway, secret=MASTER)  # type: ignore[arg-type]
    answer = runtime.converse(modelId="toy-chat", messages=[{"role": "user", "content": [{"text": "aws"}]}])
    assert answer["output"]["message"]["content"][0]["text"] == "hello from the toy: aws"
    assert answer["usage"] == {"inputTokens": 7, "outputTokens": 3, "totalTokens": 10}
    listed = sigv4_client("bedrock", gateway, secret=MASTER).list_foundation_models()  # type: ignore[arg-type]
    assert [(m["modelId"], m["providerName"]) for m in listed["modelSummaries"]] == [("toy-chat", "Toy Inc")]

    price = load_litellm_table()[PRICED_MODEL]
    assert price.input > 0 and price.output > 0
    expected = Decimal(repr(7 * price.input + 3 * price.output))
    records = _records(gateway, 3)
    assert sorted(r["surface"] for r in records) == ["bedrock", "openai", "openai"]
    for record in records:
        assert record["provider"] == "toy" and record["status"] == 200
        assert abs(Decimal(str(record["cost_usd"])) - expected) <= expected * Decimal("1e-6")


def _records(gateway: object, count: int) -> list[dict[str, object]]:
    headers = {"Authorization": f"Bearer {MASTER}"}
    url = f"{gateway.base_url}/admin/usage/records"  # type: ignore[attr-defined]
    for _ in range(100):
        rows: list[dict[str, object]] = httpx.get(url, headers=headers, timeout=5).json()["rows"]
        if len(rows) >= count:
            return rows
        time.sleep(0.1)
    raise AssertionError(f"expected {count} usage records, found {len(rows)}")
