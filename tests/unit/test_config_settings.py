"""Settings: the config file's `settings` block under STRATA_* variables and command-line overrides,
which file is loaded (argument, STRATA_CONFIG, ./strata.yaml, or the embedded default catalog), and
errors that name the setting or the variable."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gateway.config.catalog import default_catalog
from gateway.config.errors import ConfigError
from gateway.config.loading import load_configuration
from gateway.config.settings import Settings
from providers.echo import EchoDeployment
from tests.unit.config_helpers import _one_deployment


@pytest.fixture()
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No STRATA_* from the developer's shell, and a cwd without strata.yaml."""
    for name in list(os.environ):
        if name.startswith("STRATA_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


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
