"""`strata serve --workers N` whose supervisor is killed outright (SIGKILL, the OOM killer): its
workers stop too, so a restart finds the port free. They used to go on serving, orphaned, and a
restart failed with "address already in use"."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest

from tests.support.gateway import free_port, gateway_process

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_workers_stop_when_their_supervisor_is_killed_and_the_port_is_free_again(tmp_path: Path) -> None:
    port = free_port()
    env = {"STRATA_MASTER_KEY": "sk-orphans-master", "STRATA_DATA_DIR": str(tmp_path / "data")}
    with gateway_process(["--workers", "2"], cwd=tmp_path, env=env, port=port) as (_, supervisor):
        deadline = time.monotonic() + 30
        while len(workers := [p for p in children(supervisor.pid) if "spawn_main" in _cmdline(p)]) < 2:
            assert time.monotonic() < deadline, "two workers never started"
            time.sleep(0.2)
        supervisor.send_signal(signal.SIGKILL)
        supervisor.wait(timeout=10)
        deadline = time.monotonic() + 20
        try:
            while any(alive(w) for w in workers):
                assert time.monotonic() < deadline, [w for w in workers if alive(w)]
                time.sleep(0.2)
        finally:
            for worker in workers:  # orphans left by a failure must not outlive the test
                if alive(worker):
                    os.kill(worker, signal.SIGKILL)
    with gateway_process([], cwd=tmp_path, env=env, port=port) as (running, _):  # the port is free again
        assert running.base_url.endswith(str(port))


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""
