"""`strata config import litellm FILE`: the native strata.yaml for a LiteLLM config, with comments.

The document is written by hand rather than by yaml.dump, which cannot place comments: each
mapped value says where it came from, and the header lists what was left out and why. Values
are dumped by PyYAML one by one, so the file reads back as exactly the document the server uses.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from gateway.config import yaml_loading
from gateway.config.errors import ConfigError
from gateway.config.litellm_import import Translation, is_litellm, translate

INDENT = "  "


def import_litellm_command(path: Path) -> str:
    """The native YAML for the LiteLLM config at ``path``; ConfigError for what cannot be served."""
    try:
        raw = yaml_loading.load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict) or not is_litellm(raw, str(path)):
        raise ConfigError(f"{path}: not a LiteLLM config (no model_list, router_settings, litellm_settings...)")
    return render(translate(raw, str(path)))


def render(translation: Translation) -> str:
    lines = [
        f"# Strata catalog translated from the LiteLLM config {translation.source}",
        "# by `strata config import litellm`. Each comment says where a value came from;",
        "# ${VAR} reads an environment variable (LiteLLM's os.environ/VAR). See docs/litellm.md.",
    ]
    if translation.dropped:
        lines.append("#")
        lines.append("# Left out (no Strata counterpart):")
        for path in translation.dropped:
            reason = translation.reasons.get(path)
            lines.append(f"#   {path}" + (f": {reason}" if reason else ""))
    lines.append("")
    lines += _mapping(translation.native, "", 0, translation.notes)
    return "\n".join(lines) + "\n"


def _scalar(value: Any) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, width=1 << 30, allow_unicode=True, sort_keys=False)
    return text.removesuffix("\n").removesuffix("\n...").strip()


def _comment(notes: dict[str, str], path: str) -> str:
    note = notes.get(path)
    return f"  # {note}" if note else ""


def _nested(value: Any) -> bool:
    """Written as a block (mapping or list of mappings) rather than on one line."""
    if isinstance(value, dict):
        return bool(value)
    return isinstance(value, list) and any(isinstance(item, dict | list) for item in value)


def _mapping(mapping: dict[str, Any], prefix: str, depth: int, notes: dict[str, str]) -> list[str]:
    lines = []
    pad = INDENT * depth
    for key, value in mapping.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if not _nested(value):
            lines.append(f"{pad}{_scalar(key)}: {_scalar(value)}{_comment(notes, path)}")
        elif isinstance(value, dict):
            lines.append(f"{pad}{_scalar(key)}:{_comment(notes, path)}")
            lines += _mapping(value, path, depth + 1, notes)
        else:
            lines.append(f"{pad}{_scalar(key)}:{_comment(notes, path)}")
            lines += _sequence(value, path, depth + 1, notes)
    return lines


def _sequence(items: list[Any], prefix: str, depth: int, notes: dict[str, str]) -> list[str]:
    lines = []
    pad = INDENT * depth
    for i, item in enumerate(items):
        path = f"{prefix}[{i}]"
        if path in notes:
            lines.append(f"{pad}# {notes[path]}")
        if isinstance(item, dict) and item:
            block = _mapping(item, path, depth + 1, notes)
            lines.append(f"{pad}- {block[0].lstrip()}")
            lines += block[1:]
        else:
            lines.append(f"{pad}- {_scalar(item)}")
    return lines
