"""The provider table: every provider type the catalog may name, one line each.

Built-in providers are listed in ``_BUILT_IN``; a third-party package adds one through the
``strata.providers`` entry point group, naming its ``ProviderSpec``::

    [project.entry-points."strata.providers"]
    my-vendor = "my_package.strata_provider:SPEC"

The gateway builds the catalog's deployment union (gateway/config/catalog.py), the price
sources (gateway/services/pricing.py) and Bedrock's model listing from this table alone.
"""

from __future__ import annotations

import functools
import logging
from importlib.metadata import entry_points
from typing import Any

from providers import echo, litellm, openai_compatible
from providers.base import Provider, ProviderResources, ProviderSpec
from providers.deployment import DeploymentBase
from providers.local import config as local

ENTRY_POINT_GROUP = "strata.providers"
LOG = logging.getLogger("strata.providers")

_BUILT_IN: tuple[ProviderSpec[Any], ...] = (
    openai_compatible.SPEC,
    litellm.SPEC,
    echo.SPEC,
    local.SPEC,
)


@functools.cache
def specs() -> tuple[ProviderSpec[Any], ...]:
    """Built-in specs, then those of installed packages (read once per process)."""
    table = {spec.name: spec for spec in _BUILT_IN}
    for point in entry_points(group=ENTRY_POINT_GROUP):
        try:
            spec = point.load()
        except Exception as exc:  # boundary: a broken plug-in must not stop the gateway; its models fail to load
            LOG.warning("cannot load provider %r from %s: %r", point.name, point.value, exc)
            continue
        problem = _problem(spec, table)
        if problem:
            LOG.warning("ignoring provider %r from %s: %s", point.name, point.value, problem)
            continue
        table[spec.name] = spec
    return tuple(table.values())


def _problem(spec: object, table: dict[str, ProviderSpec[Any]]) -> str | None:
    if not isinstance(spec, ProviderSpec):
        return "the entry point must name a providers.base.ProviderSpec"
    if spec.name in table:
        return f"the name {spec.name!r} is taken"
    tag = spec.config.model_fields["provider"].annotation
    if tag != _literal(spec.name):
        return f"its config class's `provider` field must be Literal[{spec.name!r}]"
    return None


def _literal(name: str) -> Any:
    from typing import Literal

    return Literal[name]


def spec_for(deployment: DeploymentBase) -> ProviderSpec[Any]:
    for spec in specs():
        if isinstance(deployment, spec.config):
            return spec
    raise ValueError(f"no provider for {type(deployment).__name__}")


def build_provider(deployment: DeploymentBase, resources: ProviderResources) -> Provider:
    """A provider for one deployment; remote ones share the pooled client of their origin."""
    return spec_for(deployment).build(deployment, resources)
