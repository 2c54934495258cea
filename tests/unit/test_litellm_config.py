"""A LiteLLM proxy config.yaml, as its documentation shows them, loads as a Strata catalog.

Each config below is of a shape LiteLLM's docs show (proxy/configs, routing, reliability, Azure,
credentials); the catalog it becomes is checked field by field, and the printed native file
(`strata config import litellm`) must load into the very same catalog.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from gateway.config.catalog import Catalog, parse_catalog
from gateway.config.errors import ConfigError
from gateway.config.litellm_import import translate, warning
from gateway.config.litellm_import.render import import_litellm_command, render
from gateway.config.settings import Settings
from providers.litellm import LiteLLMDeployment
from providers.openai_compatible import OpenAIDeployment

ENV = {
    "OPENAI_API_KEY": "sk-openai",
    "OPENAI_KEY_2": "sk-openai-2",
    "AZURE_API_KEY": "az-key",
    "AZURE_API_BASE": "https://from-env.openai.azure.com/",
    "ANTHROPIC_API_KEY": "sk-ant",
    "AWS_SECRET": "aws-secret",
    "LITELLM_MASTER_KEY": "sk-master-1234567890",
    "REDIS_PASSWORD": "redis-pass",
    "DATABASE_URL": "postgresql://user:pw@db:5432/litellm",
}

BASIC = """
model_list:
  - model_name: gpt-4o
    litellm_params:
      model: openai/gpt-4o
      api_key: os.environ/OPENAI_API_KEY
  - model_name: text-embedding-3-small
    litellm_params:
      model: openai/text-embedding-3-small
      api_key: os.environ/OPENAI_API_KEY
  - model_name: mini
    litellm_params:
      model: gpt-4o-mini
general_settings:
  master_key: os.environ/LITELLM_MASTER_KEY
"""

LOAD_BALANCED = """
model_list:
  - model_name: gpt-4o
    litellm_params:
      model: azure/gpt-4o-eu
      api_base: https://my-endpoint-europe.openai.azure.com/
      api_key: os.environ/AZURE_API_KEY
      api_version: "2024-06-01"
      rpm: 900
  - model_name: gpt-4o
    litellm_params:
      model: openai/gpt-4o
      api_key: os.environ/OPENAI_KEY_2
      rpm: 100
    model_info:
      id: openai-direct
router_settings:
  routing_strategy: simple-shuffle
"""

RELIABILITY = """
model_list:
  - model_name: gpt-4o
    litellm_params: {model: openai/gpt-4o, api_key: os.environ/OPENAI_API_KEY, timeout: 1000, stream_timeout: 5}
  - model_name: claude
    litellm_params: {model: anthropic/claude-3-5-sonnet-20240620, api_key: os.environ/ANTHROPIC_API_KEY}
  - model_name: gpt-4o-long
    litellm_params: {model: openai/gpt-4o, api_key: os.environ/OPENAI_API_KEY, max_retries: 4}
router_settings:
  routing_strategy: latency-based-routing
  num_retries: 2
  timeout: 30
  allowed_fails: 3
  cooldown_time: 60
  fallbacks: [{"gpt-4o": ["claude"]}]
  context_window_fallbacks: [{"gpt-4o": ["gpt-4o-long"]}]
  content_policy_fallbacks: [{"*": ["claude"]}]
  redis_host: redis.internal
  redis_port: 6380
  redis_password: os.environ/REDIS_PASSWORD
"""


def load(text: str, environ: dict[str, str] | None = None) -> Catalog:
    return parse_catalog(text, "litellm.yaml", ENV if environ is None else environ)


def error(text: str, environ: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as caught:
        load(text, environ)
    return str(caught.value)


def dropped(text: str) -> list[str]:
    return list(translate(yaml.safe_load(text), "litellm.yaml").dropped)


def only(catalog: Catalog, model: str) -> Any:
    [deployment] = catalog.models[model].deployments
    return deployment


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


def test_router_settings_become_each_models_routing() -> None:
    catalog = load(RELIABILITY)
    gpt = catalog.models["gpt-4o"].routing
    assert gpt.strategy == "latency"
    assert gpt.retries.attempts == 3  # num_retries counts retries after the first attempt
    assert (gpt.circuit.consecutive_failures, gpt.circuit.cooldown_s) == (4, 60)
    assert gpt.fallbacks == ["claude"]
    assert gpt.context_window_fallbacks == ["gpt-4o-long"]
    assert gpt.content_policy_fallbacks == ["claude"]
    assert catalog.models["claude"].routing.content_policy_fallbacks == []  # "*" never names itself
    assert catalog.models["gpt-4o-long"].routing.content_policy_fallbacks == ["claude"]
    assert catalog.models["gpt-4o"].routing.deadline_s == 1000  # the longest timeout of the pool


def test_timeouts_come_from_the_deployment_or_else_from_router_settings() -> None:
    catalog = load(RELIABILITY)
    own = only(catalog, "gpt-4o").timeouts
    assert (own.total, own.read, own.first_byte) == (1000, 1000, 5)
    assert only(catalog, "claude").timeouts.total == 30


def test_deployment_max_retries_sets_the_pools_attempts_when_no_num_retries_is_given() -> None:
    text = RELIABILITY.replace("  num_retries: 2\n", "")
    assert load(text).models["gpt-4o-long"].routing.retries.attempts == 5


def test_redis_settings_become_strata_redis_url_and_general_settings_the_database() -> None:
    text = RELIABILITY + "general_settings:\n  database_url: os.environ/DATABASE_URL\n"
    settings = Settings(**load(text).settings)
    assert settings.redis_url == "redis://:redis-pass@redis.internal:6380"
    assert settings.database_url == "postgresql+asyncpg://user:pw@db:5432/litellm"


@pytest.mark.parametrize(
    ("strategy", "expected"),
    [
        ("simple-shuffle", "weighted"),
        ("least-busy", "least_busy"),
        ("latency-based-routing", "latency"),
        ("usage-based-routing", "usage"),
        ("usage-based-routing-v2", "usage"),
        ("cost-based-routing", "cost"),
    ],
)
def test_each_litellm_routing_strategy_has_its_strata_counterpart(strategy: str, expected: str) -> None:
    text = BASIC + f"router_settings:\n  routing_strategy: {strategy}\n"
    assert load(text).models["gpt-4o"].routing.strategy == expected


def test_order_makes_the_pool_try_the_lowest_order_first() -> None:
    text = """
model_list:
  - {model_name: m, litellm_params: {model: openai/a, api_key: os.environ/OPENAI_API_KEY, order: 2}}
  - {model_name: m, litellm_params: {model: openai/b, api_key: os.environ/OPENAI_API_KEY, order: 1}}
"""
    pool = load(text).models["m"]
    assert pool.routing.strategy == "priority" and [d.priority for d in pool.deployments] == [2, 1]


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


def test_os_environ_reference_to_a_missing_variable_names_it_where_the_file_wrote_it() -> None:
    message = error(BASIC, {"LITELLM_MASTER_KEY": "sk-master-1234567890"})
    assert message.splitlines() == [
        "litellm.yaml: model_list[0].litellm_params.api_key: environment variable OPENAI_API_KEY is not set"
    ]


def test_environment_variables_are_defaults_for_references() -> None:
    text = BASIC.replace("model: gpt-4o-mini", "model: gpt-4o-mini\n      api_base: os.environ/MINI_BASE")
    text += "environment_variables:\n  MINI_BASE: http://mini.local/v1\n  UNUSED_SETTING: x\n"
    assert only(load(text), "mini").api_base == "http://mini.local/v1"
    assert only(load(text, {**ENV, "MINI_BASE": "http://env.local/v1"}), "mini").api_base == "http://env.local/v1"
    assert dropped(text) == ["environment_variables.UNUSED_SETTING"]


def test_every_setting_without_a_counterpart_is_listed_in_one_warning() -> None:
    text = (
        BASIC.replace("model: gpt-4o-mini", "model: gpt-4o-mini\n    model_info: {base_model: gpt-4o-mini, mode: chat}")
        + """
litellm_settings:
  drop_params: true
  success_callback: ["langfuse"]
  cache: true
router_settings:
  num_retries: 1
  enable_pre_call_checks: true
mcp_servers: {wiki: {url: "http://x"}}
"""
    ).replace("general_settings:\n", "general_settings:\n  store_model_in_db: true\n")
    expected = [
        "mcp_servers",
        "litellm_settings.success_callback",
        "litellm_settings.cache",
        "router_settings.enable_pre_call_checks",
        "general_settings.store_model_in_db",
        "model_list[2].model_info.base_model",
    ]
    assert dropped(text) == expected
    assert load(text).unmapped_warning == warning(translate(yaml.safe_load(text), "litellm.yaml"))
    assert load(text).unmapped_warning == (
        "litellm.yaml is a LiteLLM config; these settings have no Strata counterpart and are ignored: "
        + ", ".join(expected)
        + " (see docs/litellm.md)"
    )


@pytest.mark.parametrize(
    ("extra", "path"),
    [
        ("litellm_settings:\n  max_budget: 100\n", "litellm_settings.max_budget"),
        ("litellm_settings:\n  callbacks: custom_callbacks.proxy_handler_instance\n", "litellm_settings.callbacks"),
        ("general_settings:\n  custom_auth: custom_auth.user_api_key_auth\n", "general_settings.custom_auth"),  # merged
        ("guardrails:\n  - guardrail_name: pii\n    litellm_params: {guardrail: presidio}\n", "guardrails"),
        (
            "router_settings:\n  provider_budget_config: {openai: {budget_limit: 1}}\n",
            "router_settings.provider_budget_config",
        ),
        ("include:\n  - more_models.yaml\n", "include"),
    ],
)
def test_a_setting_strata_cannot_honour_is_an_error_naming_it(extra: str, path: str) -> None:
    if extra.startswith("general_settings:\n"):  # BASIC has the section: one section, both settings
        text = BASIC.replace("general_settings:\n", extra)
    else:
        text = BASIC + extra
    assert error(text).startswith(f"litellm.yaml: {path}: Strata cannot")


def test_a_secret_written_in_the_file_is_refused_with_what_to_write_instead() -> None:
    message = error("model_list:\n  - {model_name: m, litellm_params: {model: openai/x, api_key: sk-live-123}}\n")
    assert message.startswith("litellm.yaml: model_list[0].litellm_params.api_key: secrets are never written")
    assert "os.environ/API_KEY" in message and "sk-live-123" not in message


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("router_settings:\n  routing_strategy: lar1\n", "router_settings.routing_strategy: 'lar1' has no Strata"),
        ("router_settings:\n  fallbacks: [{gpt-4o: [nope]}]\n", "no model_name 'nope' in model_list"),
        ("router_settings:\n  num_retries: 50\n", "router_settings.num_retries: must be a whole number"),
    ],
)
def test_router_settings_strata_cannot_use_name_the_litellm_key(extra: str, expected: str) -> None:
    assert expected in error(BASIC + extra)


def test_a_bad_value_is_located_in_the_litellm_file() -> None:
    message = error(BASIC.replace("model: gpt-4o-mini", "model: gpt-4o-mini\n      rpm: 0"))
    assert "models.mini.deployments[0].rpm" in message and "(LiteLLM model_list[2])" in message


def test_a_file_mixing_both_formats_is_refused() -> None:
    assert "a config is one or the other" in error(BASIC + "models:\n  x:\n    deployments: [{provider: echo}]\n")


def test_a_native_file_accepts_os_environ_references_too() -> None:
    text = "models:\n  m:\n    deployments: [{provider: openai, model: x, api_key: os.environ/OPENAI_API_KEY}]\n"
    assert only(load(text), "m").api_key == "sk-openai"


@pytest.mark.parametrize("text", [BASIC, LOAD_BALANCED, RELIABILITY])
def test_the_printed_native_file_loads_into_the_same_catalog(text: str, tmp_path: Path) -> None:
    source = tmp_path / "litellm.yaml"
    source.write_text(text)
    printed = import_litellm_command(source)
    native = parse_catalog(printed, "strata.yaml", ENV)
    assert native.model_dump() == parse_catalog(text, str(source), ENV).model_dump()
    assert not [line for line in printed.splitlines() if "os.environ" in line and not line.startswith("#")]
    assert native.unmapped_warning is None


def test_the_printed_file_says_where_values_came_from_and_what_was_left_out() -> None:
    printed = render(translate(yaml.safe_load(RELIABILITY + "litellm_settings:\n  cache: true\n"), "litellm.yaml"))
    assert "strategy: latency  # router_settings.routing_strategy: latency-based-routing" in printed
    assert "consecutive_failures: 4  # router_settings.allowed_fails: 3, plus one" in printed
    assert "#   litellm_settings.cache: Strata's response cache is per model" in printed
    assert "redis_url: redis://redis.internal:6380" in printed
    assert "redis_password: ${REDIS_PASSWORD}" in printed


def test_config_import_refuses_a_native_file(tmp_path: Path) -> None:
    native = tmp_path / "strata.yaml"
    native.write_text("models:\n  m:\n    deployments: [{provider: echo}]\n")
    with pytest.raises(ConfigError, match="not a LiteLLM config"):
        import_litellm_command(native)


def test_a_wildcard_entry_is_listed_as_dropped_and_the_named_models_are_served() -> None:
    text = BASIC.replace(
        "general_settings:", "  - model_name: '*'\n    litellm_params: {model: '*'}\ngeneral_settings:"
    )
    assert list(load(text).models) == ["gpt-4o", "text-embedding-3-small", "mini"]
    assert dropped(text) == ["model_list[3]"]
    assert "no model Strata can serve" in error("model_list:\n  - {model_name: '*', litellm_params: {model: '*'}}\n")
