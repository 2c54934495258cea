"""What a translation collects while it reads a LiteLLM config: notes, dropped settings, references.

LiteLLM's ``os.environ/VAR`` becomes Strata's ``${VAR}``. Every value a translation keeps goes
through ``Context.ref`` with its path in the LiteLLM file, so that a secret written in the file,
or a variable that is not set, is reported where the user wrote it, not where Strata put it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, NoReturn

from gateway.config.errors import ConfigError

OS_ENVIRON = re.compile(r"os\.environ/([A-Za-z_][A-Za-z0-9_]*)")
STRATA_REF = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}")
_SECRET_NAMES = frozenset({"authorization", "api-key", "x-api-key", "proxy-authorization"})


def is_secret(key: str) -> bool:
    """Keys whose value is a credential: they must be references, never written in the file."""
    lowered = key.lower()
    return (
        lowered in _SECRET_NAMES
        or "secret" in lowered
        or "password" in lowered
        or lowered.endswith(("api_key", "master_key", "_token"))
    )


def looks_secret(variable: str) -> bool:
    """An environment variable name that holds a credential (OPENAI_API_KEY, REDIS_PASSWORD...)."""
    upper = variable.upper()
    return any(word in upper for word in ("KEY", "SECRET", "PASSWORD", "TOKEN", "CREDENTIAL"))


@dataclass
class Context:
    """One translation's state. ``notes`` and ``origins`` are keyed by the native key path."""

    source: str
    env_defaults: dict[str, str] = field(default_factory=dict)  # environment_variables: usable as defaults
    notes: dict[str, str] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)  # LiteLLM key paths with no Strata counterpart
    reasons: dict[str, str] = field(default_factory=dict)  # why some were dropped (for the printed file)
    required: list[tuple[str, str]] = field(default_factory=list)  # (variable, LiteLLM path) to be set
    origins: dict[str, str] = field(default_factory=dict)  # native deployment path -> model_list[i]
    used_defaults: set[str] = field(default_factory=set)

    def fail(self, path: str, message: str) -> NoReturn:
        raise ConfigError(f"{self.source}: {path}: {message}")

    def drop(self, path: str, reason: str | None = None) -> None:
        self.dropped.append(path)
        if reason:
            self.reasons[path] = reason

    def note(self, native_path: str, text: str) -> None:
        self.notes[native_path] = text

    def ref(self, value: Any, path: str, secret: bool = False) -> Any:
        """``value`` with each ``os.environ/VAR`` as ``${VAR}``; a literal secret is refused."""
        if isinstance(value, dict):
            return {k: self.ref(v, f"{path}.{k}", secret or is_secret(str(k))) for k, v in value.items()}
        if isinstance(value, list):
            return [self.ref(v, f"{path}[{i}]", secret) for i, v in enumerate(value)]
        if not isinstance(value, str):
            return value
        reference = OS_ENVIRON.fullmatch(value.strip())
        if reference is not None:
            return self._reference(reference.group(1), path)
        if secret and value and not STRATA_REF.fullmatch(value):
            name = path.rsplit(".", 1)[-1].upper().replace("-", "_")
            self.fail(
                path,
                f"secrets are never written in the file; write os.environ/{name} "
                f"(or ${{{name}}}) and set {name} in the environment",
            )
        return value

    def _reference(self, variable: str, path: str) -> str:
        default = self.env_defaults.get(variable)
        if default is not None and "}" not in default:
            self.used_defaults.add(variable)
            return f"${{{variable}:-{default}}}"
        self.required.append((variable, path))
        return f"${{{variable}}}"

    def require(self, variable: str, path: str) -> str:
        """A reference LiteLLM reads implicitly (AZURE_API_KEY when no api_key is given...)."""
        return self._reference(variable, path)
