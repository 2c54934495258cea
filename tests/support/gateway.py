"""Run a real Strata gateway for tests: uvicorn on a free port, in a thread or a subprocess."""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import uvicorn

from gateway.app import StrataApp, create_app
from gateway.config.catalog import parse_catalog
from gateway.config.settings import Settings
from gateway.server.config import uvicorn_options
from tests.support.ports import free_port as free_port  # re-exported: tests import it from here

MASTER_KEY = "sk-test-master-key"


@dataclass
class RunningGateway:
    base_url: str
    master_key: str = MASTER_KEY
    data_dir: str = ""
    server: uvicorn.Server | None = None  # in-process gateways: uvicorn's state (open connections, tasks)

    @property
    def openai_base(self) -> str:
        return f"{self.base_url}/v1"

    def headers(self, key: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {key or self.master_key}"}


def wait_until_ready(
    base_url: str,
    timeout: float = 30.0,
    process: subprocess.Popen[bytes] | None = None,
    verify: ssl.SSLContext | bool = True,
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"gateway exited with {process.returncode} before it was ready")
        try:
            if httpx.get(f"{base_url}/health/live", timeout=1, verify=verify).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise TimeoutError(f"gateway at {base_url} not ready after {timeout}s")


def wait_until_models_loaded(base_url: str, timeout: float = 90.0) -> None:
    """Until /health/ready says 200: the local models have loaded (a first start converts them)."""
    deadline = time.monotonic() + timeout
    while httpx.get(f"{base_url}/health/ready", timeout=5).status_code != 200:
        if time.monotonic() > deadline:
            raise TimeoutError(f"the local models at {base_url} did not load within {timeout}s")
        time.sleep(0.2)


@contextmanager
def gateway_in_thread(
    config_yaml: str,
    tmp_path: Path,
    environ: Mapping[str, str] | None = None,
    prepare: Callable[[StrataApp], None] | None = None,
    **settings: object,
) -> Iterator[RunningGateway]:
    """The real app, served by uvicorn in a background thread (fast to start, same process), with
    the uvicorn configuration of `strata serve` (uvloop, Strata's HTTP protocol and its limits).
    ``prepare`` may change the app before it serves (a test's own trace exporter)."""
    catalog = parse_catalog(config_yaml, "test.yaml", environ=environ or os.environ)
    port = free_port()
    options: dict[str, object] = {"data_dir": tmp_path / "data", "log_level": "warning", **settings}
    config = Settings(port=port, **options)  # type: ignore[arg-type]
    app = create_app(config, catalog, MASTER_KEY)
    if prepare is not None:
        prepare(app)
    server = uvicorn.Server(uvicorn.Config(app, **uvicorn_options(config)))  # as `strata serve` runs it
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(base_url)
        yield RunningGateway(base_url, data_dir=str(config.data_dir), server=server)
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@contextmanager
def gateway_process(
    args: list[str],
    cwd: Path,
    env: Mapping[str, str] | None = None,
    port: int | None = None,
    tls_ca: Path | None = None,
) -> Iterator[tuple[RunningGateway, subprocess.Popen[bytes]]]:
    """`strata serve` as a real subprocess, as a user would start it (HTTPS when given the CA that
    signed the certificate passed in `--ssl-certfile`)."""
    port = port or free_port()
    full_env = {**os.environ, **(env or {})}
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "serve", "--port", str(port), *args],
        cwd=cwd,
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    base_url = f"{'https' if tls_ca else 'http'}://127.0.0.1:{port}"
    try:
        verify = ssl.create_default_context(cafile=str(tls_ca)) if tls_ca else True
        wait_until_ready(base_url, process=process, verify=verify)
        yield RunningGateway(base_url, full_env.get("STRATA_MASTER_KEY", "")), process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
