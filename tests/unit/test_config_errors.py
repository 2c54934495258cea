"""Catalog errors name the file and the key path: secrets written as literals (never echoed), bad
values, unknown or missing keys and providers, every problem on its own line, and text that is not
YAML or not a catalog."""

from __future__ import annotations

import pytest

from tests.unit.config_helpers import _error, _one_deployment

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
