"""The YAML catalog an operator writes: its documented shape (every provider type, defaults, deployment
ids, reading the file) and ${ENV} references, resolved from the environment given."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.config.catalog import load_catalog, parse_catalog
from gateway.config.errors import ConfigError
from providers.echo import EchoDeployment
from providers.litellm import LiteLLMDeployment
from providers.openai_compatible import OpenAIDeployment
from tests.unit.config_helpers import _error, _one_deployment

DOCUMENTED = """
models:
  gpt:
    description: OpenAI first, Azure as the spare
    deployments:
      - provider: openai
        id: openai-main
        model: gpt-4o-mini
        api_base: https://api.openai.com/v1/
        api_key: ${OPENAI_API_KEY}
        weight: 3
        timeouts: {connect: 2, read: 30, total: 90}
        pricing: {input_cost_per_token: 0.00000015}
      - provider: openai
        model: gpt-4o-mini
        api_base: https://example.openai.azure.com/openai/deployments/x
        api_key: ${AZURE_KEY}
        query_params: {api-version: "2024-06-01"}
  claude:
    deployments:
      - provider: litellm
        model: anthropic/claude-3-5-haiku-latest
        api_key: ${ANTHROPIC_API_KEY}
        params: {max_retries: 0}
  demo:
    deployments:
      - provider: echo
"""

ENV = {"OPENAI_API_KEY": "sk-openai", "AZURE_KEY": "az-key", "ANTHROPIC_API_KEY": "sk-ant"}


# --- the documented shape -------------------------------------------------------------------


def test_documented_catalog_loads_with_every_provider_type() -> None:
    catalog = parse_catalog(DOCUMENTED, "strata.yaml", ENV)
    assert list(catalog.models) == ["gpt", "claude", "demo"]
    gpt = catalog.models["gpt"]
    assert gpt.description == "OpenAI first, Azure as the spare"
    main, azure = gpt.deployments
    assert isinstance(main, OpenAIDeployment) and isinstance(azure, OpenAIDeployment)
    assert main.api_key == "sk-openai" and main.weight == 3
    assert main.api_base == "https://api.openai.com/v1", "a trailing slash is dropped"
    assert (main.timeouts.connect, main.timeouts.read, main.timeouts.total) == (2, 30, 90)
    assert main.pricing.input_cost_per_token == 0.00000015
    assert azure.query_params == {"api-version": "2024-06-01"}
    [claude] = catalog.models["claude"].deployments
    assert isinstance(claude, LiteLLMDeployment)
    assert (claude.model, claude.api_key, claude.params) == (
        "anthropic/claude-3-5-haiku-latest",
        "sk-ant",
        {"max_retries": 0},
    )
    [demo] = catalog.models["demo"].deployments
    assert isinstance(demo, EchoDeployment) and demo.model == "echo"


def test_deployment_ids_default_to_model_and_index() -> None:
    catalog = parse_catalog(DOCUMENTED, "strata.yaml", ENV)
    assert catalog.deployment_id("gpt", 0) == "openai-main"
    assert catalog.deployment_id("gpt", 1) == "gpt/1"
    assert catalog.deployment_id("demo", 0) == "demo/0"


def test_deployment_defaults() -> None:
    catalog = parse_catalog(_one_deployment("{provider: openai, model: m}"), "strata.yaml", {})
    [deployment] = catalog.models["gpt"].deployments
    assert isinstance(deployment, OpenAIDeployment)
    assert deployment.api_base == "https://api.openai.com/v1"
    assert deployment.api_key is None
    assert (deployment.weight, deployment.priority, deployment.tools, deployment.embeddings) == (1.0, 0, True, False)
    assert (deployment.timeouts.connect, deployment.timeouts.read, deployment.timeouts.total) == (5.0, 120.0, 600.0)


def test_load_catalog_reads_the_file(tmp_path: Path) -> None:
    path = tmp_path / "strata.yaml"
    path.write_text(DOCUMENTED, encoding="utf-8")
    assert list(load_catalog(path, ENV).models) == ["gpt", "claude", "demo"]


def test_unreadable_file_names_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(ConfigError, match=r"nope\.yaml: cannot read the config file"):
        load_catalog(missing, {})


# --- ${VAR} references ----------------------------------------------------------------------


def test_env_reference_resolves_from_the_given_environ() -> None:
    text = _one_deployment("{provider: openai, model: '${MODEL}', api_base: 'http://${HOST}:8000/v1', api_key: '${K}'}")
    catalog = parse_catalog(text, "strata.yaml", {"MODEL": "llama", "HOST": "gpu1", "K": "secret"})
    [deployment] = catalog.models["gpt"].deployments
    assert isinstance(deployment, OpenAIDeployment)
    assert (deployment.model, deployment.api_base, deployment.api_key) == ("llama", "http://gpu1:8000/v1", "secret")


def test_env_reference_default_used_only_when_unset() -> None:
    text = _one_deployment(
        "{provider: openai, model: '${MODEL:-gpt-4o-mini}', api_base: '${BASE:-http://localhost:1}'}"
    )
    defaulted = parse_catalog(text, "strata.yaml", {}).models["gpt"].deployments[0]
    assert isinstance(defaulted, OpenAIDeployment)
    assert (defaulted.model, defaulted.api_base) == ("gpt-4o-mini", "http://localhost:1")
    given = parse_catalog(text, "strata.yaml", {"MODEL": "o3"}).models["gpt"].deployments[0]
    assert isinstance(given, OpenAIDeployment) and given.model == "o3"


def test_empty_default_is_allowed() -> None:
    text = _one_deployment("{provider: openai, model: 'm${SUFFIX:-}'}")
    deployment = parse_catalog(text, "strata.yaml", {}).models["gpt"].deployments[0]
    assert isinstance(deployment, OpenAIDeployment) and deployment.model == "m"


def test_env_reference_for_a_number_is_validated_after_substitution() -> None:
    text = _one_deployment("{provider: echo, weight: '${W}'}")
    assert parse_catalog(text, "strata.yaml", {"W": "2.5"}).models["gpt"].deployments[0].weight == 2.5
    message = _error(text, {"W": "-1"})
    assert message.startswith("strata.yaml: models.gpt.deployments[0].weight: ")


def test_missing_env_var_names_file_key_path_and_variable() -> None:
    message = _error(_one_deployment("{provider: openai, model: m, api_key: '${OPENAI_API_KEY}'}"))
    assert message == "strata.yaml: models.gpt.deployments[0].api_key: environment variable OPENAI_API_KEY is not set"


def test_an_api_key_with_a_trailing_newline_is_refused_at_start() -> None:
    """A secret read from a file often ends in a newline; sent as a header it would split the request."""
    text = _one_deployment("{provider: openai, model: m, api_key: '${OPENAI_API_KEY}'}")
    message = _error(text, {"OPENAI_API_KEY": "sk-abc\n"})
    assert message.startswith("strata.yaml: models.gpt.deployments[0].api_key: ")
    assert "line break" in message and "sk-abc" not in message


@pytest.mark.parametrize(
    ("headers", "problem"),
    [("{'bad name': x}", "not a valid HTTP header name"), ('{X-Team: "a\\r\\nInjected: 1"}', "line break")],
)
def test_extra_headers_must_be_sendable(headers: str, problem: str) -> None:
    message = _error(_one_deployment(f"{{provider: openai, model: m, headers: {headers}}}"))
    assert message.startswith("strata.yaml: models.gpt.deployments[0].headers: ") and problem in message


def test_environ_defaults_to_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STRATA_TEST_UPSTREAM_MODEL", "from-os-environ")
    catalog = parse_catalog(_one_deployment("{provider: openai, model: '${STRATA_TEST_UPSTREAM_MODEL}'}"))
    deployment = catalog.models["gpt"].deployments[0]
    assert isinstance(deployment, OpenAIDeployment) and deployment.model == "from-os-environ"
