"""Starting what benchmarks measure: a real `strata serve` subprocess over a config."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from tests.support.gateway import free_port, wait_until_ready

KEY = "sk-bench-master-key"
AUTH = {"authorization": f"Bearer {KEY}"}
# One public model, `bench-model`, on the fake upstream's `fake-model` (format with api_base; the
# key comes from BENCH_UPSTREAM_KEY in the gateway's environment).
ONE_MODEL_CONFIG = """
models:
  bench-model:
    deployments:
      - provider: openai
        model: fake-model
        api_base: {api_base}
        api_key: ${{BENCH_UPSTREAM_KEY}}
"""


@contextmanager
def strata_process(config_yaml: str, env: Mapping[str, str] | None = None) -> Iterator[tuple[str, int]]:
    """(base URL, pid) of a one-worker gateway with its access log on, written to a file."""
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp, "bench.yaml")
        config.write_text(config_yaml)
        port = free_port()
        full_env = {**os.environ, "STRATA_MASTER_KEY": KEY, "STRATA_DATA_DIR": tmp, **(env or {})}
        with open(Path(tmp, "gateway.log"), "wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "gateway.cli", "serve", "--config", str(config), "--port", str(port)],
                env=full_env,
                stdout=log,
                stderr=log,
                cwd=tmp,
            )
            try:
                base = f"http://127.0.0.1:{port}"
                wait_until_ready(base, process=process)
                yield base, process.pid
            finally:
                process.terminate()
                process.wait(timeout=30)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def redis_available(url: str) -> bool:
    """Whether a Redis answers at ``url`` (benchmarks skip their Redis rows, saying so, when not)."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        return bool(client.ping())
    except redis.exceptions.ConnectionError:
        return False
    finally:
        client.close()
