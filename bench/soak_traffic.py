"""The soak's traffic (bench/soak.py): the mix of calls, the catalog and upstream behaviours it
needs, and an open-loop sender that keeps a steady rate whatever the gateway's speed.

Open loop, so that a slower gateway does not get less traffic (what a closed-loop generator such as
bench/loadgen.py would do); at most MAX_IN_FLIGHT calls wait at once, any more are counted as not sent.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

from bench.harness import AUTH
from tests.fakes.upstream import FakeUpstream

MAX_IN_FLIGHT = 64
USER = "Tell me about the weather in five words"


@dataclass(frozen=True)
class Kind:
    name: str
    weight: int
    body: dict[str, Any]
    path: str = "/v1/chat/completions"
    leave_early: bool = False  # the client goes away after the first bytes
    key: str | None = None  # another key than the master key


def chat(model: str, **extra: Any) -> dict[str, Any]:
    return {"model": model, "messages": [{"role": "user", "content": USER}], **extra}


def kinds(local: bool) -> list[Kind]:
    streamed = {"stream": True, "stream_options": {"include_usage": True}}
    mix = [
        Kind("chat", 25, chat("soak-chat")),
        Kind("chat (echo)", 10, chat("soak-echo")),
        Kind("stream", 12, chat("soak-chat", **streamed)),
        Kind("stream (echo)", 5, chat("soak-echo", **streamed)),
        Kind("embeddings", 10, {"model": "soak-embed", "input": ["one text", "and another"]}, "/v1/embeddings"),
        Kind("upstream fails, retried", 10, chat("soak-flaky")),
        Kind("stream dropped by upstream", 5, chat("soak-drop", stream=True)),
        Kind("stream left by client", 5, chat("soak-slow", stream=True), leave_early=True),
        Kind("wrong key", 3, chat("soak-chat"), key="sk-not-a-key"),
        Kind("unknown model", 3, chat("soak-nope")),
    ]
    if local:
        mix.append(Kind("embeddings (local)", 10, {"model": "soak-local", "input": USER}, "/v1/embeddings"))
    return mix


def catalog(api_base: str, local_model: Path | None) -> str:
    def openai(model: str, **extra: Any) -> dict[str, Any]:
        return {"provider": "openai", "model": model, "api_base": api_base, "api_key": "${SOAK_UPSTREAM_KEY}", **extra}

    single = {"retries": {"attempts": 1}}
    models: dict[str, Any] = {
        "soak-chat": {"deployments": [openai("fake-model")]},
        "soak-echo": {"deployments": [{"provider": "echo"}]},
        "soak-embed": {"deployments": [openai("fake-embed", embeddings=True)]},
        "soak-flaky": {
            "deployments": [openai("fails-up", id="fails"), openai("fake-model", id="ok")],
            "routing": {
                "retries": {"attempts": 2, "backoff_base_s": 0.01},
                "circuit": {"consecutive_failures": 5, "cooldown_s": 5},
            },
        },
        "soak-drop": {"deployments": [openai("drop-up")], "routing": single},
        "soak-slow": {"deployments": [openai("slow-up")], "routing": single},
    }
    if local_model is not None:
        local = {"provider": "local", "path": str(local_model), "task": "embeddings", "threads": 1}
        models["soak-local"] = {"deployments": [local]}
    return yaml.safe_dump({"models": models})


def script(upstream: FakeUpstream) -> None:
    upstream.set_behaviour("fails-up", status=500)
    upstream.set_behaviour("drop-up", chunk_count=10, drop_after_chunks=2)
    upstream.set_behaviour("slow-up", chunk_count=20, chunk_delay_ms=50)


@dataclass
class Tally:
    outcomes: dict[str, Counter[str]] = field(default_factory=dict)
    answered: int = 0
    skipped: int = 0  # not sent: MAX_IN_FLIGHT were still waiting (the gateway fell behind)
    in_flight: int = 0

    def record(self, kind: str, outcome: str) -> None:
        self.outcomes.setdefault(kind, Counter())[outcome] += 1
        self.answered += 1


async def one(client: httpx.AsyncClient, kind: Kind, tally: Tally) -> None:
    headers = {"authorization": f"Bearer {kind.key}"} if kind.key else None
    tally.in_flight += 1
    try:
        async with client.stream("POST", kind.path, json=kind.body, headers=headers) as response:
            if kind.leave_early:
                async for _ in response.aiter_raw():
                    break  # closing an unread response closes its connection: the gateway sees us go
                outcome = f"{response.status_code}, left"
            else:
                await response.aread()
                outcome = str(response.status_code)
    except httpx.HTTPError as exc:
        outcome = type(exc).__name__
    finally:
        tally.in_flight -= 1
    tally.record(kind.name, outcome)


def schedule(mix: list[Kind]) -> list[Kind]:
    """One cycle of the mix, each kind as often as its weight, spread out (largest weights first)."""
    slots = [(i / kind.weight, kind.name) for kind in mix for i in range(kind.weight)]
    by_name = {kind.name: kind for kind in mix}
    return [by_name[name] for _, name in sorted(slots)]


async def drive(base_url: str, rate: float, seconds: float, mix: list[Kind], tally: Tally) -> None:
    """Send the mix at ``rate`` per second for ``seconds``, then wait for what is in flight."""
    loop = asyncio.get_running_loop()
    limits = httpx.Limits(max_connections=MAX_IN_FLIGHT, max_keepalive_connections=MAX_IN_FLIGHT)
    tasks: set[asyncio.Task[None]] = set()
    async with httpx.AsyncClient(base_url=base_url, headers=AUTH, timeout=30, limits=limits) as client:
        start = next_at = loop.time()
        for kind in itertools.cycle(schedule(mix)):
            now = loop.time()
            if now - start >= seconds:
                break
            if next_at > now:
                await asyncio.sleep(next_at - now)
            next_at = max(next_at + 1 / rate, loop.time() - 1.0)  # a stall is not made up in a burst
            if tally.in_flight >= MAX_IN_FLIGHT:
                tally.skipped += 1
                continue
            task = asyncio.create_task(one(client, kind, tally))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        await asyncio.gather(*tasks)
