"""A SIGTERM to the gateway's whole process group (Ctrl+C in a terminal, systemd's default stop,
`timeout`) is a clean shutdown: the local models' workers ignore it and are stopped by the gateway
in order, so no model "fails" on the way out; and every line the server logs is JSON (uvicorn's own
lines included), as a log shipper expects."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support.gateway import free_port, wait_until_models_loaded, wait_until_ready

MASTER = "sk-group-signal-master"


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return found


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_a_signal_to_the_process_group_stops_the_gateway_cleanly_with_json_logs(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "STRATA_MASTER_KEY": MASTER, "STRATA_DATA_DIR": str(tmp_path / "data")}
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group, as under a terminal or a service manager
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_ready(base, process=process, timeout=60)
        wait_until_models_loaded(base, timeout=120)
        answer = httpx.post(
            f"{base}/v1/chat/completions",
            json={"model": "strata-demo-gpt", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 4},
            headers={"Authorization": f"Bearer {MASTER}"},
            timeout=60,
        )
        assert answer.status_code == 200, answer.text
        workers = _children(process.pid)
        assert workers, "the local models run in worker processes"
        os.killpg(process.pid, signal.SIGTERM)
        assert process.wait(timeout=60) in (0, -signal.SIGTERM)  # uvicorn re-raises the signal it handled
        _, stderr = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in workers), "a model worker outlived the gateway"
    lines = [line for line in stderr.decode().splitlines() if line.startswith("{")]
    records = [json.loads(line) for line in lines]
    assert any(r["logger"].startswith("uvicorn") for r in records), "uvicorn's lines are JSON too"
    assert [r for r in records if r["level"] in ("error", "critical")] == []
    plain = [line for line in stderr.decode().splitlines() if line and not line.startswith(("{", "Strata ", "  "))]
    assert plain == [], "only the start banner is not JSON"
