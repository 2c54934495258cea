"""``strata config``: check a catalog without starting, import another gateway's config.

``config check`` validates the file as ``serve`` would, then looks for what only this machine can
tell: each ``provider: local`` model folder exists (a demo model is built at its path on first
start, so it may be missing). New importers add a parser under ``config import`` (see register).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from pathlib import Path
from typing import Any


def local_path_problems(catalog: Any) -> list[str]:
    """``models.NAME.deployments[i].path: ...`` for each local model folder that is not there.

    Checked without importing torch: a directory must exist, a ``package:NAME/FOLDER`` must name an
    installed package holding that folder (found, never imported)."""
    problems = []
    for name, entry in catalog.models.items():
        for index, deployment in enumerate(entry.deployments):
            if getattr(deployment, "provider", None) != "local" or getattr(deployment, "demo", False):
                continue
            problem = _missing(str(deployment.path))
            if problem:
                problems.append(f"models.{name}.deployments[{index}].path: {problem}")
    return problems


def _missing(path: str) -> str | None:
    prefix = "package:"
    if path.startswith(prefix):
        package, _, folder = path.removeprefix(prefix).partition("/")
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            return f"the package {package!r} is not installed"
        base = Path(next(iter(spec.submodule_search_locations)))
        return None if (base / folder).is_dir() else f"{base / folder}: no such model directory in {package!r}"
    directory = Path(path).expanduser()
    return None if directory.is_dir() else f"{directory}: no such model directory"


def _config_check(args: argparse.Namespace) -> int:
    from gateway.config.catalog import load_catalog
    from gateway.config.errors import ConfigError
    from gateway.config.loading import file_settings
    from gateway.config.settings import unknown_variables

    try:
        catalog = load_catalog(args.file)
        file_settings(args.file, catalog)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 1
    problems = local_path_problems(catalog)
    if problems:
        print("\n".join(f"{args.file}: {problem}" for problem in problems), file=sys.stderr)
        return 1
    deployments = sum(len(m.deployments) for m in catalog.models.values())
    print(f"{args.file}: OK ({len(catalog.models)} models, {deployments} deployments)")
    if catalog.unmapped_warning:
        print(f"strata: warning: {catalog.unmapped_warning}", file=sys.stderr)
    for unknown in unknown_variables(os.environ):
        print(f"strata: warning: environment: {unknown}", file=sys.stderr)
    return 0


def _config_import(args: argparse.Namespace) -> int:
    """Print the native strata.yaml for a LiteLLM config (gateway/config/litellm_import/)."""
    from gateway.config.errors import ConfigError
    from gateway.config.litellm_import.render import import_litellm_command

    try:
        print(import_litellm_command(args.file), end="")
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    config = commands.add_parser("config", help="configuration tools", description="Configuration tools.")
    config_commands = config.add_subparsers(dest="config_command", required=True, metavar="COMMAND")
    check = config_commands.add_parser(
        "check",
        help="validate a config file without starting",
        description="Validate a config file as `serve` would, and check that local model folders exist.",
    )
    check.add_argument("file", type=Path)
    check.set_defaults(handler=_config_check)

    importing = config_commands.add_parser(
        "import", help="print another gateway's config as a strata.yaml", description="Translate another config."
    )
    formats = importing.add_subparsers(dest="import_format", required=True, metavar="FORMAT")
    litellm = formats.add_parser("litellm", help="a LiteLLM proxy config.yaml (it is also served as it is)")
    litellm.add_argument("file", type=Path)
    litellm.set_defaults(handler=_config_import)
    # Another importer: one more `formats.add_parser(...)` here, its handler beside _config_import.
