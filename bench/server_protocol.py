"""What do Strata's HTTP protocol's deadlines and connection cap cost? uvicorn's httptools
protocol vs Strata's (gateway/server/), side by side, serving the same trivial ASGI app.

Each server is a subprocess (uvloop, one worker); the load generator (bench/loadgen.py) runs
here. Alternating rounds, so drift on a shared machine hits both alike: requests/s and server
CPU per request at concurrency 50 (keep-alive connections), p50 latency at concurrency 1.

    .venv/bin/python bench/server_protocol.py [--seconds 3] [--rounds 3] [--no-write]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import uvloop  # noqa: E402

from bench.common import machine_line, markdown_table, write_section  # noqa: E402
from bench.harness import cpu_seconds  # noqa: E402
from bench.loadgen import LoadResult, run_load  # noqa: E402
from tests.support.gateway import free_port, wait_until_ready  # noqa: E402

BODY = b'{"model":"bench-model","messages":[{"role":"user","content":"Say hello in five words"}]}'
KINDS = ("uvicorn httptools", "Strata protocol")


async def _app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Reads the whole body, answers a small JSON: the protocol's work, with next to no app."""
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    headers = [(b"content-type", b"application/json"), (b"content-length", b"15")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b'{"status":"ok"}'})


def _serve(kind: str, port: int) -> None:
    import uvicorn

    from gateway.config.settings import Settings
    from gateway.server.config import uvicorn_options

    http: Any = uvicorn_options(Settings())["http"] if kind == KINDS[1] else "httptools"
    uvicorn.run(_app, host="127.0.0.1", port=port, loop="uvloop", http=http, log_level="warning", access_log=False)


def _measure(url: str, concurrency: int, seconds: float) -> LoadResult:
    result = uvloop.run(run_load(url, BODY, {"content-type": "application/json"}, concurrency, duration_s=seconds))
    if result.errors:
        raise RuntimeError(f"{result.errors} errors against {url}: {result.statuses}")
    return result


def run(seconds: float, rounds: int) -> dict[str, dict[str, list[float]]]:
    servers: dict[str, tuple[str, subprocess.Popen[bytes]]] = {}
    results: dict[str, dict[str, list[float]]] = {k: {"p50": [], "rps": [], "cpu": []} for k in KINDS}
    try:
        for kind in KINDS:
            port = free_port()
            process = subprocess.Popen([sys.executable, __file__, "--serve", kind, "--port", str(port)], cwd=ROOT)
            servers[kind] = (f"http://127.0.0.1:{port}", process)
            wait_until_ready(f"http://127.0.0.1:{port}", process=process)
        for index in range(rounds):
            for kind in KINDS if index % 2 == 0 else KINDS[::-1]:
                url, process = servers[kind]
                one = _measure(url, 1, seconds)
                results[kind]["p50"].append(one.p50_ms or 0.0)
                before = cpu_seconds(process.pid)
                busy = _measure(url, 50, seconds)
                results[kind]["cpu"].append((cpu_seconds(process.pid) - before) * 1e6 / max(busy.requests, 1))
                results[kind]["rps"].append(busy.requests_per_s)
                print(f"round {index + 1} {kind:18s} c=1 p50 {one.p50_ms:.3f} ms; c=50 {busy}", flush=True)
                time.sleep(0.5)
    finally:
        for _, process in servers.values():
            process.terminate()
            process.wait(timeout=15)
    return results


def report(results: dict[str, dict[str, list[float]]], seconds: float, rounds: int) -> str:
    base = {m: statistics.median(results[KINDS[0]][m]) for m in ("p50", "rps", "cpu")}
    rows = []
    for kind in KINDS:
        p50, rps, cpu = (statistics.median(results[kind][m]) for m in ("p50", "rps", "cpu"))
        rows.append([kind, f"{p50:.3f}", f"{rps:,.0f}", f"{rps / base['rps']:.2f}", f"{cpu:.0f}"])
    return "\n".join(
        [
            "## HTTP protocol (`bench/server_protocol.py`)",
            "",
            "uvicorn's httptools protocol vs Strata's (header, body and idle deadlines, per-address connection "
            f"cap), serving a trivial ASGI app that reads a {len(BODY)}-byte JSON body. Medians of {rounds} "
            f"alternating rounds of {seconds:g} s. p50 at concurrency 1; req/s and server CPU per request at 50.",
            "",
            markdown_table(["protocol", "p50 ms", "req/s", "ratio", "cpu/req us"], rows),
            "",
            machine_line(("uvicorn", "httptools", "uvloop")),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-write", action="store_true", help="print only; leave BENCHMARKS.md alone")
    parser.add_argument("--serve", choices=KINDS, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        _serve(args.serve, args.port)
        return
    text = report(run(args.seconds, args.rounds), args.seconds, args.rounds)
    print(text)
    if not args.no_write:
        write_section("server-protocol", text)


if __name__ == "__main__":
    main()
