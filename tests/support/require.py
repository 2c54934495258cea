"""What a test needs from the machine: skipped locally when missing, a failure under CI=true."""

from __future__ import annotations

import os
import shutil

import pytest


def require_service(name: str, available: bool, why: str = "") -> None:
    """Skip when an external service or tool is missing; under CI=true that is a failure instead."""
    if available:
        return
    message = f"{name} is not available{': ' + why if why else ''}"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{message} (CI=true: a missing service is a failure; .ci/run installs it)")
    pytest.skip(message)


def require_tool(command: str, why: str = "") -> str:
    """The path of ``command`` on PATH (Debian's nginx, zsh, kubectl...)."""
    path = shutil.which(command)
    require_service(command, path is not None, why)
    assert path is not None
    return path
