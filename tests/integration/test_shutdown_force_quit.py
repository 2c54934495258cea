"""The end of a shutdown, as callers and the ledger see it: a second Ctrl+C while calls are still
running, and calls still running when the grace period ends.

A second SIGINT was uvicorn's "force quit", which skipped the app's shutdown: calls that had
already answered their clients lost their usage records. A call still running when the grace
period ended got uvicorn's bare text 500. Now the second interrupt cuts what is running and the
ledger is still written; a cut call that had not begun its answer gets 503 `shutting_down` in the
caller's own shape, and its record says 503.
"""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import orjson
import pytest

from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import NO_RETRIES, catalog_yaml, openai_deployment
from tests.support.gateway import RunningGateway, gateway_process

KEY = "sk-force-quit-master"
TIMEOUTS = {"connect": 1, "read": 30, "total": 40}


@contextmanager
def serve(
    tmp_path: Path, upstream: FakeUpstream, grace_s: float
) -> Iterator[tuple[RunningGateway, subprocess.Popen[bytes]]]:
    models = {name: [openai_deployment(upstream.url, name, timeouts=TIMEOUTS)] for name in ("fq-slow", "fq-quick")}
    (tmp_path / "strata.yaml").write_text(catalog_yaml(models, routing=NO_RETRIES))
    env = {
        "STRATA_MASTER_KEY": KEY,
        "STRATA_DATA_DIR": str(tmp_path / "data"),
        "STRATA_SHUTDOWN_DELAY_S": "0",
        "STRATA_SHUTDOWN_GRACE_S": str(grace_s),
        "STRATA_LOG_LEVEL": "warning",
        "FAKE_KEY": "sk-fake-upstream-key",
    }
    with gateway_process(["--config", str(tmp_path / "strata.yaml")], cwd=tmp_path, env=env) as running:
        yield running


@pytest.fixture()
def slow_upstream(upstream: FakeUpstream) -> FakeUpstream:
    upstream.set_behaviour("fq-slow", content="slow answer", latency_ms=8000)
    upstream.set_behaviour("fq-quick", content="quick answer", latency_ms=20)
    return upstream


def records(data_dir: Path) -> dict[str, int]:
    with sqlite3.connect(data_dir / "strata.db") as db:
        return dict(db.execute("SELECT request_id, status FROM usage_records").fetchall())


async def chat(client: httpx.AsyncClient, model: str) -> httpx.Response | str:
    body = {"model": model, "messages": [{"role": "user", "content": "hi"}]}
    try:
        return await client.post("/v1/chat/completions", json=body)
    except httpx.TransportError as exc:
        return type(exc).__name__


def test_a_second_interrupt_cuts_running_calls_but_every_answered_call_keeps_its_record(
    tmp_path: Path, slow_upstream: FakeUpstream
) -> None:
    answered: list[str] = []

    async def scenario(gateway: RunningGateway, process: subprocess.Popen[bytes]) -> list[httpx.Response | str]:
        headers = {"authorization": f"Bearer {KEY}"}
        async with httpx.AsyncClient(base_url=gateway.base_url, headers=headers, timeout=20) as client:
            for _ in range(10):
                response = await chat(client, "fq-quick")
                assert isinstance(response, httpx.Response) and response.status_code == 200
                answered.append(response.headers["x-request-id"])
            slow = [asyncio.create_task(chat(client, "fq-slow")) for _ in range(3)]
            await asyncio.sleep(0.5)  # the slow calls wait on the upstream
            process.send_signal(signal.SIGINT)
            await asyncio.sleep(0.3)
            process.send_signal(signal.SIGINT)  # "force quit"
            return await asyncio.gather(*slow)

    with serve(tmp_path, slow_upstream, grace_s=30) as (gateway, process):
        started = time.monotonic()
        cut = asyncio.run(scenario(gateway, process))
        process.wait(timeout=20)
        assert time.monotonic() - started < 10  # it did not wait for the slow upstream
        ledger = records(tmp_path / "data")
        assert set(answered) <= set(ledger), "answered calls lost their usage records"
        for outcome in cut:  # cut: a clean 503 where the answer had not begun, or the connection
            if isinstance(outcome, httpx.Response):
                assert outcome.status_code == 503 and outcome.json()["error"]["code"] == "shutting_down"


def test_a_call_still_running_when_the_grace_period_ends_gets_503_in_its_own_shape(
    tmp_path: Path, slow_upstream: FakeUpstream
) -> None:
    async def scenario(gateway: RunningGateway, process: subprocess.Popen[bytes]) -> httpx.Response | str:
        headers = {"authorization": f"Bearer {KEY}"}
        async with httpx.AsyncClient(base_url=gateway.base_url, headers=headers, timeout=20) as client:
            slow = asyncio.create_task(chat(client, "fq-slow"))
            await asyncio.sleep(0.5)
            process.send_signal(signal.SIGTERM)
            return await slow

    with serve(tmp_path, slow_upstream, grace_s=1) as (gateway, process):
        response = asyncio.run(scenario(gateway, process))
        process.wait(timeout=20)
        assert isinstance(response, httpx.Response), response
        assert response.status_code == 503, response.text  # was uvicorn's text/plain 500
        assert orjson.loads(response.content)["error"]["code"] == "shutting_down"
        assert response.headers["retry-after"] == "1"
        assert records(tmp_path / "data")[response.headers["x-request-id"]] == 503
