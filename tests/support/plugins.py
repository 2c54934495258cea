"""Install a provider the way a third-party package would: its module, and one entry point line in
its dist-info, in a folder the gateway's process finds on PYTHONPATH."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path


def install_provider(site: Path, module: str, source: str, name: str) -> None:
    """``module``.py holding ``source`` (which defines SPEC), registered as provider ``name``."""
    site.mkdir(parents=True, exist_ok=True)
    (site / f"{module}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    info = site / f"{module}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 0.1\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[strata.providers]\n{name} = {module}:SPEC\n", encoding="utf-8")


def pythonpath_with(site: Path) -> str:
    return os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))
