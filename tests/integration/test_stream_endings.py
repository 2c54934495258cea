"""How a stream that does not end normally ends, on every surface: an error in the middle of it
(not the upstream's: a fault of a provider's or of ours) ends it with the surface's own error
event, which the SDK raises, and the attempt counts as failed; a stream the client abandons is
recorded as such, with the tokens actually sent. The providers here are test plug-ins (a real
`strata serve` loads them through the entry point, as a third-party provider would be)."""

from __future__ import annotations

import signal
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore.exceptions
import httpx
import openai
import pytest
import yaml

from tests.support.bedrock import sigv4_client
from tests.support.gateway import RunningGateway, gateway_process
from tests.support.plugins import install_provider, pythonpath_with

MASTER = "sk-stream-endings-master"

PLUGIN = '''
"""Test providers: "faulty" breaks after two chunks with a plain Python error (not a ProviderError);
"drip" sends one word every 20 ms, 500 of them."""

import asyncio
from collections.abc import AsyncIterator
from typing import Literal

from providers.base import CallOptions, Provider, ProviderSpec
from providers.canonical import ChatCompletion, ChatCompletionChunk, ChatCompletionRequest, ChunkChoice, Delta
from providers.deployment import DeploymentBase


class TestDeployment(DeploymentBase):
    provider: Literal["stream-test"]
    model: str
    behaviour: Literal["faulty", "drip"]


def chunk(text: str) -> ChatCompletionChunk:
    return ChatCompletionChunk(id="t", created=0, model="m", choices=[ChunkChoice(delta=Delta(content=text))])


class TestProvider(Provider):
    def __init__(self, deployment: TestDeployment) -> None:
        self.behaviour = deployment.behaviour

    async def chat(self, request: ChatCompletionRequest, options: CallOptions) -> ChatCompletion:
        raise NotImplementedError

    async def chat_stream(
        self, request: ChatCompletionRequest, options: CallOptions
    ) -> AsyncIterator[ChatCompletionChunk]:
        if self.behaviour == "faulty":
            yield chunk("one ")
            yield chunk("two ")
            raise KeyError("a bug in the middle of a stream")
        for _ in range(500):
            yield chunk("word ")
            await asyncio.sleep(0.02)

    async def count_tokens(self, request: ChatCompletionRequest) -> int:
        return 5


SPEC = ProviderSpec(
    name="stream-test",
    config=TestDeployment,
    build=lambda deployment, resources: TestProvider(deployment),
    pricing="config_only",
    vendor=lambda deployment: "tests",
)
'''

ONE_FAILURE_OPENS = {"retries": {"attempts": 1}, "circuit": {"consecutive_failures": 1, "cooldown_s": 60}}


def _catalog() -> str:
    def model(behaviour: str) -> dict[str, Any]:
        deployment = {"provider": "stream-test", "model": behaviour, "behaviour": behaviour}
        return {"deployments": [deployment], "routing": ONE_FAILURE_OPENS}

    return yaml.safe_dump({"models": {"faulty": model("faulty"), "drip": model("drip")}})


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    folder: Path = tmp_path_factory.mktemp("stream-endings")
    install_provider(folder / "site", "stream_test_provider", PLUGIN, "stream-test")
    (folder / "strata.yaml").write_text(_catalog(), encoding="utf-8")
    env = {
        "STRATA_MASTER_KEY": MASTER,
        "PYTHONPATH": pythonpath_with(folder / "site"),
        "STRATA_USAGE_FLUSH_INTERVAL_S": "0.05",
    }
    with gateway_process(["--config", str(folder / "strata.yaml")], cwd=folder, env=env) as (running, _):
        yield running


def _reset(gateway: RunningGateway) -> None:
    httpx.post(f"{gateway.base_url}/admin/deployments/reset", headers={"Authorization": f"Bearer {MASTER}"})


def _state(gateway: RunningGateway, deployment: str) -> str:
    body = httpx.get(f"{gateway.base_url}/admin/deployments", headers={"Authorization": f"Bearer {MASTER}"}).json()
    rows = {row["deployment"]: row for model in body["models"] for row in model["deployments"]}
    state: str = rows[deployment]["state"]
    return state


def _record(gateway: RunningGateway, request_id: str) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {MASTER}"}
    for _ in range(100):
        rows = httpx.get(
            f"{gateway.base_url}/admin/usage/records", params={"request_id": request_id}, headers=headers
        ).json()["rows"]
        if rows:
            record: dict[str, Any] = rows[0]
            return record
        time.sleep(0.05)
    raise AssertionError(f"no usage record for {request_id}")


def test_an_error_mid_stream_reaches_the_openai_sdk_as_an_api_error_and_fails_the_attempt(
    gateway: RunningGateway,
) -> None:
    _reset(gateway)
    received: list[str] = []
    with openai.OpenAI(base_url=gateway.openai_base, api_key=MASTER, max_retries=0) as client:
        stream = client.chat.completions.with_raw_response.create(
            model="faulty", messages=[{"role": "user", "content": "hi"}], stream=True
        )
        request_id = stream.headers["x-request-id"]
        with pytest.raises(openai.APIError) as raised:
            for chunk in stream.parse():
                received.append(chunk.choices[0].delta.content or "")
    assert not isinstance(raised.value, openai.APIConnectionError), "the stream ended with an error event"
    assert request_id in raised.value.message
    assert received == ["one ", "two "]
    assert _state(gateway, "faulty/0") == "cooling_down", "the circuit breaker heard the failure"
    record = _record(gateway, request_id)
    assert (record["status"], record["error_type"]) == (200, "api_error")


def test_an_error_mid_stream_reaches_boto3_as_an_exception_frame(gateway: RunningGateway) -> None:
    _reset(gateway)
    runtime = sigv4_client("bedrock-runtime", gateway, secret=MASTER)
    texts: list[str] = []
    try:
        response = runtime.converse_stream(modelId="faulty", messages=[{"role": "user", "content": [{"text": "hi"}]}])
        with pytest.raises(botocore.exceptions.EventStreamError) as raised:
            for event in response["stream"]:
                if "contentBlockDelta" in event:
                    texts.append(event["contentBlockDelta"]["delta"]["text"])
        response["stream"].close()
    finally:
        runtime.close()
    assert raised.value.response["Error"]["Code"] == "internalServerException"
    assert texts == ["one ", "two "]
    assert _state(gateway, "faulty/0") == "cooling_down"
    record = _record(gateway, response["ResponseMetadata"]["RequestId"])
    assert (record["status"], record["error_type"]) == (200, "api_error")


def test_a_stream_the_client_abandons_is_recorded_as_client_closed_with_the_tokens_sent(
    gateway: RunningGateway,
) -> None:
    _reset(gateway)
    body = {"model": "drip", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    headers = {"Authorization": f"Bearer {MASTER}"}
    with httpx.stream("POST", f"{gateway.openai_base}/chat/completions", json=body, headers=headers) as response:
        request_id = response.headers["x-request-id"]
        events = 0
        for line in response.iter_lines():
            events += line.startswith("data: ")
            if events == 5:
                break  # and leave, closing the connection
    record = _record(gateway, request_id)
    assert (record["status"], record["error_type"]) == (200, "client_closed")
    assert 5 <= record["completion_tokens"] < 100, "the words relayed before the client left, not 500"
    assert _state(gateway, "drip/0") == "healthy", "the client leaving says nothing about the deployment"


def test_a_stream_cut_by_shutdown_is_recorded_as_shutdown_with_the_tokens_sent(tmp_path: Path) -> None:
    """SIGTERM: requests in flight get STRATA_SHUTDOWN_GRACE_S to finish; a stream still running
    then is cut, and its record (written before the process exits) says so."""
    install_provider(tmp_path / "site", "stream_test_provider", PLUGIN, "stream-test")
    (tmp_path / "strata.yaml").write_text(_catalog(), encoding="utf-8")
    env = {
        "STRATA_MASTER_KEY": MASTER,
        "PYTHONPATH": pythonpath_with(tmp_path / "site"),
        "STRATA_SHUTDOWN_GRACE_S": "1",
        "STRATA_DATA_DIR": str(tmp_path / "data"),
    }
    body = {"model": "drip", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    headers = {"Authorization": f"Bearer {MASTER}"}
    with gateway_process(["--config", str(tmp_path / "strata.yaml")], cwd=tmp_path, env=env) as (running, process):
        with httpx.stream("POST", f"{running.openai_base}/chat/completions", json=body, headers=headers) as response:
            request_id = response.headers["x-request-id"]
            lines = response.iter_lines()
            for _ in range(5):
                next(lines)
            process.send_signal(signal.SIGTERM)
            events = [line for line in lines if line.startswith("data: ")]  # until the server cuts it
        assert process.wait(timeout=30) in (0, -signal.SIGTERM)  # uvicorn re-raises the signal it handled
        logged = process.stderr.read().decode() if process.stderr is not None else ""
    assert "Exception in ASGI application" not in logged, "a documented cut is not an error with a traceback"
    errors = [line for line in logged.splitlines() if '"level":"error"' in line]
    assert all("graceful shutdown exceeded" in line for line in errors), errors  # uvicorn's one summary line
    assert len(events) < 400, "the stream was cut, not finished"
    assert "shutting down" in events[-1] and '"error"' in events[-1], "it ends with an error event the SDK raises"
    with sqlite3.connect(tmp_path / "data" / "strata.db") as db:
        rows = db.execute(
            "SELECT status, error_type, completion_tokens FROM usage_records WHERE request_id = ?", (request_id,)
        ).fetchall()
    assert len(rows) == 1, rows
    status, error_type, completion_tokens = rows[0]
    assert (status, error_type) == (200, "shutdown")
    assert 5 <= completion_tokens < 400
