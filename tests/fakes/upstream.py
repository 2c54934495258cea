"""A fake OpenAI-compatible upstream: a real HTTP server for integration tests and benchmarks.

A raw ASGI app (`tests.fakes.upstream_app`: no framework, orjson) served by uvicorn with uvloop
and httptools, so it serves thousands of requests per second on one core. Failure modes are driven
per model id through a small control plane:

    POST /_fake/behaviour  {"model": "gpt-x" | "*", ...knobs}   (replaces that model's behaviour)
    POST /_fake/reset       GET /_fake/requests       GET /_fake/stats

Knobs are the fields of `Behaviour` in `tests.fakes.upstream_responses`.

    with FakeUpstream() as upstream:                      # a subprocess; in_thread=True for a thread
        upstream.set_behaviour("gpt-x", status=429, retry_after=1, fail_times=1)
        client = openai.OpenAI(base_url=upstream.url, api_key="k")

Run standalone: `python -m tests.fakes.upstream --port 9000`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import select
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
import uvicorn
import uvloop

from tests.fakes.upstream_app import DropConnection, FakeUpstreamApp, quiet_deliberate_drops
from tests.fakes.upstream_responses import Json

__all__ = ["DropConnection", "FakeUpstream", "FakeUpstreamApp", "bind_socket", "main", "make_config"]


PORT_ANNOUNCE = "FAKE_UPSTREAM_PORT="
ROOT = Path(__file__).resolve().parents[2]


# ---------------------------------------------------------------- serving


def make_config(app: FakeUpstreamApp, host: str, port: int, own_logging: bool = True) -> uvicorn.Config:
    """uvicorn settings for speed; `own_logging=False` leaves the host process's logging alone."""
    extra: dict[str, Any] = {} if own_logging else {"log_config": None}
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        loop="uvloop",
        http="httptools",
        ws="none",
        lifespan="off",
        access_log=False,
        log_level="warning",
        server_header=False,
        timeout_graceful_shutdown=2,
        **extra,
    )
    quiet_deliberate_drops()
    return config


def bind_socket(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def _wait_accepting(host: str, port: int, deadline: float, alive: Callable[[], bool]) -> None:
    while time.monotonic() < deadline:
        if not alive():
            raise RuntimeError("fake upstream exited during startup")
        try:
            socket.create_connection((host, port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.02)
    raise TimeoutError(f"fake upstream did not accept connections on {host}:{port}")


class FakeUpstream:
    """Handle on a fake upstream server running in a subprocess (default) or a background thread."""

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, in_thread: bool = False, startup_timeout_s: float = 20.0
    ) -> None:
        self.host, self.port, self.in_thread = host, port, in_thread
        self.startup_timeout_s = startup_timeout_s
        self._process: subprocess.Popen[bytes] | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._client: httpx.Client | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def url(self) -> str:
        """The OpenAI api_base, ending in /v1."""
        return f"{self.base_url}/v1"

    def start(self) -> FakeUpstream:
        deadline = time.monotonic() + self.startup_timeout_s
        if self.in_thread:
            self._start_thread(deadline)
        else:
            self._start_process(deadline)
        self._client = httpx.Client(base_url=self.base_url, timeout=10.0, trust_env=False)
        return self

    def stop(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
            self._server = self._thread = None
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            if self._process.stdout is not None:
                self._process.stdout.close()
            self._process = None

    def __enter__(self) -> FakeUpstream:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _start_thread(self, deadline: float) -> None:
        sock = bind_socket(self.host, self.port)
        self.port = sock.getsockname()[1]
        server = uvicorn.Server(make_config(FakeUpstreamApp(), self.host, self.port, own_logging=False))

        def serve() -> None:
            with sock, asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
                runner.run(server.serve(sockets=[sock]))

        self._server = server
        self._thread = threading.Thread(target=serve, name=f"fake-upstream-{self.port}", daemon=True)
        self._thread.start()
        while not server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("fake upstream thread failed to start")
            time.sleep(0.01)

    def _start_process(self, deadline: float) -> None:
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        }
        module = ["-m", "tests.fakes.upstream", "--exit-with-parent"]
        command = [sys.executable, *module, "--host", self.host, "--port", str(self.port)]
        self._process = process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE)
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], max(0.0, deadline - time.monotonic()))
        line = process.stdout.readline().decode() if ready else ""
        if not line.startswith(PORT_ANNOUNCE):
            self.stop()
            raise RuntimeError(f"fake upstream failed to start (said {line!r})")
        self.port = int(line[len(PORT_ANNOUNCE) :])
        _wait_accepting(self.host, self.port, deadline, lambda: process.poll() is None)

    # ------------------------------------------------------------ control plane helpers

    def _call(self, method: str, path: str, body: Json | None = None) -> Any:
        if self._client is None:
            raise RuntimeError("FakeUpstream is not started")
        response = self._client.request(method, path, json=body)
        response.raise_for_status()
        return response.json()

    def set_behaviour(self, model: str = "*", **knobs: Any) -> None:
        """Replace the behaviour for requests whose body "model" is `model` ("*": the default)."""
        self._call("POST", "/_fake/behaviour", {"model": model, **knobs})

    def reset(self) -> None:
        self._call("POST", "/_fake/reset")

    def requests(self) -> list[Json]:
        result: list[Json] = self._call("GET", "/_fake/requests")
        return result

    def stats(self) -> dict[str, int]:
        result: dict[str, int] = self._call("GET", "/_fake/stats")
        return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Fake OpenAI-compatible upstream server.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (announced on stdout)")
    parser.add_argument("--exit-with-parent", action="store_true", help="stop when the parent process dies")
    args = parser.parse_args(argv)
    sock = bind_socket(args.host, args.port)
    port = sock.getsockname()[1]
    server = uvicorn.Server(make_config(FakeUpstreamApp(), args.host, port))
    if args.exit_with_parent:
        threading.Thread(target=_exit_with_parent, args=(server, os.getppid()), daemon=True).start()
    print(f"{PORT_ANNOUNCE}{port}", flush=True)
    server.run(sockets=[sock])


def _exit_with_parent(server: uvicorn.Server, parent: int) -> None:
    """No orphaned servers when a test run is killed before it can call `stop()`."""
    while os.getppid() == parent:
        time.sleep(0.5)
    server.should_exit = True


if __name__ == "__main__":
    main()
