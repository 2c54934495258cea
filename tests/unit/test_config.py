"""The YAML catalog an operator writes: its shape, ${ENV} references, and errors that name file and key path."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gateway.config.catalog import default_catalog, load_catalog, parse_catalog
from gateway.config.errors import ConfigError
from gateway.config.loading import load_configuration
from gateway.config.settings import Settings
from providers.echo import EchoDeployment
from providers.litellm import LiteLLMDeployment
from providers.openai_compatible import OpenAIDeployment

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


def _one_deployment(deployment: str) -> str:
    """A catalog with one model `gpt` whose only deployment is the given YAML flow mapping."""
    return f"models:\n  gpt:\n    deployments:\n      - {deployment}\n"


def _error(text: str, environ: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_catalog(text, "strata.yaml", environ or {})
    return str(caught.value)


@pytest.fixture()
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No STRATA_* from the developer's shell, and a cwd without strata.yaml."""
    for name in list(os.environ):
        if name.startswith("STRATA_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


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


# --- secrets are references, never literals ---------------------------------------------------


@pytest.mark.parametrize(
    ("deployment", "key_path", "literal"),
    [
        ("{provider: openai, model: m, api_key: sk-live-123}", "models.gpt.deployments[0].api_key", "sk-live-123"),
        ("{provider: litellm, model: a/b, api_key: 'sk-${PART}'}", "models.gpt.deployments[0].api_key", "sk-"),
        (
            "{provider: litellm, model: a/b, params: {aws_secret_access_key: AKIAxyz}}",
            "models.gpt.deployments[0].params.aws_secret_access_key",
            "AKIAxyz",
        ),
    ],
)
def test_literal_secret_is_refused_without_echoing_it(deployment: str, key_path: str, literal: str) -> None:
    message = _error(_one_deployment(deployment), {"PART": "x"})
    assert message.startswith(f"strata.yaml: {key_path}: secrets are never written in the file")
    assert literal not in message


def test_literal_secret_message_suggests_a_reference() -> None:
    message = _error(_one_deployment("{provider: openai, model: m, api_key: sk-live-123}"))
    assert "${API_KEY}" in message


def test_literal_master_key_in_settings_block_is_refused() -> None:
    # Regression: the gateway's admin key was once accepted in clear in the settings block.
    text = "settings:\n  master_key: sk-admin-literal\nmodels:\n  m:\n    deployments: [{provider: echo}]\n"
    message = _error(text)
    assert message.startswith("strata.yaml: settings.master_key: secrets are never written in the file")


# --- bad values name the key path -------------------------------------------------------------


@pytest.mark.parametrize(
    ("deployment", "expected"),
    [
        (
            "{provider: echo, weight: -1}",
            "strata.yaml: models.gpt.deployments[0].weight: Input should be greater than 0",
        ),
        (
            "{provider: echo, weight: 0}",
            "strata.yaml: models.gpt.deployments[0].weight: Input should be greater than 0",
        ),
        (
            "{provider: openai, model: m, api_base: ftp://host/v1}",
            "strata.yaml: models.gpt.deployments[0].api_base: Value error, must be an http:// or https:// URL",
        ),
        (
            "{provider: openai, model: m, api_base: api.openai.com}",
            "strata.yaml: models.gpt.deployments[0].api_base: Value error, must be an http:// or https:// URL",
        ),
        (
            "{provider: openai, model: m, wieght: 2}",
            "strata.yaml: models.gpt.deployments[0].wieght: Extra inputs are not permitted",
        ),
        (
            "{provider: openai, model: m, timeouts: {read: 0}}",
            "strata.yaml: models.gpt.deployments[0].timeouts.read: Input should be greater than 0",
        ),
        ("{provider: openai}", "strata.yaml: models.gpt.deployments[0].model: Field required"),
        (
            "{provider: echo, rpm: 0}",
            "strata.yaml: models.gpt.deployments[0].rpm: Input should be greater than or equal to 1",
        ),
    ],
)
def test_bad_deployment_value_names_the_key_path(deployment: str, expected: str) -> None:
    assert _error(_one_deployment(deployment)) == expected


def test_unknown_provider_type_names_the_deployment_and_the_choices() -> None:
    message = _error(_one_deployment("{provider: bedrock, model: m}"))
    assert message.startswith("strata.yaml: models.gpt.deployments[0]: ")
    assert "'bedrock'" in message
    for known in ("openai", "litellm", "echo"):
        assert known in message


def test_missing_provider_type_names_the_deployment() -> None:
    message = _error(_one_deployment("{model: m}"))
    assert message.startswith("strata.yaml: models.gpt.deployments[0]: ")
    assert "provider" in message


def test_unknown_top_level_key_is_a_typo() -> None:
    message = _error("model:\n  gpt:\n    deployments: [{provider: echo}]\n")
    assert "strata.yaml: model: Extra inputs are not permitted" in message
    assert "strata.yaml: models: Field required" in message


def test_unknown_model_key_is_a_typo() -> None:
    message = _error("models:\n  gpt:\n    deployment: [{provider: echo}]\n")
    assert "strata.yaml: models.gpt.deployment: Extra inputs are not permitted" in message


def test_empty_deployments_list() -> None:
    message = _error("models:\n  gpt:\n    deployments: []\n")
    assert message.startswith("strata.yaml: models.gpt.deployments: List should have at least 1 item")


def test_no_models() -> None:
    assert _error("models: {}\n").startswith("strata.yaml: models: Dictionary should have at least 1 item")
    assert _error("settings: {port: 1}\n") == "strata.yaml: models: Field required"


def test_model_name_with_surrounding_spaces() -> None:
    message = _error("models:\n  ' gpt':\n    deployments: [{provider: echo}]\n")
    assert message.startswith("strata.yaml: models: Value error, model name ' gpt'")


def test_every_problem_is_reported_one_per_line() -> None:
    text = "models:\n  a:\n    deployments: [{provider: echo, weight: -1}]\n  b:\n    deployments: []\n"
    lines = _error(text).splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("strata.yaml: models.a.deployments[0].weight: ")
    assert lines[1].startswith("strata.yaml: models.b.deployments: ")


def test_a_model_named_like_a_provider_keeps_its_name_in_the_path() -> None:
    message = _error("models:\n  openai:\n    deployments: [{provider: openai, model: m, api_base: x}]\n")
    assert message.startswith("strata.yaml: models.openai.deployments[0].api_base: ")


# --- not YAML, or not a catalog ---------------------------------------------------------------


def test_invalid_yaml_names_the_file() -> None:
    message = _error("models:\n  gpt: [unclosed\n")
    assert message.startswith("strata.yaml: not valid YAML: ")
    assert "line" in message


@pytest.mark.parametrize("text", ["", "- a\n- b\n", "just a string\n"])
def test_top_level_must_be_a_mapping(text: str) -> None:
    assert _error(text) == "strata.yaml: the top level must be a mapping with a 'models' key"


# --- settings: the file's block, under STRATA_* -----------------------------------------------

SETTINGS_FILE = """
settings:
  port: 5000
  host: 0.0.0.0
  log_level: debug
models:
  demo:
    deployments: [{provider: echo}]
"""


def test_settings_block_is_used(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "custom.yaml"
    path.write_text(SETTINGS_FILE, encoding="utf-8")
    settings, catalog = load_configuration(path)
    assert (settings.port, settings.host, settings.log_level) == (5000, "0.0.0.0", "debug")
    assert settings.config == path
    assert list(catalog.models) == ["demo"]


def test_strata_env_vars_override_the_settings_block(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "custom.yaml"
    path.write_text(SETTINGS_FILE, encoding="utf-8")
    clean_env.setenv("STRATA_PORT", "6000")
    clean_env.setenv("STRATA_LOG_LEVEL", "warning")
    settings, _ = load_configuration(path)
    assert (settings.port, settings.log_level) == (6000, "warning")
    assert settings.host == "0.0.0.0", "what the environment does not set still comes from the file"


def test_strata_config_env_var_picks_the_file(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "elsewhere.yaml"
    path.write_text(SETTINGS_FILE, encoding="utf-8")
    clean_env.setenv("STRATA_CONFIG", str(path))
    settings, catalog = load_configuration()
    assert settings.config == path and list(catalog.models) == ["demo"]


def test_strata_yaml_in_cwd_is_picked_up(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "strata.yaml").write_text(SETTINGS_FILE, encoding="utf-8")
    settings, catalog = load_configuration()
    assert settings.port == 5000 and list(catalog.models) == ["demo"]


def test_explicit_config_argument_is_the_one_reported(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Regression: STRATA_CONFIG (the environment outranks init values) once made settings.config
    # name a file other than the one actually loaded.
    loaded = tmp_path / "loaded.yaml"
    loaded.write_text(SETTINGS_FILE, encoding="utf-8")
    clean_env.setenv("STRATA_CONFIG", str(tmp_path / "other.yaml"))
    settings, catalog = load_configuration(loaded)
    assert list(catalog.models) == ["demo"]
    assert settings.config == loaded


def test_bad_settings_value_names_settings_key(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("settings:\n  port: 70000\nmodels:\n  m:\n    deployments: [{provider: echo}]\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_configuration(path)
    assert str(caught.value).startswith(f"{path}: settings.port: Input should be less than or equal to 65535")


def test_unknown_settings_key_is_refused(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("settings:\n  prot: 1\nmodels:\n  m:\n    deployments: [{provider: echo}]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad\.yaml: settings\.prot: Extra inputs are not permitted"):
        load_configuration(path)


def test_bad_env_setting_names_the_variable(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("STRATA_PORT", "eighty")
    with pytest.raises(ConfigError) as caught:
        load_configuration()
    assert str(caught.value).startswith("environment: STRATA_PORT: Input should be a valid integer")


def test_catalog_error_from_load_configuration_names_the_file(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "strata.yaml"
    path.write_text(_one_deployment("{provider: echo, weight: -1}"), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_configuration(path)
    assert str(caught.value).startswith(f"{path}: models.gpt.deployments[0].weight: ")


def test_no_config_uses_the_embedded_default_catalog(clean_env: pytest.MonkeyPatch) -> None:
    settings, catalog = load_configuration()
    assert settings.config is None
    assert list(catalog.models) == ["strata-echo", "strata-demo-gpt", "all-minilm-l6-v2"]  # local: needs the extra
    [deployment] = catalog.models["strata-echo"].deployments
    assert isinstance(deployment, EchoDeployment)
    assert default_catalog() == catalog


def test_settings_defaults(clean_env: pytest.MonkeyPatch) -> None:
    settings = Settings()
    assert (settings.host, settings.port, settings.workers) == ("127.0.0.1", 4000, 1)
    assert settings.data_dir == Path(".strata")
    assert settings.database_url_or_default == f"sqlite+aiosqlite:///{Path('.strata/strata.db').resolve()}"


def test_command_line_overrides_win_and_none_means_not_given(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("STRATA_PORT", "6000")
    settings = Settings().with_overrides(host="0.0.0.0", port=None)
    assert (settings.host, settings.port) == ("0.0.0.0", 6000)
