"""LiteLLM proxy configs (``config.yaml``) read as Strata catalogs: pure functions, no I/O.

``translate`` turns LiteLLM's document into the native catalog document (``models:``,
``settings:``), with ``${VAR}`` where LiteLLM wrote ``os.environ/VAR``, the settings it had to
leave out (listed in one warning at start), and notes on where each value came from (the
comments of ``strata config import litellm``). The catalog loader validates the result exactly
as it validates a native file, so serving either behaves the same. docs/litellm.md is the table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gateway.config.errors import ConfigError
from gateway.config.litellm_import.context import Context
from gateway.config.litellm_import.models import Defaults, credential_list, translate_model_list
from gateway.config.litellm_import.routing import build_models
from gateway.config.litellm_import.sections import REASONS, environment_defaults, read_sections, refuse

LITELLM_KEYS = ("model_list", "router_settings", "litellm_settings", "general_settings")
NATIVE_KEYS = ("models", "settings")
_READ = ("model_list", "router_settings", "litellm_settings", "general_settings", "environment_variables")


@dataclass(frozen=True)
class Translation:
    source: str
    native: dict[str, Any]  # the native catalog document, references still as ${VAR}
    notes: dict[str, str]  # native key path -> where its value came from
    dropped: tuple[str, ...]  # LiteLLM key paths with no Strata counterpart, as read (each once)
    reasons: dict[str, str]  # why some of them were dropped
    required: tuple[tuple[str, str], ...]  # (variable, LiteLLM path): references that must be set
    origins: dict[str, str]  # native deployment path -> model_list[i]

    def check_environment(self, environ: Mapping[str, str]) -> None:
        """Every variable the kept settings reference is set; else one error naming each, where
        the LiteLLM file refers to it."""
        missing: dict[str, str] = {}
        for variable, path in self.required:
            if variable not in environ:
                missing.setdefault(variable, path)
        if missing:
            lines = [f"{self.source}: {path}: environment variable {v} is not set" for v, path in missing.items()]
            raise ConfigError("\n".join(lines))

    def locate(self, message: str) -> str:
        """A validation message with each native deployment path followed by its LiteLLM entry."""
        lines = []
        for line in message.splitlines():
            for native, origin in self.origins.items():
                if f": {native}." in line or line.endswith(f": {native}"):
                    line += f" (LiteLLM {origin})"
                    break
            lines.append(line)
        return "\n".join(lines)


def is_litellm(raw: Mapping[str, Any], source: str) -> bool:
    """A LiteLLM config: one of its sections and none of Strata's top-level keys."""
    theirs = [key for key in LITELLM_KEYS if key in raw]
    ours = [key for key in NATIVE_KEYS if key in raw]
    if theirs and ours:
        raise ConfigError(
            f"{source}: has Strata's {', '.join(ours)} and LiteLLM's {', '.join(theirs)}; a config is one or the "
            "other (`strata config import litellm FILE` prints a LiteLLM config in Strata's format)"
        )
    return bool(theirs)


def translate_if_litellm(raw: Mapping[str, Any], source: str) -> Translation | None:
    return translate(raw, source) if is_litellm(raw, source) else None


def translate(raw: Mapping[str, Any], source: str) -> Translation:
    """The native document for a LiteLLM config; ConfigError naming the LiteLLM key path for what
    Strata cannot honour (a budget, guardrails, custom auth, callback code, a written secret...)."""
    ctx = Context(source)
    ctx.env_defaults = environment_defaults(raw.get("environment_variables"), ctx)
    for key, value in raw.items():
        refuse(str(key), value, ctx)
        if key not in _READ and key != "credential_list":
            ctx.drop(str(key), REASONS.get(str(key)))
    plan, server = read_sections(dict(raw), ctx)
    credentials = credential_list(raw.get("credential_list"), ctx)
    defaults = Defaults(
        timeout=plan.get("timeout"),
        stream_timeout=plan.get("stream_timeout"),
        timeout_from=plan.source("timeout") if "timeout" in plan.values else "",
        stream_timeout_from=plan.source("stream_timeout") if "stream_timeout" in plan.values else "",
    )
    pools = translate_model_list(raw.get("model_list"), ctx, defaults, credentials)
    models = build_models(pools, plan, ctx)
    for name in ctx.env_defaults:
        if name not in ctx.used_defaults:
            ctx.drop(f"environment_variables.{name}", "Strata sets no environment variables; export it")
    native: dict[str, Any] = {"settings": server} if server else {}
    native["models"] = models
    return Translation(
        source=source,
        native=native,
        notes=ctx.notes,
        dropped=tuple(dict.fromkeys(ctx.dropped)),
        reasons=ctx.reasons,
        required=tuple(ctx.required),
        origins=ctx.origins,
    )


def warning(translation: Translation) -> str | None:
    """The one warning at start: every LiteLLM setting that Strata leaves out, or None."""
    if not translation.dropped:
        return None
    return (
        f"{translation.source} is a LiteLLM config; these settings have no Strata counterpart and are "
        f"ignored: {', '.join(translation.dropped)} (see docs/litellm.md)"
    )
