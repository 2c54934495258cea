"""Reading the deployment files the way their tools do, and the facts of the app they must agree
with: its settings and its command line (its routes are asked of a running gateway: conftest.py).
Nothing here renders a template: the manifests are plain YAML, and `kubectl kustomize` (when
installed) does the composing."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import yaml

from gateway.config.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "compose"
K8S = DEPLOY / "k8s"
VENV_BIN = Path(sys.executable).parent


def tool(name: str) -> Path:
    """A linter installed with the dev extra, beside this interpreter: missing is a failure."""
    path = VENV_BIN / name
    assert path.exists(), f"{name} is not installed: `pip install -e '.[dev]'` (pyproject.toml's dev extra)"
    return path


def run(*args: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=120)


def yaml_documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc is not None]


# --- the app


def strata_env_names() -> set[str]:
    """Every STRATA_* variable the gateway reads (pydantic-settings: the prefix plus the field name)."""
    return {f"STRATA_{name.upper()}" for name in Settings.model_fields}


def parse_cli(args: list[str]) -> Any:
    """The `strata` command line as the CLI itself parses it (argparse exits on an unknown word)."""
    from gateway.cli import build_parser

    return build_parser().parse_args(args)


# --- the Dockerfile


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper case
    value: str  # the rest, continuation lines joined
    stage: int  # 0-based index of the FROM it belongs to

    def exec_form(self) -> list[str]:
        """A JSON array argument (ENTRYPOINT ["strata"]), as Docker reads the exec form."""
        words: list[str] = json.loads(self.value)
        return words


def dockerfile(path: Path = ROOT / "Dockerfile") -> list[Instruction]:
    """Instructions in order; comments dropped, backslash continuations joined."""
    instructions: list[Instruction] = []
    stage = -1
    pending = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue  # a comment inside a continued instruction
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        text = pending + stripped
        pending = ""
        keyword, _, value = text.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            stage += 1
        instructions.append(Instruction(keyword, re.sub(r"\s+", " ", value).strip(), stage))
    return instructions


def build_args(instructions: list[Instruction]) -> dict[str, str]:
    args = {}
    for ins in instructions:
        if ins.keyword == "ARG" and "=" in ins.value:
            name, _, default = ins.value.partition("=")
            args[name] = default
    return args


def env_of_stage(instructions: list[Instruction], stage: int) -> dict[str, str]:
    """ENV key=value pairs of one stage (values without spaces, as this Dockerfile writes them)."""
    env: dict[str, str] = {}
    for ins in instructions:
        if ins.keyword == "ENV" and ins.stage == stage:
            for pair in ins.value.split():
                name, _, value = pair.partition("=")
                env[name] = value
    return env


def in_build_context(path: str, ignore_file: Path = ROOT / ".dockerignore") -> bool:
    """Whether ``path`` (relative to the root) is sent to the builder: the last matching pattern of
    .dockerignore decides, ``!`` re-includes, and a pattern matching a folder covers what is in it."""
    included = True
    for raw in ignore_file.read_text(encoding="utf-8").splitlines():
        pattern = raw.strip()
        if not pattern or pattern.startswith("#"):
            continue
        negated = pattern.startswith("!")
        pattern = pattern.lstrip("!").rstrip("/")
        if _ignore_match(pattern, path):
            included = negated
    return included


def _ignore_match(pattern: str, path: str) -> bool:
    parts = path.strip("/").split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    if pattern.startswith("**/"):
        tail = pattern[3:]
        return any(fnmatch("/".join(parts[i:j]), tail) for i in range(len(parts)) for j in range(i + 1, len(parts) + 1))
    return any(fnmatch(prefix, pattern) for prefix in prefixes)


# --- Kubernetes


def kubectl() -> str | None:
    return shutil.which("kubectl")


def kustomize(folder: Path) -> list[dict[str, Any]]:
    """`kubectl kustomize` of ``folder``: offline, no cluster needed."""
    kubectl_path = kubectl()
    assert kubectl_path is not None
    done = run(kubectl_path, "kustomize", folder)
    assert done.returncode == 0, done.stderr
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc is not None]


def kustomization_resources(folder: Path) -> list[dict[str, Any]]:
    """The resources a kustomization lists, each file read as is (no generators, no patches)."""
    kustomization = yaml_documents(folder / "kustomization.yaml")[0]
    return [doc for name in kustomization["resources"] for doc in yaml_documents(folder / name)]


def one(docs: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    found = [doc for doc in docs if doc["kind"] == kind]
    assert len(found) == 1, f"expected one {kind}, found {len(found)}"
    return found[0]


def container_env(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["name"]: item for item in container.get("env", [])}
