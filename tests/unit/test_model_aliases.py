"""Model aliases: other names for a public model (a Bedrock model id...), checked at load, resolved everywhere."""

from __future__ import annotations

import pytest

from gateway.config.catalog import parse_catalog
from gateway.config.errors import ConfigError
from gateway.errors import ModelNotFound
from gateway.services.catalog import ModelCatalog
from gateway.services.context import Principal
from providers.base import ProviderResources
from providers.http import HttpClients

HAIKU = "anthropic.claude-3-5-haiku-20241022-v1:0"
CATALOG = f"""
models:
  haiku:
    aliases: ["{HAIKU}", claude-haiku]
    deployments: [{{provider: echo}}]
  other:
    deployments: [{{provider: echo}}]
"""


def _catalog(text: str = CATALOG) -> ModelCatalog:
    return ModelCatalog(parse_catalog(text, "strata.yaml"), ProviderResources(http=HttpClients()), 0)


def test_an_alias_resolves_to_its_model() -> None:
    catalog = _catalog()
    anyone = Principal("k")
    assert catalog.resolve(HAIKU, anyone).name == "haiku"
    assert catalog.resolve("claude-haiku", anyone).name == "haiku"
    assert catalog.resolve("haiku", anyone).name == "haiku"


def test_a_key_allowed_a_model_may_call_it_by_its_aliases_and_no_other_model_by_them() -> None:
    catalog = _catalog()
    assert catalog.resolve(HAIKU, Principal("k", allowed_models=frozenset({"haiku"}))).name == "haiku"
    with pytest.raises(ModelNotFound):
        catalog.resolve(HAIKU, Principal("k", allowed_models=frozenset({"other"})))
    with pytest.raises(ModelNotFound):  # an alias is not a grant of its own
        catalog.resolve(HAIKU, Principal("k", allowed_models=frozenset({HAIKU})))


@pytest.mark.parametrize(
    ("aliases_of_other", "problem"),
    [
        ("[haiku]", "strata.yaml: models.other.aliases[0]: 'haiku' is both a model and an alias"),
        ("[claude-haiku]", "strata.yaml: models.other.aliases[0]: 'claude-haiku' is already an alias of model 'haiku'"),
        ("[' x']", "strata.yaml: models.other.aliases[0]: alias ' x' must be non-empty"),
    ],
    ids=["a-model-name", "another-models-alias", "spaces"],
)
def test_a_name_that_would_mean_two_models_is_a_config_error_naming_it(aliases_of_other: str, problem: str) -> None:
    text = CATALOG.replace("  other:\n", f"  other:\n    aliases: {aliases_of_other}\n")
    with pytest.raises(ConfigError) as raised:
        parse_catalog(text, "strata.yaml")
    assert problem in str(raised.value)
