"""The server's key files: workers starting together in one data directory all get the same key,
and nobody ever reads a half-written (empty) file."""

from __future__ import annotations

import os
import stat
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from gateway.config.secrets import SECRET_KEY_FILE, ensure_master_key, ensure_secret_key
from gateway.config.settings import Settings

WORKERS = 8


def _slow_disk(monkeypatch: pytest.MonkeyPatch, delay_s: float = 0.05) -> None:
    """Every write to a file opened from a descriptor takes ``delay_s``: the window between a key
    file appearing and its content landing, if there is one, becomes wide enough to hit."""
    real_fdopen = os.fdopen

    def fdopen(fd: int, *args: Any, **kwargs: Any) -> Any:
        handle = real_fdopen(fd, *args, **kwargs)
        write = handle.write

        def slow_write(data: Any) -> int:
            time.sleep(delay_s)
            return int(write(data))

        handle.write = slow_write
        return handle

    monkeypatch.setattr(os, "fdopen", fdopen)


def _race(ensure: Callable[[], str], path: Path) -> tuple[list[str | BaseException], list[str]]:
    """``ensure`` run by WORKERS threads at once; what each got, and what a watcher saw in the file."""
    barrier = threading.Barrier(WORKERS)
    seen: list[str] = []
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            try:
                seen.append(path.read_text(encoding="utf-8"))
            except FileNotFoundError:
                pass

    def worker() -> str | BaseException:
        barrier.wait()
        try:
            return ensure()
        except Exception as exc:
            return exc

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        with ThreadPoolExecutor(WORKERS) as pool:
            got = [future.result() for future in [pool.submit(worker) for _ in range(WORKERS)]]
    finally:
        done.set()
        watcher.join()
    return got, seen


def test_workers_starting_together_get_one_whole_secret_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _slow_disk(monkeypatch)
    settings = Settings(data_dir=tmp_path / "data")
    path = settings.data_dir / SECRET_KEY_FILE

    got, seen = _race(lambda: ensure_secret_key(settings), path)

    assert len(set(map(str, got))) == 1, got
    key = got[0]
    assert isinstance(key, str) and len(key) >= 16
    assert set(seen) <= {key + "\n"}, "a reader saw the file before its key was in it"
    assert path.read_text(encoding="utf-8").strip() == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == [SECRET_KEY_FILE]  # no temporary files left


def test_exactly_one_worker_generates_the_master_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the worker that created it prints it; every other one reads the same key."""
    _slow_disk(monkeypatch)
    settings = Settings(data_dir=tmp_path / "data")
    created: list[bool] = []

    def ensure() -> str:
        key, made = ensure_master_key(settings)
        created.append(made)
        return key

    got, _ = _race(ensure, settings.data_dir / "master.key")
    assert len(set(map(str, got))) == 1, got
    assert created.count(True) == 1


def test_a_file_system_without_hard_links_still_gets_one_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_links(*_: Any, **__: Any) -> None:
        raise PermissionError("hard links are not supported here")

    monkeypatch.setattr(os, "link", no_links)
    settings = Settings(data_dir=tmp_path / "data")
    key = ensure_secret_key(settings)
    assert len(key) >= 16 and ensure_secret_key(settings) == key
    path = settings.data_dir / SECRET_KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == [SECRET_KEY_FILE]
