"""The live catalog: public model names resolved to their deployments and providers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from gateway.config.cache import CacheConfig
from gateway.config.catalog import Catalog, Deployment
from gateway.config.routing import PromptRouter, Routing
from gateway.errors import ModelNotFound
from gateway.schemas.limits import NO_LIMITS, Limits
from gateway.services.context import Principal
from providers.base import Capabilities, Provider, ProviderResources, ProviderSpec
from providers.registry import build_provider, spec_for

# The geographies of Bedrock's cross-region inference profile ids ("us.anthropic.claude-...")
PROFILE_GEOGRAPHIES = frozenset(("us", "eu", "apac", "global", "us-gov", "ca", "jp", "au"))


@dataclass(frozen=True, slots=True)
class DeploymentHandle:
    """One deployment as the pipeline sees it: its name, its config and its provider."""

    id: str
    config: Deployment
    provider: Provider

    @property
    def provider_type(self) -> str:
        return self.config.provider

    @property
    def spec(self) -> ProviderSpec[Any]:
        """The provider type's table entry: pricing source, model family (providers/registry.py)."""
        return spec_for(self.config)


@dataclass(frozen=True, slots=True)
class PublicModel:
    name: str
    description: str | None
    deployments: tuple[DeploymentHandle, ...]
    created: int
    routing: Routing = Routing()
    prompt_router: PromptRouter | None = None
    limits: Limits = NO_LIMITS
    routed_capabilities: Capabilities | None = None  # a prompt-routed model has no pool of its own
    estimated_output_tokens: int = 256  # reserved for a reply without max_tokens (quotas)
    guardrails: tuple[str, ...] = ()  # every call's default guardrails: "ID" or "ID:VERSION" (config entries)
    cache: CacheConfig | None = None  # the response cache (gateway/services/cache), None: off

    @property
    def strategy(self) -> str:
        return self.routing.strategy

    @property
    def capabilities(self) -> Capabilities:
        """What at least one deployment of the pool can do."""
        if self.routed_capabilities is not None:
            return self.routed_capabilities
        if len(self.deployments) == 1:  # the common case, asked on every call
            return self.deployments[0].provider.capabilities
        caps = [d.provider.capabilities for d in self.deployments]
        return Capabilities(
            chat=any(c.chat for c in caps),
            streaming=any(c.streaming for c in caps),
            tools=any(c.tools for c in caps),
            embeddings=any(c.embeddings for c in caps),
            vision=any(c.vision for c in caps),
            logprobs=any(c.logprobs for c in caps),
            token_inputs=all(c.token_inputs for c in caps),  # token ids go as they are only if all take them
        )


class ModelCatalog:
    def __init__(self, catalog: Catalog, resources: ProviderResources, created: int) -> None:
        self.resources = resources  # lent to providers built later (the guardrails' own embedder)
        models: dict[str, PublicModel] = {}
        for name, entry in catalog.models.items():
            handles = tuple(
                DeploymentHandle(catalog.deployment_id(name, i), d, build_provider(d, resources))
                for i, d in enumerate(entry.deployments)
            )
            models[name] = PublicModel(
                name,
                entry.description,
                handles,
                created,
                entry.routing,
                entry.router,
                entry.limits,
                estimated_output_tokens=entry.estimated_output_tokens,
                guardrails=tuple(entry.guardrails),
                cache=entry.cache,
            )
        for name, model in models.items():
            if model.prompt_router is not None:
                strong = models[model.prompt_router.strong].capabilities
                models[name] = replace(model, routed_capabilities=strong)
        self._models = models
        # Other names for a model (a Bedrock model id...): the catalog checked that none is a model's name.
        self._aliases = {alias: models[name] for name, entry in catalog.models.items() for alias in entry.aliases}

    def __iter__(self) -> Iterator[PublicModel]:
        return iter(self._models.values())

    def providers(self) -> list[tuple[str, Provider]]:
        return [(d.id, d.provider) for m in self._models.values() for d in m.deployments]

    def get(self, name: str) -> PublicModel:
        """A model by name, for fallbacks and routers (the catalog checked the names at load)."""
        return self._models[name]

    def find(self, name: str) -> PublicModel | None:
        """A model by its name, an alias or an inference profile id; None when there is none."""
        return self._models.get(name) or self._aliases.get(name) or self._profile(name)

    def resolve(self, name: str, principal: Principal) -> PublicModel:
        """The model a caller asked for, by its name or an alias (every surface resolves here);
        unknown and forbidden look alike, as at OpenAI. A key's allowed models are public names."""
        model = self.find(name)
        if model is None or not principal.may_call(model.name):
            shown = (
                name if len(name) <= 256 else name[:256] + "..."
            )  # a caller's megabyte goes in no message, span or log
            raise ModelNotFound(f"The model '{shown}' does not exist or you do not have access to it.", param="model")
        return model

    def _profile(self, name: str) -> PublicModel | None:
        """A Bedrock cross-region inference profile id ("us.anthropic.claude-..."): the model whose
        name or alias is the id without its geography, as boto3 users call models today."""
        geography, dot, rest = name.partition(".")
        if not dot or geography not in PROFILE_GEOGRAPHIES:
            return None
        return self._models.get(rest) or self._aliases.get(rest)

    def visible_to(self, principal: Principal) -> list[PublicModel]:
        return [m for m in self._models.values() if principal.may_call(m.name)]
