"""Provider type -> factory. The only place that knows every back-end."""

from __future__ import annotations

from gateway.config import Deployment, EchoDeployment, LiteLLMDeployment, OpenAIDeployment
from providers.base import Provider
from providers.http import HttpClients
from providers.local.config import LocalDeployment


def build_provider(deployment: Deployment, clients: HttpClients) -> Provider:
    """A provider for one deployment; remote ones share the pooled client of their origin."""
    if isinstance(deployment, OpenAIDeployment):
        from providers.openai_compatible import OpenAICompatibleProvider

        return OpenAICompatibleProvider(deployment, clients)
    if isinstance(deployment, LiteLLMDeployment):
        from providers.litellm import LiteLLMProvider  # imports litellm only in start()

        return LiteLLMProvider(deployment)
    if isinstance(deployment, EchoDeployment):
        from providers.echo import EchoProvider

        return EchoProvider(deployment.model)
    if isinstance(deployment, LocalDeployment):
        from providers.local.provider import LocalProvider  # torch loads in the worker, not here

        return LocalProvider(deployment)
    raise ValueError(f"no provider for {type(deployment).__name__}")
