"""What a LiteLLM config asked for that Strata would not do is an error naming it, never a warning
the gateway starts past: settings that refuse calls (a required `user`, a route allow-list),
content hooks (`hide_secrets`, `presidio`...), caps on calls in flight and on spend; and a model_info.id
given twice. What has a Strata meaning is carried over: request size limits, a Redis password with
any character, and fallbacks of fallbacks, as LiteLLM follows them."""

from __future__ import annotations

import pytest
import yaml

from gateway.config.catalog import parse_catalog
from gateway.config.errors import ConfigError
from gateway.config.litellm_import import translate
from gateway.config.redis import RedisEndpoint
from gateway.config.settings import Settings

ENV = {"OPENAI_API_KEY": "sk-openai", "REDIS_PASSWORD": "p@ss/w:rd#%x"}


def _model(name: str, model_id: str | None = None) -> str:
    info = f"\n    model_info:\n      id: {model_id}" if model_id else ""
    return (
        f"  - model_name: {name}\n    litellm_params:\n      model: openai/{name}\n"
        f"      api_key: os.environ/OPENAI_API_KEY{info}\n"
    )


def _config(extra: str = "", *models: str) -> str:
    return "model_list:\n" + "".join(models or (_model("gpt"),)) + extra


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ("general_settings:\n  enforce_user_param: true\n", "general_settings.enforce_user_param"),
        ("general_settings:\n  allowed_routes: [/chat/completions]\n", "general_settings.allowed_routes"),
        ("general_settings:\n  enforced_params: [user]\n", "general_settings.enforced_params"),
        ("general_settings:\n  global_max_parallel_requests: 10\n", "general_settings.global_max_parallel_requests"),
        ("litellm_settings:\n  max_end_user_budget: 1\n", "litellm_settings.max_end_user_budget"),
        ("litellm_settings:\n  callbacks: [langfuse, hide_secrets]\n", "hide_secrets"),
        ("litellm_settings:\n  callbacks: [presidio]\n", "presidio"),
    ],
)
def test_a_setting_that_stops_calls_in_litellm_is_an_error_naming_it(extra: str, named: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_catalog(_config(extra), "litellm.yaml", ENV)
    assert named in str(caught.value)


def test_turned_off_settings_and_logging_callbacks_are_only_listed() -> None:
    extra = "general_settings:\n  enforce_user_param: false\nlitellm_settings:\n  success_callback: [langfuse]\n"
    dropped = translate(yaml.safe_load(_config(extra)), "litellm.yaml").dropped
    assert "litellm_settings.success_callback" in dropped


def test_two_deployments_with_one_model_info_id_are_refused() -> None:
    text = _config("", _model("alpha", "shared-id"), _model("beta", "shared-id"))
    with pytest.raises(ConfigError, match="'shared-id' is already the id of models.alpha.deployments"):
        parse_catalog(text, "litellm.yaml", ENV)


def test_two_native_deployments_with_one_id_are_refused() -> None:
    deployment = "{provider: openai, model: m, api_base: 'http://u/v1', api_key: '${OPENAI_API_KEY}', id: same}"
    text = f"models:\n  a:\n    deployments: [{deployment}]\n  b:\n    deployments: [{deployment}]\n"
    with pytest.raises(ConfigError, match="'same' is already the id"):
        parse_catalog(text, "strata.yaml", ENV)


def test_request_size_limits_become_the_gateway_s() -> None:
    extra = "general_settings:\n  max_request_size_mb: 2\n  max_response_size_mb: 1.5\n"
    settings = Settings(**parse_catalog(_config(extra), "litellm.yaml", ENV).settings)
    assert (settings.max_body_bytes, settings.max_response_bytes) == (2 * 1024 * 1024, int(1.5 * 1024 * 1024))


def test_a_redis_password_with_any_character_reaches_redis_intact() -> None:
    extra = "router_settings:\n  redis_host: cache.internal\n  redis_password: os.environ/REDIS_PASSWORD\n"
    settings = Settings(**parse_catalog(_config(extra), "litellm.yaml", ENV).settings)
    assert settings.redis_url is not None
    endpoint = RedisEndpoint.parse(settings.redis_url)
    assert (endpoint.host, endpoint.port, endpoint.password) == ("cache.internal", 6379, ENV["REDIS_PASSWORD"])


def test_fallbacks_of_fallbacks_are_followed_as_litellm_follows_them() -> None:
    extra = "router_settings:\n  fallbacks: [{a: [b]}, {b: [c]}, {c: [a, d]}]\n"
    catalog = parse_catalog(_config(extra, *(_model(n) for n in "abcd")), "litellm.yaml", ENV)
    assert catalog.models["a"].routing.fallbacks == ["b", "c", "d"]
    assert catalog.models["b"].routing.fallbacks == ["c", "a", "d"]
    shallow = extra + "  max_fallbacks: 1\n"
    catalog = parse_catalog(_config(shallow, *(_model(n) for n in "abcd")), "litellm.yaml", ENV)
    assert catalog.models["a"].routing.fallbacks == ["b"]
