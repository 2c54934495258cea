"""prometheus_client's multiprocess mode, for ``strata serve --workers N``.

Each worker is its own process with its own counts; a scrape reaches one of them. With
``PROMETHEUS_MULTIPROC_DIR`` set before the workers start, every worker keeps its values in files
there (one per process and kind) and the worker that answers a scrape reads them all: counters and
histograms summed over every worker that ever ran (a restarted worker's counts stay counted), gauges
as each declares (``livesum``, ``livemax``: over the workers alive now).

``strata serve`` prepares the folder: the operator's ``PROMETHEUS_MULTIPROC_DIR`` emptied of an
earlier run's files, or a fresh temporary folder removed at exit.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

from prometheus_client import multiprocess

ENV = "PROMETHEUS_MULTIPROC_DIR"
_LIVE_FILE = re.compile(r"gauge_live\w+?_(\d+)\.db")


def prepare(workers: int) -> Path | None:
    """Set up the folder before any worker starts; returns one to remove at exit (ours), if any.

    One worker needs no files unless the operator asked for them; a folder the operator named is
    emptied (values of an earlier run would be added to this one's), never removed."""
    given = os.environ.get(ENV)
    if given:
        folder = Path(given)
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.db"):
            stale.unlink()
        return None
    if workers <= 1:
        return None
    folder = Path(tempfile.mkdtemp(prefix="strata-metrics-"))
    os.environ[ENV] = str(folder)  # inherited by the workers uvicorn spawns
    return folder


def remove(folder: Path | None) -> None:
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
        os.environ.pop(ENV, None)


def forget_dead_workers(folder: str) -> None:
    """Drop the live gauges of workers that exited (uvicorn restarts a dead worker under a new pid,
    and nothing else tells prometheus_client the old one is gone). A scrape calls this: a listing."""
    for name in os.listdir(folder):
        match = _LIVE_FILE.fullmatch(name)
        if match is not None and not _alive(int(match.group(1))):
            multiprocess.mark_process_dead(int(match.group(1)), folder)  # type: ignore[no-untyped-call]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
