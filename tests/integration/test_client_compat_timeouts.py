"""The timeouts Stainless SDKs (openai, anthropic) send on their own, as those clients mean them.

``x-stainless-read-timeout`` (and ``x-stainless-timeout``) is the client's read timeout: the longest
it waits between two bytes. It bounds the wait for an answer (nothing is sent before it) and for a
stream's first chunk, never a stream's length. One that does not parse (older anthropic SDKs'
Bedrock client sends ``x-stainless-timeout: NOT_GIVEN``) is ignored, not refused.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anthropic
import openai
import pytest
import yaml

from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import ENVIRON, NO_RETRIES, MakeClient, openai_deployment
from tests.support.bedrock import REGION, bedrock_gateway, isolate_aws_environment
from tests.support.gateway import MASTER_KEY, RunningGateway

USER = [{"role": "user", "content": "Say hello."}]
SLOW_STREAM = "one two three four five six seven eight"  # a chunk a word, 0.5 s apart: about 4 s in all
HAIKU = "anthropic.claude-3-5-haiku-20241022-v1:0"


@pytest.fixture(scope="module")
def gateway(upstream_server: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    timeouts = {"connect": 1, "read": 2, "total": 10}
    catalog = {
        "models": {
            "gpt": {
                "aliases": [HAIKU],
                "deployments": [openai_deployment(upstream_server.url, "slow-model", timeouts=timeouts)],
                "routing": NO_RETRIES,
            }
        }
    }
    with pytest.MonkeyPatch.context() as patch:
        isolate_aws_environment(patch)
        folder: Path = tmp_path_factory.mktemp("timeouts")
        with bedrock_gateway(yaml.safe_dump(catalog), folder, ENVIRON) as running:
            yield running


def test_a_stream_outlasting_the_read_timeout_finishes_when_chunks_keep_coming(
    upstream: FakeUpstream, gateway: RunningGateway, make_client: MakeClient
) -> None:
    upstream.set_behaviour("slow-model", content=SLOW_STREAM, chunk_delay_ms=500)
    client = make_client(gateway, timeout=2.0)  # the SDK sends x-stainless-read-timeout: 2.0

    started = time.monotonic()
    chunks = list(client.chat.completions.create(model="gpt", messages=USER, stream=True))

    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == SLOW_STREAM
    assert time.monotonic() - started > 3  # longer than the read timeout, in all
    assert upstream.requests()[-1]["headers"].get("x-stainless-read-timeout") is None  # not passed upstream


@pytest.mark.parametrize("stream", [False, True], ids=["answer", "first-chunk"])
def test_an_answer_slower_than_the_read_timeout_is_a_504_at_that_time(
    upstream: FakeUpstream, gateway: RunningGateway, make_client: MakeClient, stream: bool
) -> None:
    upstream.set_behaviour("slow-model", latency_ms=4000)
    client = make_client(gateway, timeout=30.0)
    headers = {"x-stainless-read-timeout": "1"}

    started = time.monotonic()
    with pytest.raises(openai.APIStatusError) as raised:
        client.chat.completions.create(model="gpt", messages=USER, stream=stream, extra_headers=headers)

    assert raised.value.status_code == 504
    assert 0.9 <= time.monotonic() - started < 3


@pytest.mark.parametrize("value", ["NOT_GIVEN", "None", "0", "-1", "nan", ""])
def test_a_stainless_timeout_that_does_not_parse_is_ignored(
    upstream: FakeUpstream, gateway: RunningGateway, make_client: MakeClient, value: str
) -> None:
    client = make_client(gateway)
    headers = {"x-stainless-timeout": value, "x-stainless-read-timeout": value}

    reply = client.chat.completions.create(model="gpt", messages=USER, extra_headers=headers)

    assert reply.choices[0].message.content == "Hello from the fake upstream."


def test_the_anthropic_bedrock_client_sending_not_given_is_answered(
    upstream: FakeUpstream, gateway: RunningGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    isolate_aws_environment(monkeypatch)
    client = anthropic.AnthropicBedrock(
        base_url=gateway.base_url, aws_access_key="master", aws_secret_key=MASTER_KEY, aws_region=REGION, max_retries=0
    )
    options: Any = {"extra_headers": {"x-stainless-timeout": "NOT_GIVEN"}}  # what its older releases send

    with client:
        message = client.messages.create(model=HAIKU, max_tokens=50, messages=USER, **options)

    assert message.content[0].type == "text" and message.content[0].text == "Hello from the fake upstream."


def test_a_bad_strata_timeout_is_still_a_400(gateway: RunningGateway, make_client: MakeClient) -> None:
    with pytest.raises(openai.BadRequestError) as raised:
        make_client(gateway).chat.completions.create(
            model="gpt", messages=USER, extra_headers={"x-strata-timeout": "NOT_GIVEN"}
        )
    assert "x-strata-timeout" in str(raised.value)
