"""Helpers shared by the routing integration tests: catalogs with per-model routing, raw calls, admin views."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx
import yaml

from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import USER, StartGateway, openai_deployment
from tests.support.gateway import RunningGateway

# Small and quick: tests that wait for a cool-down wait about a second.
QUICK_TIMEOUTS = {"connect": 1, "read": 5, "total": 10}


def deployment(upstream: FakeUpstream | str, upstream_model: str, **extra: Any) -> dict[str, Any]:
    """A deployment whose id is its upstream model id (so requests recorded by the fake name it)."""
    base = upstream if isinstance(upstream, str) else upstream.url
    extra.setdefault("id", upstream_model)
    extra.setdefault("timeouts", dict(QUICK_TIMEOUTS))
    return openai_deployment(base, upstream_model, **extra)


def pool(*deployments: dict[str, Any], **routing: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"deployments": list(deployments)}
    if routing:
        entry["routing"] = routing
    return entry


def start(start_gateway: StartGateway, **models: dict[str, Any]) -> RunningGateway:
    """A gateway over {public name: model entry} (entries from `pool`, or {"router": {...}})."""
    return start_gateway(yaml.safe_dump({"models": models}))


def chat(
    gateway: RunningGateway,
    model: str,
    content: str | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 20.0,
    **body: Any,
) -> httpx.Response:
    messages = USER if content is None else [{"role": "user", "content": content}]
    return httpx.post(
        f"{gateway.openai_base}/chat/completions",
        json={"model": model, "messages": messages, **body},
        headers={**gateway.headers(), **(headers or {})},
        timeout=timeout,
    )


def timed(call: Callable[[], httpx.Response]) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def chat_models(upstream: FakeUpstream) -> list[str]:
    """The upstream model id of every chat request the fake received, in order."""
    return [r["body"]["model"] for r in upstream.requests() if r["path"].endswith("/chat/completions")]


def reached(upstream: FakeUpstream) -> Counter[str]:
    return Counter(chat_models(upstream))


def deployments(gateway: RunningGateway) -> dict[str, dict[str, Any]]:
    """GET /admin/deployments as {deployment id: row}."""
    response = httpx.get(f"{gateway.base_url}/admin/deployments", headers=gateway.headers(), timeout=10)
    response.raise_for_status()
    return {row["deployment"]: row for model in response.json()["models"] for row in model["deployments"]}


def state_of(gateway: RunningGateway, deployment_id: str) -> str:
    state: str = deployments(gateway)[deployment_id]["state"]
    return state


def wait_for(predicate: Callable[[], bool], timeout: float = 5.0, step: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()
