"""A ``--workers N`` worker stops when its supervisor dies.

uvicorn's supervisor stops its workers when it is told to stop; killed outright (SIGKILL, the OOM
killer) it tells them nothing, and they went on serving, orphaned, on the port: a restart then
failed with "address already in use" until someone found and killed them. Linux can send a child a
signal when its parent dies (``PR_SET_PDEATHSIG``): a worker asks for SIGTERM, so it drains and
writes its usage records as at any shutdown. Elsewhere (macOS) nothing changes.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1
SUPERVISOR_PID_VARIABLE = "STRATA_SUPERVISOR_PID"  # set by the supervisor, inherited by its workers


def stop_with_parent(parent_pid: int) -> bool:
    """Ask for SIGTERM when the process ``parent_pid`` (this one's parent now) dies. False where the
    platform cannot; if the parent is already gone, SIGTERM now."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
            return False
    except (OSError, AttributeError):
        return False
    if os.getppid() != parent_pid:  # it died before the request was made: nobody will signal
        os.kill(os.getpid(), signal.SIGTERM)
    return True
