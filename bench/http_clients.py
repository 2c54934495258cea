"""Which HTTP client should carry the hot path? Requests/s against the fake upstream, side by side.

Compares httpx's own pool, httpx over an aiohttp transport (httpx-aiohttp), aiohttp alone, and
Strata's own keep-alive pool (providers/transport/, what the hot path uses), each at
concurrency 1 and 50, in one run on one machine. Writes a table into BENCHMARKS.md.

    .venv/bin/python bench/http_clients.py [--seconds 4]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp  # noqa: E402
import httpx  # noqa: E402
import uvloop  # noqa: E402
from httpx_aiohttp import AiohttpTransport  # noqa: E402

from bench.common import machine_line, markdown_table, write_section  # noqa: E402
from providers.transport import ConnectionPool  # noqa: E402
from tests.fakes.upstream import FakeUpstream  # noqa: E402

BODY = b'{"model":"fake","messages":[{"role":"user","content":"Say hello in five words"}]}'
HEADERS = {"content-type": "application/json", "authorization": "Bearer k"}


async def _drive(call: Callable[[], Awaitable[None]], concurrency: int, seconds: float) -> float:
    for _ in range(20):
        await call()  # warm the pool
    done = 0
    stop = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal done
        while time.perf_counter() < stop:
            await call()
            done += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return done / (time.perf_counter() - started)


async def measure(url: str, concurrency: int, seconds: float) -> dict[str, float]:
    limits = httpx.Limits(max_connections=1000, max_keepalive_connections=1000)
    results: dict[str, float] = {}

    async with httpx.AsyncClient(limits=limits) as plain:

        async def plain_call() -> None:
            (await plain.post(url, content=BODY, headers=HEADERS)).raise_for_status()

        results["httpx"] = await _drive(plain_call, concurrency, seconds)

    async with httpx.AsyncClient(transport=AiohttpTransport(limits=limits), limits=limits) as bridged:

        async def bridged_call() -> None:
            (await bridged.post(url, content=BODY, headers=HEADERS)).raise_for_status()

        results["httpx + aiohttp transport"] = await _drive(bridged_call, concurrency, seconds)

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1000)) as session:

        async def aiohttp_call() -> None:
            async with session.post(url, data=BODY, headers=HEADERS) as response:
                response.raise_for_status()
                await response.read()

        results["aiohttp"] = await _drive(aiohttp_call, concurrency, seconds)

    parts = urlsplit(url)
    pool = ConnectionPool(f"{parts.scheme}://{parts.netloc}")
    target = parts.path.encode()
    head = b"".join(f"{k}: {v}\r\n".encode() for k, v in HEADERS.items())

    async def pool_call() -> None:
        response = await pool.request(b"POST", target, head, BODY, connect_timeout=10, read_timeout=60)
        await response.read()
        if response.status >= 400:
            raise RuntimeError(f"HTTP {response.status}")

    try:
        results["Strata's pool (providers/transport/)"] = await _drive(pool_call, concurrency, seconds)
    finally:
        pool.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0)
    args = parser.parse_args()
    with FakeUpstream() as upstream:
        url = f"{upstream.url}/chat/completions"
        table: dict[int, dict[str, float]] = {}
        for concurrency in (1, 50):
            table[concurrency] = uvloop.run(measure(url, concurrency, args.seconds))
    clients = list(table[1])
    base = {c: table[c]["httpx"] for c in table}
    rows = [[name] + [f"{table[c][name]:,.0f} ({table[c][name] / base[c]:.2f}x)" for c in table] for name in clients]
    text = "\n".join(
        [
            "## HTTP client for the OpenAI-compatible hot path (`bench/http_clients.py`)",
            "",
            "Requests/s of non-streaming chat calls to the fake upstream (a separate process); "
            "ratio to plain httpx in brackets.",
            "",
            markdown_table(["client", "concurrency 1", "concurrency 50"], rows),
            "",
            machine_line(("httpx", "httpx-aiohttp", "aiohttp", "httptools", "uvloop")),
        ]
    )
    print(text)
    write_section("http_clients", text)


if __name__ == "__main__":
    main()
