"""The layers of the code: providers stand alone (they import nothing from the gateway), and the
modules docs/architecture.md names exist."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def test_no_module_under_providers_imports_the_gateway() -> None:
    offenders = {
        str(path.relative_to(ROOT)): name
        for path in sorted((ROOT / "providers").rglob("*.py"))
        for name in _imports(path)
        if name == "gateway" or name.startswith("gateway.")
    }
    assert offenders == {}


def test_importing_every_provider_loads_no_gateway_module() -> None:
    """At run time too: lazily imported modules (inside functions) count, and so do the registry's."""
    modules = sorted(
        ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for path in (ROOT / "providers").rglob("*.py")
        if path.name != "__init__.py"
    )
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m == 'gateway' or m.startswith('gateway.')))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_every_module_the_architecture_document_names_exists() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:gateway|providers|tests|bench|migrations)/[\w/.-]+)`", text))
    assert len(named) > 30, "the document names the modules it describes"
    missing = sorted(path for path in named if not (ROOT / path).exists())
    assert missing == []


def test_the_readme_links_the_architecture_document() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/architecture.md" in readme
    assert "../shared" not in readme, "no links outside the repository"
