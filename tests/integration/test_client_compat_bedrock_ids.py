"""Bedrock model ids as model aliases: clients that choose a body format from the model id.

boto3, langchain-aws's ChatBedrock, litellm's ``bedrock/`` routes and the anthropic SDK's Bedrock
client all pick Anthropic's body because the id says ``anthropic.``; with that id as an alias of
a public model they reach whatever serves it (here an OpenAI-compatible upstream). Aliases resolve
on every surface; what is not there answers in Bedrock's error shape.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anthropic
import botocore.exceptions
import httpx
import pytest
import yaml

from providers.litellm import _import_litellm
from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import ENVIRON, MakeClient, openai_deployment
from tests.support.bedrock import REGION, bedrock_gateway, isolate_aws_environment, sigv4_client
from tests.support.gateway import MASTER_KEY, RunningGateway

HAIKU = "anthropic.claude-3-5-haiku-20241022-v1:0"
ANSWER = "Hello from the fake upstream."
USER = [{"role": "user", "content": "Say hello."}]
ANTHROPIC_BODY = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 50, "messages": USER}


@pytest.fixture(scope="module")
def gateway(upstream_server: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    catalog = {
        "models": {
            "haiku": {
                "aliases": [HAIKU, f"us.{HAIKU}"],  # a cross-region inference profile id too
                "deployments": [openai_deployment(upstream_server.url, "haiku-upstream")],
            }
        }
    }
    folder: Path = tmp_path_factory.mktemp("bedrock-ids")
    with bedrock_gateway(yaml.safe_dump(catalog), folder, ENVIRON) as running:
        yield running


@pytest.fixture()
def runtime(gateway: RunningGateway, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    isolate_aws_environment(monkeypatch)
    client = sigv4_client("bedrock-runtime", gateway)
    yield client
    client.close()


def _upstream_models(upstream: FakeUpstream) -> list[str]:
    return [r["body"]["model"] for r in upstream.requests()]


@pytest.mark.parametrize(
    "model_id",
    [
        HAIKU,
        f"us.{HAIKU}",
        f"arn:aws:bedrock:{REGION}::foundation-model/{HAIKU}",
        f"eu.{HAIKU}",  # another geography's profile id: not an alias, still the model
        f"arn:aws:bedrock:{REGION}:123456789012:inference-profile/global.{HAIKU}",
    ],
)
def test_boto3_invoke_model_with_an_aliased_bedrock_id_and_an_anthropic_body(
    upstream: FakeUpstream, runtime: Any, model_id: str
) -> None:
    response = runtime.invoke_model(modelId=model_id, body=json.dumps(ANTHROPIC_BODY))

    answer = json.loads(response["body"].read())
    assert answer["type"] == "message" and answer["content"] == [{"type": "text", "text": ANSWER}]
    assert _upstream_models(upstream) == ["haiku-upstream"]


def test_boto3_streams_and_converses_with_the_alias(upstream: FakeUpstream, runtime: Any) -> None:
    streamed = runtime.invoke_model_with_response_stream(modelId=HAIKU, body=json.dumps(ANTHROPIC_BODY))
    events = [json.loads(e["chunk"]["bytes"]) for e in streamed["body"]]
    text = "".join(e["delta"].get("text", "") for e in events if e["type"] == "content_block_delta")
    conversed = runtime.converse(modelId=HAIKU, messages=[{"role": "user", "content": [{"text": "Say hello."}]}])

    assert text == ANSWER
    assert conversed["output"]["message"]["content"] == [{"text": ANSWER}]


def test_langchain_aws_chat_bedrock(upstream: FakeUpstream, gateway: RunningGateway, runtime: Any) -> None:
    from langchain_aws import ChatBedrock

    chat = ChatBedrock(model_id=HAIKU, client=runtime, region_name=REGION)

    assert chat.invoke("Say hello.").content == ANSWER
    assert _upstream_models(upstream) == ["haiku-upstream"]


@pytest.mark.parametrize("route", ["bedrock/invoke/", "bedrock/"], ids=["invoke", "converse"])
def test_litellm_bedrock_routes(
    upstream: FakeUpstream, gateway: RunningGateway, monkeypatch: pytest.MonkeyPatch, route: str
) -> None:
    isolate_aws_environment(monkeypatch)
    litellm = _import_litellm()  # offline: the bundled price map

    reply = litellm.completion(
        model=route + HAIKU,
        messages=USER,
        max_tokens=50,
        aws_bedrock_runtime_endpoint=gateway.base_url,
        aws_access_key_id="master",
        aws_secret_access_key=MASTER_KEY,
        aws_region_name=REGION,
        num_retries=0,
    )

    assert reply.choices[0].message.content == ANSWER
    assert _upstream_models(upstream) == ["haiku-upstream"]


def test_the_anthropic_sdks_bedrock_client(
    upstream: FakeUpstream, gateway: RunningGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    isolate_aws_environment(monkeypatch)
    client = anthropic.AnthropicBedrock(
        base_url=gateway.base_url, aws_access_key="master", aws_secret_key=MASTER_KEY, aws_region=REGION, max_retries=0
    )
    with client:
        message = client.messages.create(model=HAIKU, max_tokens=50, messages=USER)  # type: ignore[arg-type]

    assert message.content[0].type == "text" and message.content[0].text == ANSWER


def test_the_alias_answers_on_the_openai_surface_too(
    upstream: FakeUpstream, gateway: RunningGateway, make_client: MakeClient
) -> None:
    client = make_client(gateway)

    reply = client.chat.completions.create(model=HAIKU, messages=USER)  # type: ignore[arg-type]

    assert reply.choices[0].message.content == ANSWER
    assert reply.model == "haiku"  # the public name: the alias is another name for it
    assert client.models.retrieve(HAIKU).id == "haiku"


def test_an_unknown_bedrock_id_and_an_unknown_operation_answer_in_bedrocks_shape(
    gateway: RunningGateway, runtime: Any
) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        runtime.invoke_model(modelId="anthropic.claude-3-opus-20240229-v1:0", body=json.dumps(ANTHROPIC_BODY))
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"

    unknown = httpx.post(f"{gateway.base_url}/model/{HAIKU}/not-an-operation", json={}, headers=gateway.headers())
    assert (unknown.status_code, unknown.headers["x-amzn-errortype"]) == (404, "ResourceNotFoundException")
    assert set(unknown.json()) == {"message"}
