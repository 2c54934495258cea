"""A LiteLLM proxy config.yaml's references and leftovers: os.environ/ references (missing ones named
where the file wrote them, environment_variables as defaults, accepted in native files too),
settings without a counterpart listed in one warning, and what Strata cannot honour or use an error
naming the LiteLLM key.

Each config is of a shape LiteLLM's docs show (proxy/configs, routing, reliability, Azure,
credentials); the catalog it becomes is checked field by field.
"""

from __future__ import annotations

import pytest
import yaml

from gateway.config.litellm_import import translate, warning
from tests.unit.litellm_config_helpers import BASIC, ENV, dropped, error, load, only


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
