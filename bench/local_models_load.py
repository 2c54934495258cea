"""The load of bench/local_models.py: closed-loop clients on the gateway's HTTP API, copies measured
in turns, and what one worker kind measured."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

KEY = "sk-bench"


@dataclass
class Run:
    """Latencies (s) of completed requests, the wall time, and failures."""

    latencies: list[float] = field(default_factory=list)
    elapsed: float = 0.0
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def per_s(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    @property
    def p50_ms(self) -> float:
        return statistics.median(self.latencies) * 1000 if self.latencies else float("nan")


async def drive(
    url: str, body: dict[str, Any], concurrency: int, *, seconds: float | None = None, total: int | None = None
) -> Run:
    """Closed loop: ``concurrency`` clients, each sending its next request when the last one answers."""
    run, left = Run(), [total]
    headers = {"Authorization": f"Bearer {KEY}"}
    timeout = aiohttp.ClientTimeout(total=600)
    async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=0)) as session:
        start = time.perf_counter()
        deadline = start + seconds if seconds is not None else None

        def take() -> bool:
            if deadline is not None:
                return time.perf_counter() < deadline
            assert left[0] is not None
            left[0] -= 1
            return left[0] >= 0

        async def client() -> None:
            while take():
                sent = time.perf_counter()
                async with session.post(url, json=body, headers=headers) as response:
                    await response.read()
                    run.statuses[response.status] = run.statuses.get(response.status, 0) + 1
                    if response.status == 200:
                        run.latencies.append(time.perf_counter() - sent)
                    else:
                        run.errors += 1
                        await asyncio.sleep(0.05)

        await asyncio.gather(*(client() for _ in range(concurrency)))
        run.elapsed = time.perf_counter() - start
    if run.errors:
        print(f"  ! {run.errors} errors from {url}: {run.statuses}", flush=True)
    return run


async def alternate(names: tuple[str, ...], rounds: int, run: Callable[[str], Awaitable[Run]]) -> dict[str, Run]:
    """``rounds`` rounds that take turns between the copies, merged per copy: a change in the
    machine's load during the measurement (it is shared) then weighs on every copy alike.
    """
    merged = {name: Run() for name in names}
    for _ in range(rounds):
        for name in names:
            part, whole = await run(name), merged[name]
            whole.latencies += part.latencies
            whole.elapsed += part.elapsed
            whole.errors += part.errors
            for status, count in part.statuses.items():
                whole.statuses[status] = whole.statuses.get(status, 0) + count
    return merged


@dataclass
class Measures:
    load_s: float = 0.0
    emb: dict[str, Run] = field(default_factory=dict)
    gen: dict[str, Run] = field(default_factory=dict)
    lone_emb: dict[str, Run] = field(default_factory=dict)
    lone_gen: dict[str, Run] = field(default_factory=dict)
    remote_idle: Run = field(default_factory=Run)
    remote_busy: Run = field(default_factory=Run)
    tokens: int = 32
