"""Shared pieces of the response cache tests: a catalog with a cache, and raw chat calls."""

from __future__ import annotations

from typing import Any

import httpx
import yaml

from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import TIMEOUTS
from tests.support.gateway import RunningGateway

PRICING = {"input_cost_per_token": 0.000002, "output_cost_per_token": 0.000004}
ASK = [{"role": "user", "content": "What is the capital of France?"}]


def cache_catalog(upstream: FakeUpstream, **cache: Any) -> str:
    """`cached` (with ``cache`` options, exact by default) and `plain` (no cache) on the fake upstream."""
    deployment = {
        "provider": "openai",
        "model": "fake-model",
        "api_base": upstream.url,
        "api_key": "${FAKE_KEY}",
        "timeouts": dict(TIMEOUTS),
        "pricing": PRICING,
    }
    models = {
        "cached": {"deployments": [deployment], "cache": {"mode": "exact", **cache}, "aliases": ["cached-alias"]},
        "plain": {"deployments": [dict(deployment)]},
    }
    return yaml.safe_dump({"models": models})


def chat(
    gateway: RunningGateway,
    key: str | None = None,
    headers: dict[str, str] | None = None,
    *,
    timeout: float = 10,
    **body: Any,
) -> httpx.Response:
    payload = {"model": "cached", "messages": ASK, "temperature": 0, **body}
    return httpx.post(
        f"{gateway.openai_base}/chat/completions",
        json=payload,
        headers={**gateway.headers(key), **(headers or {})},
        timeout=timeout,
    )


def upstream_calls(upstream: FakeUpstream) -> int:
    return upstream.stats()["requests"]
