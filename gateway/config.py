"""The YAML model catalog: its schema, loading, ${ENV} references and readable errors.

A catalog maps public model names to pools of deployments. Errors name the file, the key
path and what is wrong, e.g. ``strata.yaml: models.gpt-4o.deployments[0].api_base: ...``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from gateway.limits import Limits
from gateway.routing_config import PromptRouter, Routing

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_SECRET_KEYS = frozenset({"api_key", "aws_secret_access_key", "aws_session_token", "master_key", "secret_key"})


class ConfigError(Exception):
    """A catalog that cannot be used; the message is meant for the operator, as is."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Timeouts(_Strict):
    """Seconds. ``read``: any gap while receiving (between stream chunks); ``first_byte``: until
    a stream's first chunk (default: ``read``); ``total``: one attempt on this deployment."""

    connect: float = Field(default=5.0, gt=0)
    first_byte: float | None = Field(default=None, gt=0)
    read: float = Field(default=120.0, gt=0)
    total: float = Field(default=600.0, gt=0)

    @property
    def first_chunk(self) -> float:
        return self.first_byte or self.read


class Pricing(_Strict):
    """USD per token; unset means the price table (or 0 for local models) decides."""

    input_cost_per_token: float | None = Field(default=None, ge=0)
    output_cost_per_token: float | None = Field(default=None, ge=0)


class _DeploymentBase(_Strict):
    id: str | None = Field(default=None, description="Stable name in headers and usage; default NAME/INDEX")
    weight: float = Field(default=1.0, gt=0)
    priority: int = 0
    rpm: int | None = Field(default=None, ge=1)
    tpm: int | None = Field(default=None, ge=1)
    max_concurrency: int | None = Field(default=None, ge=1)
    timeouts: Timeouts = Timeouts()
    pricing: Pricing = Pricing()


_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # RFC 9110 token


class OpenAIDeployment(_DeploymentBase):
    """Any OpenAI-compatible endpoint: OpenAI, Azure OpenAI, vLLM, Ollama, TGI, Groq..."""

    provider: Literal["openai"]
    model: str = Field(min_length=1)
    api_base: str = "https://api.openai.com/v1"
    api_key: str | None = None
    headers: dict[str, str] = {}
    query_params: dict[str, str] = Field(default={}, description="e.g. Azure's api-version")
    embeddings: bool = False
    vision: bool = False
    tools: bool = True

    @field_validator("api_base")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/")

    @field_validator("api_key")
    @classmethod
    def _one_line_key(cls, value: str | None) -> str | None:
        if value is not None and any(c in value for c in "\r\n\0"):
            raise ValueError("contains a line break or NUL (a trailing newline in the secret's source?)")
        return value

    @field_validator("headers")
    @classmethod
    def _sendable_headers(cls, value: dict[str, str]) -> dict[str, str]:
        for name, text in value.items():
            if not _HEADER_NAME.fullmatch(name):
                raise ValueError(f"{name!r} is not a valid HTTP header name")
            if any(c in text for c in "\r\n\0"):
                raise ValueError(f"the value of {name!r} contains a line break or NUL")
        return value


class LiteLLMDeployment(_DeploymentBase):
    """Any vendor litellm reaches; ``model`` is litellm's id, e.g. anthropic/claude-3-5-haiku-latest."""

    provider: Literal["litellm"]
    model: str = Field(min_length=1)
    api_base: str | None = None
    api_key: str | None = None
    params: dict[str, Any] = Field(default={}, description="extra litellm arguments (aws_region_name...)")
    embeddings: bool = False
    vision: bool = False
    tools: bool = True


class EchoDeployment(_DeploymentBase):
    """A built-in demo model that answers with the caller's last message; needs nothing."""

    provider: Literal["echo"]
    model: str = "echo"


from providers.local.config import LocalDeployment, embedded_models  # noqa: E402  (it extends _DeploymentBase)

Deployment = Annotated[
    OpenAIDeployment | LiteLLMDeployment | EchoDeployment | LocalDeployment, Field(discriminator="provider")
]


class ModelEntry(_Strict):
    """A public model: a pool of deployments, or a prompt router over two other models."""

    description: str | None = None
    router: PromptRouter | None = None
    deployments: list[Deployment] = Field(default=[], validate_default=True)
    routing: Routing = Routing()
    limits: Limits = Limits()  # for everyone together, on every gateway process (with Redis)

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
            for where, other in named:
                path = f"models.{name}.{where}"
                if other == name:
                    problems.append((path, "a model cannot refer to itself"))
                elif other not in self.models:
                    problems.append((path, f"no model named {other!r} in this catalog"))
                elif self.models[other].router is not None:
                    problems.append((path, f"{other!r} is a prompt router; name a model with deployments"))
        return problems

    def deployment_id(self, model: str, index: int) -> str:
        return self.models[model].deployments[index].id or f"{model}/{index}"


def _location(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part in ("openai", "litellm", "echo", "local") and path.endswith("]"):
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
    if _is_secret(key) and not _ENV_REF.fullmatch(value):
        raise ConfigError(
            f"{source}: {path}: secrets are never written in the file; "
            f"reference an environment variable, e.g. ${{{key.upper()}}}"
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
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: the top level must be a mapping with a 'models' key")
    resolved = _substitute(raw, "", os.environ if environ is None else environ, source)
    try:
        catalog = Catalog.model_validate(resolved)
    except ValidationError as exc:
        raise ConfigError(_format_errors(source, exc)) from None
    problems = catalog.reference_problems()
    if problems:
        raise ConfigError("\n".join(f"{source}: {path}: {problem}" for path, problem in problems))
    return catalog


def load_catalog(path: Path, environ: Mapping[str, str] | None = None) -> Catalog:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file: {exc.strerror}") from None
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
