"""What callers see while a gateway shuts down (gateway/drain.py), with real clients.

Draining (SIGTERM received, shutdown delay running): readiness fails, liveness holds, calls are still
served and each response closes its connection. Refused (a call that arrives after the listener
closed, or while the app stops): a model call gets 503 and Retry-After in the caller's own error
shape; the rest is served. The phases are set directly here; tests/integration/test_shutdown_sigterm.py
sends real signals and a request that arrives as the listener closes.
"""

from __future__ import annotations

from typing import Any

import anthropic
import httpx
import openai
import pytest
from botocore.exceptions import ClientError

from gateway.drain import Drain
from gateway.lifespan import AppState
from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import USER, MakeClient, StartGateway, assert_openai_error, standard_catalog
from tests.support.bedrock import isolate_aws_environment, sigv4_client
from tests.support.gateway import RunningGateway


@pytest.fixture()
def gateway(start_gateway: StartGateway, upstream: FakeUpstream) -> RunningGateway:
    return start_gateway(standard_catalog(upstream.url))


def drain_of(gateway: RunningGateway) -> Drain:
    assert gateway.server is not None
    state: AppState = gateway.server.config.app.state.strata
    return state.drain


def test_readiness_fails_while_draining_and_calls_are_still_served(
    gateway: RunningGateway, make_client: MakeClient
) -> None:
    assert httpx.get(f"{gateway.base_url}/health/ready").status_code == 200
    drain_of(gateway).begin()
    ready = httpx.get(f"{gateway.base_url}/health/ready")
    assert (ready.status_code, ready.json()["status"]) == (503, "draining")
    assert httpx.get(f"{gateway.base_url}/health/live").status_code == 200  # alive: no restart, please
    reply = make_client(gateway).chat.completions.with_raw_response.create(model="gpt-test", messages=USER)
    assert reply.status_code == 200 and reply.parse().choices[0].message.content
    assert reply.headers["connection"] == "close"  # the next request goes through the balancer again


def test_a_model_call_while_stopping_is_refused_in_openai_shape(
    gateway: RunningGateway, make_client: MakeClient
) -> None:
    drain_of(gateway).stop()
    body = {"model": "gpt-test", "messages": USER}
    response = httpx.post(f"{gateway.openai_base}/chat/completions", json=body, headers=gateway.headers())
    error = assert_openai_error(response, 503)
    assert (error["type"], error["code"]) == ("service_unavailable", "shutting_down")
    assert response.headers["retry-after"] == "1" and response.headers["connection"] == "close"
    with pytest.raises(openai.InternalServerError) as caught:
        make_client(gateway).chat.completions.create(model="gpt-test", messages=USER)
    assert caught.value.status_code == 503 and "shutting down" in caught.value.message
    # Not a model call: still answered (a balancer's probe, a quick admin read).
    assert httpx.get(f"{gateway.openai_base}/models", headers=gateway.headers()).status_code == 200
    assert httpx.get(f"{gateway.base_url}/health/live").status_code == 200


def test_refused_in_bedrock_shape(gateway: RunningGateway, monkeypatch: pytest.MonkeyPatch) -> None:
    isolate_aws_environment(monkeypatch)
    drain_of(gateway).stop()
    runtime = sigv4_client("bedrock-runtime", gateway)
    try:
        with pytest.raises(ClientError) as caught:
            runtime.converse(modelId="gpt-test", messages=[{"role": "user", "content": [{"text": "hi"}]}])
    finally:
        runtime.close()
    response: dict[str, Any] = caught.value.response
    assert response["Error"]["Code"] == "ServiceUnavailableException"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 503
    assert response["ResponseMetadata"]["HTTPHeaders"]["retry-after"] == "1"


def test_refused_in_anthropic_shape(gateway: RunningGateway) -> None:
    drain_of(gateway).stop()
    client = anthropic.Anthropic(base_url=gateway.base_url, api_key=gateway.master_key, max_retries=0, timeout=10)
    with client, pytest.raises(anthropic.APIStatusError) as caught:
        client.messages.create(model="gpt-test", max_tokens=16, messages=[{"role": "user", "content": "hi"}])
    # Anthropic's surface renders "unavailable" as its own 529 overloaded_error: retried by its SDK.
    assert caught.value.status_code in (503, 529)
    assert caught.value.response.headers["retry-after"] == "1"
    assert "shutting down" in caught.value.message
    assert isinstance(caught.value.body, dict) and caught.value.body["type"] == "error"
