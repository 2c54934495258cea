"""``x-strata-cache`` on embeddings calls, which are never cached: ``only-if-cached`` is a 504
``not_cached`` (Bedrock: ModelTimeoutException) and the model is never called, on the OpenAI
surface and on Bedrock's InvokeModel (a Titan embeddings body), whether or not the model has a
``cache:`` block; ``no-cache``, ``no-store`` and ``bypass`` change nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
import yaml

from tests.fakes.upstream import FakeUpstream
from tests.integration.cache_helpers import cache_catalog, upstream_calls
from tests.integration.conftest import ENVIRON, TIMEOUTS
from tests.support.bedrock import bedrock_gateway, isolate_aws_environment, sigv4_client
from tests.support.gateway import RunningGateway

EMBEDDERS = ["embedder", "embedder-with-cache"]


def _catalog(upstream: FakeUpstream) -> str:
    catalog = yaml.safe_load(cache_catalog(upstream))
    deployment = {
        "provider": "openai",
        "model": "fake-embed",
        "api_base": upstream.url,
        "api_key": "${FAKE_KEY}",
        "timeouts": dict(TIMEOUTS),
        "embeddings": True,
    }
    catalog["models"]["embedder"] = {"deployments": [deployment]}
    catalog["models"]["embedder-with-cache"] = {"deployments": [dict(deployment)], "cache": {"mode": "exact"}}
    return yaml.safe_dump(catalog)


@pytest.fixture()
def gateway(upstream: FakeUpstream, tmp_path: Path) -> Iterator[RunningGateway]:
    with bedrock_gateway(_catalog(upstream), tmp_path, ENVIRON) as running:
        yield running


def _openai(gateway: RunningGateway, directive: str, sent: list[httpx.Request]) -> openai.OpenAI:
    counting = httpx.Client(event_hooks={"request": [sent.append]})
    return openai.OpenAI(
        base_url=gateway.openai_base,
        api_key=gateway.master_key,
        max_retries=2,
        timeout=10,
        default_headers={"x-strata-cache": directive},
        http_client=counting,
    )


@pytest.mark.parametrize("model", EMBEDDERS)
def test_only_if_cached_embeddings_are_a_504_not_cached_and_never_reach_the_model(
    upstream: FakeUpstream, gateway: RunningGateway, model: str
) -> None:
    sent: list[httpx.Request] = []
    with _openai(gateway, "only-if-cached", sent) as client, pytest.raises(openai.APIStatusError) as caught:
        client.embeddings.create(model=model, input="hello world")
    assert caught.value.status_code == 504
    body: Any = caught.value.body
    assert body["code"] == "not_cached" and "embeddings are never cached" in body["message"]
    assert len(sent) == 1, "the SDK did not retry: asking again cannot find an answer"
    assert upstream_calls(upstream) == 0


@pytest.mark.parametrize("model", EMBEDDERS)
def test_only_if_cached_titan_embeddings_on_bedrock_are_a_model_timeout_exception(
    upstream: FakeUpstream, gateway: RunningGateway, monkeypatch: pytest.MonkeyPatch, model: str
) -> None:
    isolate_aws_environment(monkeypatch)
    runtime = sigv4_client("bedrock-runtime", gateway)

    def only_if_cached(request: Any, **_: Any) -> None:
        request.headers["x-strata-cache"] = "only-if-cached"

    runtime.meta.events.register("before-sign.bedrock-runtime.InvokeModel", only_if_cached)
    with pytest.raises(runtime.exceptions.ModelTimeoutException) as caught:
        runtime.invoke_model(modelId=model, body=json.dumps({"inputText": "hello world"}))
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 408
    assert "only-if-cached" in caught.value.response["Error"]["Message"]
    assert upstream_calls(upstream) == 0


@pytest.mark.parametrize("directive", ["no-cache", "no-store", "bypass", "no-store, bypass"])
def test_other_cache_directives_leave_embeddings_as_they_are(
    upstream: FakeUpstream, gateway: RunningGateway, directive: str
) -> None:
    sent: list[httpx.Request] = []
    with _openai(gateway, directive, sent) as client:
        raw = client.embeddings.with_raw_response.create(model="embedder-with-cache", input="hello world")
    assert raw.status_code == 200 and len(raw.parse().data[0].embedding) == 8
    assert "x-strata-cache" not in raw.headers  # nothing was looked up or kept
    assert upstream_calls(upstream) == 1
