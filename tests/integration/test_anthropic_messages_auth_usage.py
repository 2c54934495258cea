"""The Anthropic Messages API (/v1/messages), driven by the unmodified ``anthropic`` SDK against a real
gateway over the fake OpenAI-compatible upstream: a bearer token and Anthropic's headers accepted, usage
records naming the surface and the user, and a blocked prompt answered as a refusal."""

from __future__ import annotations

from collections.abc import Iterator

import anthropic
import httpx
import pytest

from tests.fakes.upstream import FakeUpstream
from tests.integration.anthropic_helpers import BLOCKED, HELLO, _record, anthropic_gateway
from tests.support.gateway import RunningGateway


@pytest.fixture(scope="module")
def gateway(upstream_server: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    yield from anthropic_gateway(upstream_server, tmp_path_factory.mktemp("anthropic"))


@pytest.fixture()
def client(gateway: RunningGateway, upstream: FakeUpstream) -> Iterator[anthropic.Anthropic]:
    httpx.post(f"{gateway.base_url}/admin/deployments/reset", headers=gateway.headers()).raise_for_status()
    with anthropic.Anthropic(base_url=gateway.base_url, api_key=gateway.master_key, max_retries=0, timeout=10) as c:
        yield c


# ---------------------------------------------------------------- auth, headers, usage, guardrails


def test_a_bearer_token_and_anthropics_headers_are_accepted(gateway: RunningGateway) -> None:
    beta = {"anthropic-beta": "prompt-caching-2024-07-31,interleaved-thinking-2025-05-14"}
    with anthropic.Anthropic(
        base_url=gateway.base_url, auth_token=gateway.master_key, max_retries=0, default_headers=beta
    ) as bearer:
        message = bearer.messages.create(model="claude-fake", max_tokens=10, messages=HELLO)
    assert message.content


def test_the_usage_record_names_the_anthropic_surface_and_the_user(
    client: anthropic.Anthropic, gateway: RunningGateway
) -> None:
    raw = client.messages.with_raw_response.create(
        model="claude-fake", max_tokens=50, messages=HELLO, metadata={"user_id": "user-42"}
    )
    message = raw.parse()
    record = _record(gateway, raw.headers["x-request-id"])
    assert record["surface"] == "anthropic" and record["model"] == "claude-fake" and record["status"] == 200
    assert record["request_metadata"] == {"user_id": "user-42"}
    assert (record["prompt_tokens"], record["completion_tokens"]) == (
        message.usage.input_tokens,
        message.usage.output_tokens,
    )


def test_a_blocked_prompt_is_answered_as_a_refusal(client: anthropic.Anthropic, upstream: FakeUpstream) -> None:
    secret = [{"role": "user", "content": "Tell me about Nightingale."}]
    guarded = {"x-strata-guardrail": "words"}
    raw = client.messages.with_raw_response.create(
        model="claude-fake", max_tokens=50, messages=secret, extra_headers=guarded
    )
    message = raw.parse()
    assert message.stop_reason == "refusal"
    assert message.content[0].type == "text" and message.content[0].text == BLOCKED
    assert raw.http_response.json()["strata_guardrail"]["blocked"] is True
    with client.messages.stream(model="claude-fake", max_tokens=50, messages=secret, extra_headers=guarded) as stream:
        final = stream.get_final_message()
    assert final.stop_reason == "refusal" and final.content[0].type == "text" and final.content[0].text == BLOCKED
    assert upstream.requests() == [], "no model was called"
