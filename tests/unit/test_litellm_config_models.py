"""A LiteLLM proxy config.yaml's model_list loads as a Strata catalog: each model_name served by the
direct OpenAI provider or through LiteLLM (keeping a vendor's parameters), entries sharing a name as
one weighted pool, Azure deployments, hosted vLLM, named credentials and model group aliases.

Each config is of a shape LiteLLM's docs show (proxy/configs, routing, reliability, Azure,
credentials); the catalog it becomes is checked field by field.
"""

from __future__ import annotations

from gateway.config.settings import Settings
from providers.litellm import LiteLLMDeployment
from providers.openai_compatible import OpenAIDeployment
from tests.unit.litellm_config_helpers import BASIC, ENV, LOAD_BALANCED, dropped, error, load, only


def test_a_basic_model_list_serves_each_model_name_through_the_direct_openai_provider() -> None:
    catalog = load(BASIC)
    assert list(catalog.models) == ["gpt-4o", "text-embedding-3-small", "mini"]
    gpt = only(catalog, "gpt-4o")
    assert isinstance(gpt, OpenAIDeployment)
    assert (gpt.model, gpt.api_base, gpt.api_key) == ("gpt-4o", "https://api.openai.com/v1", "sk-openai")
    assert only(catalog, "text-embedding-3-small").embeddings is True
    bare = only(catalog, "mini")  # no prefix: LiteLLM sends it to OpenAI with OPENAI_API_KEY
    assert isinstance(bare, OpenAIDeployment) and (bare.model, bare.api_key) == ("gpt-4o-mini", "sk-openai")
    assert Settings(**catalog.settings).master_key is not None
    assert catalog.settings == {"master_key": "sk-master-1234567890"}
    assert catalog.unmapped_warning is None


def test_several_entries_with_one_model_name_are_one_pool_weighted_by_rpm() -> None:
    pool = load(LOAD_BALANCED).models["gpt-4o"]
    azure, direct = pool.deployments
    assert pool.routing.strategy == "weighted"
    assert (azure.weight, direct.weight) == (900, 100)  # simple-shuffle weighs by rpm when no weight is set
    assert (azure.rpm, direct.rpm) == (900, 100)
    assert direct.id == "openai-direct" and direct.api_key == "sk-openai-2"


def test_an_azure_deployment_gets_its_url_api_version_and_api_key_header() -> None:
    azure = load(LOAD_BALANCED).models["gpt-4o"].deployments[0]
    assert isinstance(azure, OpenAIDeployment)
    assert azure.api_base == "https://my-endpoint-europe.openai.azure.com/openai/deployments/gpt-4o-eu"
    assert azure.query_params == {"api-version": "2024-06-01"}
    assert azure.headers == {"api-key": "az-key"} and azure.api_key is None  # no Bearer header to Azure


def test_azure_reads_its_base_key_and_version_from_the_environment_as_litellm_does() -> None:
    text = "model_list:\n  - model_name: a\n    litellm_params: {model: azure/dep}\n"
    azure = only(load(text, {**ENV, "AZURE_API_VERSION": "2024-10-21"}), "a")
    assert azure.api_base == "https://from-env.openai.azure.com/openai/deployments/dep"  # no double slash
    assert azure.query_params == {"api-version": "2024-10-21"} and azure.headers == {"api-key": "az-key"}
    assert "AZURE_API_KEY is not set" in error(text, {"AZURE_API_BASE": "https://x.openai.azure.com"})


def test_a_litellm_only_vendor_keeps_its_parameters_as_they_are() -> None:
    text = """
model_list:
  - model_name: claude-bedrock
    litellm_params:
      model: bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0
      aws_region_name: us-east-1
      aws_secret_access_key: os.environ/AWS_SECRET
      temperature: 0.2
      input_cost_per_token: 0.000003
      output_cost_per_token: 0.000015
      tpm: 100000
"""
    bedrock = only(load(text), "claude-bedrock")
    assert isinstance(bedrock, LiteLLMDeployment)
    assert bedrock.model == "bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0"
    assert bedrock.params == {"aws_region_name": "us-east-1", "aws_secret_access_key": "aws-secret", "temperature": 0.2}
    assert (bedrock.pricing.input_cost_per_token, bedrock.pricing.output_cost_per_token) == (0.000003, 0.000015)
    assert bedrock.tpm == 100000


def test_an_openai_deployment_with_default_request_parameters_goes_through_litellm_to_keep_them() -> None:
    text = "model_list:\n  - {model_name: m, litellm_params: {model: openai/gpt-4o, temperature: 0.1}}\n"
    deployment = only(load(text), "m")
    assert isinstance(deployment, LiteLLMDeployment)
    assert deployment.model == "openai/gpt-4o" and deployment.params == {"temperature": 0.1}


def test_hosted_vllm_goes_to_the_direct_provider_at_its_api_base() -> None:
    text = (
        "model_list:\n  - {model_name: v, litellm_params: {model: hosted_vllm/org/m, api_base: 'http://h:8000/v1'}}\n"
    )
    vllm = only(load(text), "v")
    assert isinstance(vllm, OpenAIDeployment)
    assert (vllm.model, vllm.api_base, vllm.api_key) == ("org/m", "http://h:8000/v1", "")


def test_a_named_credential_fills_the_deployments_parameters() -> None:
    text = """
credential_list:
  - credential_name: azure-eu
    credential_values: {api_key: os.environ/AZURE_API_KEY, api_base: "https://eu.openai.azure.com"}
model_list:
  - {model_name: m, litellm_params: {model: azure/dep, litellm_credential_name: azure-eu, api_version: v1}}
"""
    azure = only(load(text), "m")
    assert azure.api_base == "https://eu.openai.azure.com/openai/v1" and azure.headers == {"api-key": "az-key"}
    assert azure.query_params == {}


def test_model_group_alias_is_another_name_for_the_model() -> None:
    text = BASIC + "router_settings:\n  model_group_alias: {gpt-4: gpt-4o, old: {model: mini, hidden: true}}\n"
    catalog = load(text)
    assert catalog.models["gpt-4o"].aliases == ["gpt-4"] and catalog.models["mini"].aliases == ["old"]


def test_a_wildcard_entry_is_listed_as_dropped_and_the_named_models_are_served() -> None:
    text = BASIC.replace(
        "general_settings:", "  - model_name: '*'\n    litellm_params: {model: '*'}\ngeneral_settings:"
    )
    assert list(load(text).models) == ["gpt-4o", "text-embedding-3-small", "mini"]
    assert dropped(text) == ["model_list[3]"]
    assert "no model Strata can serve" in error("model_list:\n  - {model_name: '*', litellm_params: {model: '*'}}\n")
