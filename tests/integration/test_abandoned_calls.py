"""A caller that hangs up before its answer began is not waited for: the gateway stops the call
(the upstream request is closed, a local model drops it at its next step) and records it at once
as the caller's leaving (status 499, ``client_closed``), instead of keeping a model busy for
nobody until the answer is done."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import yaml

from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import StartGateway, openai_deployment
from tests.support.gateway import RunningGateway, wait_until_models_loaded
from tests.support.local_models import tiny_llama
from tests.support.raw_http import RawConnection

UPSTREAM_LATENCY_S = 6.0


def _record(gateway: RunningGateway, request_id: str, within_s: float) -> dict[str, Any] | None:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        rows = httpx.get(
            f"{gateway.base_url}/admin/usage/records", params={"request_id": request_id}, headers=gateway.headers()
        ).json()["rows"]
        if rows:
            return dict(rows[0])
        time.sleep(0.05)
    return None


def _hang_up_after(gateway: RunningGateway, request_id: str, body: dict[str, Any], seconds: float) -> None:
    payload = json.dumps(body).encode()
    head = (
        f"POST /v1/chat/completions HTTP/1.1\r\nHost: strata\r\nAuthorization: Bearer {gateway.master_key}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\nX-Request-Id: {request_id}\r\n\r\n"
    )
    with RawConnection(gateway.base_url) as conn:
        conn.send(head.encode() + payload)
        time.sleep(seconds)


def test_a_caller_who_hangs_up_before_the_answer_is_recorded_at_once_and_not_waited_for(
    upstream: FakeUpstream, start_gateway: StartGateway
) -> None:
    catalog = {"models": {"gpt": {"deployments": [openai_deployment(upstream.url)]}}}
    gateway = start_gateway(yaml.safe_dump(catalog), usage_flush_interval_s=0.05)
    upstream.set_behaviour(latency_ms=UPSTREAM_LATENCY_S * 1000)
    for stream, request_id in ((False, "abandoned-plain-0001"), (True, "abandoned-stream-0001")):
        body = {"model": "gpt", "messages": [{"role": "user", "content": "hi"}], "stream": stream}
        left = time.monotonic()
        _hang_up_after(gateway, request_id, body, 0.5)
        record = _record(gateway, request_id, within_s=UPSTREAM_LATENCY_S / 2)
        assert record is not None, "the call was still waiting for the upstream after its caller left"
        assert time.monotonic() - left < UPSTREAM_LATENCY_S
        assert (record["status"], record["error_type"]) == (499, "client_closed")
    upstream.set_behaviour()
    answered = httpx.post(
        f"{gateway.openai_base}/chat/completions",
        json={"model": "gpt", "messages": [{"role": "user", "content": "hi"}]},
        headers=gateway.headers(),
    )
    assert answered.status_code == 200, "the gateway serves on"


def test_a_stream_its_caller_abandons_is_recorded_with_the_tokens_it_was_sent(
    start_gateway: StartGateway, tmp_path: Path
) -> None:
    # A local model: its prompt is counted by its worker (a round trip), which the cancelled stream
    # must still wait for before the record is written.
    model = tiny_llama(tmp_path / "endless", context=1 << 20, endless=True)
    catalog = {"models": {"tiny": {"deployments": [{"provider": "local", "path": str(model), "threads": 1}]}}}
    gateway = start_gateway(yaml.safe_dump(catalog), usage_flush_interval_s=0.05)
    wait_until_models_loaded(gateway.base_url)
    body = {"model": "tiny", "messages": [{"role": "user", "content": "tell me a story"}], "stream": True}
    request_id = "abandoned-mid-stream-01"
    with httpx.stream(
        "POST",
        f"{gateway.openai_base}/chat/completions",
        json={**body, "max_tokens": 400},
        headers={**gateway.headers(), "x-request-id": request_id},
        timeout=30,
    ) as response:
        events = 0
        for line in response.iter_lines():
            events += line.startswith("data: ")
            if events >= 5:
                break  # and hang up
    record = _record(gateway, request_id, within_s=10)
    assert record is not None and record["error_type"] == "client_closed"
    assert record["prompt_tokens"] > 0, "the prompt was read by the model: it counts"
    assert 0 < record["completion_tokens"] < 400, "what was generated before the caller left counts, no more"
