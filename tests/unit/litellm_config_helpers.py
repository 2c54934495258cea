"""What the LiteLLM config tests (test_litellm_config_*.py) share: an environment, three config.yaml files
of shapes LiteLLM's documentation shows (a basic model list, a load-balanced pool, reliability
settings), and loading one as a Strata catalog."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from gateway.config.catalog import Catalog, parse_catalog
from gateway.config.errors import ConfigError
from gateway.config.litellm_import import translate

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
