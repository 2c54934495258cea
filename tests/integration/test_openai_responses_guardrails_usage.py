"""The Responses API through the unmodified openai SDK, against the fake upstream: guardrails (masked
input stored masked, a blocked prompt answered by the guardrail) and usage records."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import openai
import pytest

from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import MakeClient
from tests.integration.responses_helpers import responses_gateway, upstream_messages
from tests.support.gateway import RunningGateway


@pytest.fixture(scope="module")
def gateway(upstream_server: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    yield from responses_gateway(upstream_server, tmp_path_factory.mktemp("responses"))


@pytest.fixture()
def client(gateway: RunningGateway, upstream: FakeUpstream, make_client: MakeClient) -> openai.OpenAI:
    httpx.post(f"{gateway.base_url}/admin/deployments/reset", headers=gateway.headers()).raise_for_status()
    return make_client(gateway)


# ---------------------------------------------------------------- guardrails and usage


def test_masked_input_is_stored_masked_and_a_blocked_prompt_is_answered_by_the_guardrail(
    client: openai.OpenAI, upstream: FakeUpstream
) -> None:
    first = client.responses.create(model="guarded", input="Mail bob@example.com today.")
    assert first.model_extra is not None and first.model_extra["strata_guardrail"]["action"] == "GUARDRAIL_INTERVENED"
    client.responses.create(model="guarded", input="Thanks.", previous_response_id=first.id)
    assert upstream_messages(upstream)[-1][0] == {"role": "user", "content": "Mail {EMAIL} today."}

    blocked = client.responses.create(model="guarded", input="Charge 4111 1111 1111 1111.")
    assert blocked.output_text == "Sorry, that request cannot be processed."
    assert blocked.status == "incomplete" and blocked.incomplete_details is not None
    assert blocked.incomplete_details.reason == "content_filter"
    assert len(upstream_messages(upstream)) == 2, "the blocked prompt never reached the model"


def test_the_usage_record_names_the_openai_surface_with_metadata(
    gateway: RunningGateway, client: openai.OpenAI
) -> None:
    raw = client.responses.with_raw_response.create(
        model="gpt-test", input="Say hello.", metadata={"ticket": "9"}, user="u-1"
    )
    response = raw.parse()
    request_id = raw.headers["x-request-id"]
    for _ in range(100):
        rows = httpx.get(
            f"{gateway.base_url}/admin/usage/records", params={"request_id": request_id}, headers=gateway.headers()
        ).json()["rows"]
        if rows:
            break
        time.sleep(0.05)
    [record] = rows
    assert record["surface"] == "openai" and record["model"] == "gpt-test" and record["status"] == 200
    assert response.usage is not None
    assert (record["prompt_tokens"], record["completion_tokens"]) == (
        response.usage.input_tokens,
        response.usage.output_tokens,
    )
    assert record["request_metadata"] == {"ticket": "9", "user": "u-1"}
