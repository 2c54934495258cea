"""The README's examples work as written: every ```sh and ```python block runs, in order, against a
real `strata serve` started on the embedded default catalog, as a new user would after `make run`
(only the port differs). Blocks fenced ```console are shown, not run: they start or stop servers."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.gateway import free_port, wait_until_ready

ROOT = Path(__file__).resolve().parents[2]
FENCE = re.compile(r"^```(\w+)\n(.*?)^```$", re.S | re.M)


def _blocks(kinds: tuple[str, ...]) -> list[tuple[str, str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return [(kind, body) for kind, body in FENCE.findall(text) if kind in kinds]


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, int]]:
    """`strata serve` with nothing configured, in a fresh folder, as after `make run`."""
    folder = tmp_path_factory.mktemp("readme")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STRATA_", "AWS_"))}
    log = (folder / "gateway.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "serve", "--port", str(port)],
        cwd=folder,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_ready(f"http://127.0.0.1:{port}", timeout=60, process=process)
        yield folder, port
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def test_the_readme_has_examples_to_run() -> None:
    kinds = [kind for kind, _ in _blocks(("sh", "python"))]
    assert kinds.count("sh") >= 2 and kinds.count("python") >= 2, kinds


def test_every_example_in_the_readme_works_as_written(gateway: tuple[Path, int]) -> None:
    folder, port = gateway
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STRATA_", "AWS_"))}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    script = ["set -euo pipefail"]
    for number, (kind, body) in enumerate(_blocks(("sh", "python"))):
        body = body.replace("localhost:4000", f"localhost:{port}").replace("127.0.0.1:4000", f"127.0.0.1:{port}")
        if kind == "python":
            source = folder / f"example_{number}.py"
            source.write_text(body, encoding="utf-8")
            body = f"{sys.executable} {source}"
        script.append(f"echo '--- README example {number} ({kind})'")
        script.append(body)
    done = subprocess.run(
        ["bash", "-c", "\n".join(script)], cwd=folder, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    assert "Traceback" not in done.stderr
    assert '"error"' not in done.stdout, done.stdout[-3000:]  # curl prints an error body and exits 0
