"""The YAML model catalog: its schema, loading, ${ENV} references and readable errors.

A catalog maps public model names to pools of deployments. Errors name the file, the key
path and what is wrong, e.g. ``strata.yaml: models.gpt-4o.deployments[0].api_base: ...``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Union

import yaml
from pydantic import Field, PrivateAttr, ValidationError, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from gateway.config import litellm_import, yaml_loading
from gateway.config.cache import DEFAULT_EMBEDDING_MODEL, CacheConfig
from gateway.config.errors import ConfigError
from gateway.config.routing import PromptRouter, Routing
from gateway.errors import InvalidRequest
from gateway.guardrails.definition import GuardrailDefinition
from gateway.guardrails.identifiers import guardrail_id
from gateway.guardrails.request import GuardrailRef
from gateway.schemas.limits import Limits
from providers.deployment import DeploymentBase
from providers.deployment import Strict as _Strict
from providers.local.config import embedded_models
from providers.registry import specs

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_OS_ENVIRON = re.compile(r"os\.environ/([A-Za-z_][A-Za-z0-9_]*)")  # LiteLLM's way to write ${VAR}
_SECRET_KEYS = frozenset(
    {"api_key", "aws_secret_access_key", "aws_session_token", "master_key", "secret_key", "alert_webhook_secret"}
)


Deployment = DeploymentBase
if not TYPE_CHECKING:
    # Every provider type's config class, told apart by its `provider:` tag (providers/registry.py).
    Deployment = Annotated[Union[tuple(spec.config for spec in specs())], Field(discriminator="provider")]  # noqa: UP007


class ModelEntry(_Strict):
    """A public model: a pool of deployments, or a prompt router over two other models."""

    description: str | None = None
    router: PromptRouter | None = None
    deployments: list[Deployment] = Field(default=[], validate_default=True)
    routing: Routing = Routing()
    limits: Limits = Limits()  # for everyone together, on every gateway process (with Redis)
    estimated_output_tokens: int = Field(
        default=256,
        ge=0,
        le=10_000_000,
        description="tokens reserved against tpm limits and budgets for a reply when a call sets no max_tokens",
    )
    guardrails: list[str] = Field(
        default=[], description="guardrails every call to this model gets: ID or ID:VERSION (a name from guardrails:)"
    )
    aliases: list[str] = Field(
        default=[],
        description="other names callers may use for this model on every surface, e.g. a Bedrock model id "
        "(anthropic.claude-3-5-haiku-20241022-v1:0) for clients that choose a body format from the id",
    )
    log_bodies: bool = Field(
        default=False,
        description="invocation logs (STRATA_INVOCATION_LOGS) keep this model's prompts and completions",
    )
    cache: CacheConfig | None = Field(default=None, description="the response cache (off when absent)")

    @field_validator("deployments")
    @classmethod
    def _pool_or_router(cls, deployments: list[Deployment], info: ValidationInfo) -> list[Deployment]:
        if "router" not in info.data:
            return deployments  # the router itself is invalid and says so; don't add a second error
        routed = info.data["router"] is not None
        if not routed and not deployments:
            raise PydanticCustomError("too_short", "List should have at least 1 item (or give a prompt `router`)")
        if routed and deployments:
            raise ValueError("a prompt-routed model has no deployments of its own")
        return deployments


class Catalog(_Strict):
    """The whole file. ``settings`` holds server settings; STRATA_* variables override them."""

    settings: dict[str, Any] = {}
    models: dict[str, ModelEntry] = Field(min_length=1)
    guardrails: dict[str, GuardrailDefinition] = {}  # name (its id too) -> CreateGuardrail's fields but name
    _unmapped: str | None = PrivateAttr(default=None)  # a LiteLLM config's settings Strata ignores

    @property
    def unmapped_warning(self) -> str | None:
        """For a LiteLLM config, the one warning at start listing the settings left out."""
        return self._unmapped

    @field_validator("guardrails", mode="before")
    @classmethod
    def _named(cls, guardrails: Any) -> Any:
        """Each guardrail's name is its key; a ``name:`` inside it would be a second one."""
        if not isinstance(guardrails, dict):
            return guardrails
        named = {}
        for name, fields in guardrails.items():
            if isinstance(fields, dict) and "name" in fields:
                raise ValueError(f"guardrail {name!r}: its name is its key; leave out name:")
            named[name] = {**fields, "name": name} if isinstance(fields, dict) else fields
        return named

    @field_validator("models")
    @classmethod
    def _names(cls, models: dict[str, ModelEntry]) -> dict[str, ModelEntry]:
        for name in models:
            if not name.strip() or name != name.strip():
                raise ValueError(f"model name {name!r} must be non-empty without surrounding spaces")
        return models

    def reference_problems(self) -> list[tuple[str, str]]:
        """(key path, problem) for fallbacks and routers that name no usable model.

        They must name another model of this catalog that has deployments of its own: a chain of
        routers or a fallback into a router is refused here rather than failing at run time.
        """
        problems = []
        aliased = {alias: name for name, entry in self.models.items() for alias in entry.aliases}
        for name, entry in self.models.items():
            named = [
                (f"routing.{field}[{i}]", other)
                for field in ("fallbacks", "context_window_fallbacks", "content_policy_fallbacks")
                for i, other in enumerate(getattr(entry.routing, field))
            ]
            if entry.router is not None:
                named += [("router.strong", entry.router.strong), ("router.cheap", entry.router.cheap)]
                if entry.router.embedding_model:
                    named.append(("router.embedding_model", entry.router.embedding_model))
            cache = entry.cache
            if cache is not None and cache.mode == "semantic" and cache.embedding_model != DEFAULT_EMBEDDING_MODEL:
                named.append(("cache.embedding_model", cache.embedding_model))
            for where, other in named:
                path = f"models.{name}.{where}"
                if other == name:
                    problems.append((path, "a model cannot refer to itself"))
                elif other in aliased:
                    problems.append((path, f"{other!r} is an alias of {aliased[other]!r}: name the model itself here"))
                elif other not in self.models:
                    problems.append((path, f"no model named {other!r} in this catalog"))
                elif self.models[other].router is not None:
                    problems.append((path, f"{other!r} is a prompt router; name a model with deployments"))
                elif where.endswith("embedding_model") and _cannot_embed(self.models[other]):
                    # the cache never hit and the router sent everything to one side, warnings aside
                    problems.append((path, f"{other!r} answers chat, not embeddings; {_EMBEDS}"))
            problems += self._guardrail_problems(name, entry)
        return problems + self._alias_problems() + self._deployment_id_problems()

    def _deployment_id_problems(self) -> list[tuple[str, str]]:
        """A deployment's id names its limits, health and circuit: two deployments with one id
        would share them (a LiteLLM model_info.id is unique for the same reason)."""
        problems: list[tuple[str, str]] = []
        owners: dict[str, str] = {}
        for name, entry in self.models.items():
            for i in range(len(entry.deployments)):
                deployment_id = self.deployment_id(name, i)
                path = f"models.{name}.deployments[{i}].id"
                if deployment_id in owners:
                    problems.append((path, f"{deployment_id!r} is already the id of {owners[deployment_id]}"))
                owners.setdefault(deployment_id, f"models.{name}.deployments[{i}]")
        return problems

    def _alias_problems(self) -> list[tuple[str, str]]:
        """Every name, model or alias, means one model: an alias may not be a model's name or
        another model's alias (a caller could not tell which one answers)."""
        problems: list[tuple[str, str]] = []
        owners: dict[str, str] = {}
        for name, entry in self.models.items():
            for i, alias in enumerate(entry.aliases):
                path = f"models.{name}.aliases[{i}]"
                if not alias.strip() or alias != alias.strip():
                    problems.append((path, f"alias {alias!r} must be non-empty without surrounding spaces"))
                elif alias in self.models:
                    problems.append((path, f"{alias!r} is both a model and an alias; a name may be only one"))
                elif alias in owners:
                    problems.append((path, f"{alias!r} is already an alias of model {owners[alias]!r}"))
                owners.setdefault(alias, name)
        return problems

    def _guardrail_problems(self, name: str, entry: ModelEntry) -> list[tuple[str, str]]:
        """A model's default guardrails: well formed, and a config guardrail's version DRAFT or 1
        (others are created through the API: they are checked at start, against the database)."""
        problems = []
        for i, text in enumerate(entry.guardrails):
            path = f"models.{name}.guardrails[{i}]"
            try:
                ref = GuardrailRef.parse(text, path)
            except InvalidRequest:
                problems.append((path, f"{text!r} is not ID or ID:VERSION (a version number or DRAFT)"))
                continue
            if guardrail_id(ref.identifier) in self.guardrails and ref.version not in ("DRAFT", "1"):
                problems.append(
                    (path, f"guardrails declared in the config have versions DRAFT and 1, not {ref.version}")
                )
        return problems

    def deployment_id(self, model: str, index: int) -> str:
        return self.models[model].deployments[index].id or f"{model}/{index}"


def _location(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif path.endswith("]") and any(part == spec.name for spec in specs()):
            continue  # the discriminator's branch name is noise to the reader
        else:
            path += f".{part}" if path else str(part)
    return path


def _format_errors(source: str, error: ValidationError) -> str:
    lines = [f"{source}: {_location(e['loc'])}: {e['msg']}" for e in error.errors()]
    return "\n".join(lines)


def _is_secret(key: str) -> bool:
    """Secret-bearing keys, including header names such as Authorization or api-key."""
    lowered = key.lower().replace("-", "_")
    return lowered in _SECRET_KEYS or lowered in ("authorization", "x_api_key", "proxy_authorization")


def _substitute(value: Any, path: str, environ: Mapping[str, str], source: str) -> Any:
    """Replace ${VAR} and ${VAR:-default}; secrets must be references, never literals."""
    if isinstance(value, dict):
        return {k: _substitute(v, f"{path}.{k}" if path else str(k), environ, source) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, f"{path}[{i}]", environ, source) for i, v in enumerate(value)]
    if not isinstance(value, str):
        return value
    key = path.rsplit(".", 1)[-1]
    litellm_style = _OS_ENVIRON.fullmatch(value.strip())
    if litellm_style is not None:
        value = f"${{{litellm_style.group(1)}}}"
    if _is_secret(key) and not _ENV_REF.fullmatch(value):
        name = key.upper().replace("-", "_")
        raise ConfigError(
            f"{source}: {path}: secrets are never written in the file; write a reference to an "
            f"environment variable instead, e.g. ${{{name}}} (or os.environ/{name}), and set {name}"
        )

    def replace(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name in environ:
            return environ[name]
        if default is not None:
            return default
        raise ConfigError(f"{source}: {path}: environment variable {name} is not set")

    return _ENV_REF.sub(replace, value)


def parse_catalog(text: str, source: str = "<config>", environ: Mapping[str, str] | None = None) -> Catalog:
    """Parse and validate catalog YAML; every failure is a ConfigError naming the key path."""
    try:
        raw = yaml_loading.load(text)
        size = _expanded_size(raw)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: not valid YAML: {exc}") from None
    except (RecursionError, _Cycle):
        raise ConfigError(f"{source}: nested too deeply, or a YAML alias holds itself") from None
    if size > MAX_VALUES:
        raise ConfigError(
            f"{source}: the file expands to more than {MAX_VALUES:,} values "
            "(YAML aliases nested into one another?): refused rather than expanded"
        )
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: the top level must be a mapping with a 'models' key")
    environ = os.environ if environ is None else environ
    litellm = litellm_import.translate_if_litellm(raw, source)  # a LiteLLM config.yaml, as it is
    if litellm is not None:
        litellm.check_environment(environ)
        raw = litellm.native
    resolved = _substitute(raw, "", environ, source)
    try:
        catalog = Catalog.model_validate(resolved)
    except ValidationError as exc:
        message = _format_errors(source, exc)
        raise ConfigError(litellm.locate(message) if litellm else message) from None
    problems = catalog.reference_problems()
    if problems:
        raise ConfigError("\n".join(f"{source}: {path}: {problem}" for path, problem in problems))
    if litellm is not None:
        catalog._unmapped = litellm_import.warning(litellm)
    return catalog


_EMBEDS = "name a model that embeds (a remote deployment embeds with `embeddings: true`)"


def _cannot_embed(entry: ModelEntry) -> bool:
    """No deployment can embed, as its config says: the echo model, a local model serving chat, a
    remote one without ``embeddings: true`` (OpenAI-compatible, litellm, and any provider whose
    config has that switch: it is what their ``embed`` checks). A provider without the switch may."""

    def chats(deployment: object) -> bool:
        provider = getattr(deployment, "provider", None)
        if provider == "echo" or (provider == "local" and getattr(deployment, "task", None) == "chat"):
            return True
        return getattr(deployment, "embeddings", None) is False

    return bool(entry.deployments) and all(chats(d) for d in entry.deployments)


MAX_VALUES = 2_000_000  # values in a config once its aliases are expanded (a 13 MB catalog has ~1.4M)


def _expanded_size(value: object) -> int:
    """How many values ``value`` holds with every alias expanded, counted without expanding: an
    alias is one object met again, so each object's size is computed once (a billion-laughs file
    of a few hundred bytes would otherwise take minutes and gigabytes to validate)."""
    sizes: dict[int, int] = {}
    open_: set[int] = set()

    def size(node: object) -> int:
        if not isinstance(node, dict | list):
            return 1
        known = sizes.get(id(node))
        if known is not None:
            return known
        if id(node) in open_:
            raise _Cycle
        open_.add(id(node))
        children = [*node.keys(), *node.values()] if isinstance(node, dict) else node
        total = 1 + sum(size(child) for child in children)
        sizes[id(node)] = total
        return total

    return size(value)


class _Cycle(Exception):
    """A YAML alias that holds itself: it has no finite expansion."""


def load_catalog(path: Path, environ: Mapping[str, str] | None = None) -> Catalog:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start}): a YAML config file is text") from None
    return parse_catalog(text, str(path), environ)


def default_catalog() -> Catalog:
    """What `strata serve` offers with no config: models that work offline on a fresh machine."""
    return Catalog.model_validate(
        {
            "models": {
                "strata-echo": {
                    "description": "Demo model: replies with your last message. Works offline.",
                    "deployments": [{"provider": "echo"}],
                },
                # Local models that need no download (where the `local` extra is installed).
                **embedded_models(os.environ.get("STRATA_DATA_DIR") or ".strata"),
            }
        }
    )
