"""While output guardrails hold a stream's text back, every streaming surface keeps the connection
alive (Anthropic's ping, an SSE comment, an event-stream frame botocore skips), so a client whose
read timeout is shorter than the held stretch still gets the whole answer, through its own SDK."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import anthropic
import boto3
import openai
import pytest
import yaml
from botocore.config import Config

from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import ENVIRON, openai_deployment
from tests.support.bedrock import REGION, client_config
from tests.support.gateway import RunningGateway, gateway_in_thread

READ_TIMEOUT = 1.5  # the clients' read timeout: shorter than the answer the guardrail holds back
ANSWER = " ".join(f"w{i}" for i in range(40))  # under the 256 characters a check waits for: held to the end
GUARD = {
    "blockedInputMessaging": "Blocked.",
    "blockedOutputsMessaging": "Withheld.",
    "sensitiveInformationPolicyConfig": {"piiEntitiesConfig": [{"type": "EMAIL", "action": "ANONYMIZE"}]},
}


@pytest.fixture(scope="module")
def gateway(upstream_server: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    catalog = {
        "guardrails": {"mask": GUARD},
        "models": {
            "held": {"deployments": [openai_deployment(upstream_server.url, "slow-up")], "guardrails": ["mask"]}
        },
    }
    folder: Path = tmp_path_factory.mktemp("keep-alive")
    with gateway_in_thread(yaml.safe_dump(catalog), folder, environ=ENVIRON) as running:
        yield running


@pytest.fixture()
def slow(upstream: FakeUpstream) -> None:
    upstream.set_behaviour("slow-up", content=ANSWER, chunk_count=40, chunk_delay_ms=60)  # ~2.4 s of chunks


def test_anthropic_and_responses_streams_outlive_a_short_read_timeout(gateway: RunningGateway, slow: None) -> None:
    with anthropic.Anthropic(
        base_url=gateway.base_url, api_key=gateway.master_key, max_retries=0, timeout=READ_TIMEOUT
    ) as claude:
        with claude.messages.stream(
            model="held", max_tokens=200, messages=[{"role": "user", "content": "hi"}]
        ) as streamed:
            assert streamed.get_final_text() == ANSWER
    with openai.OpenAI(
        base_url=gateway.openai_base, api_key=gateway.master_key, max_retries=0, timeout=READ_TIMEOUT
    ) as client:
        events = list(client.responses.create(model="held", input="hi", stream=True))
        assert events[-1].type == "response.completed" and events[-1].response.output_text == ANSWER
        chunks = client.completions.create(model="held", prompt="hi", stream=True)
        text = "".join(c.choices[0].text for c in chunks if c.choices)
        assert text == ANSWER


def test_bedrock_streams_outlive_a_short_read_timeout(gateway: RunningGateway, slow: None) -> None:
    config = client_config().merge(Config(read_timeout=READ_TIMEOUT, retries={"max_attempts": 0}))
    runtime = boto3.client(
        "bedrock-runtime",
        endpoint_url=gateway.base_url,
        region_name=REGION,
        aws_access_key_id="master",
        aws_secret_access_key=gateway.master_key,
        config=config,
    )
    try:
        events = list(
            runtime.converse_stream(modelId="held", messages=[{"role": "user", "content": [{"text": "hi"}]}])["stream"]
        )
        assert "".join(e["contentBlockDelta"]["delta"]["text"] for e in events if "contentBlockDelta" in e) == ANSWER
        assert all(
            set(e) <= {"messageStart", "contentBlockDelta", "contentBlockStop", "messageStop", "metadata"}
            for e in events
        )
        body = '{"messages": [{"role": "user", "content": "hi"}]}'
        frames = list(runtime.invoke_model_with_response_stream(modelId="held", body=body)["body"])
        assert frames and all(set(f) == {"chunk"} for f in frames)
    finally:
        runtime.close()
