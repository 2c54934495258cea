"""`strata config import litellm`: the native file it prints loads into the very same catalog as the
LiteLLM config.yaml, says where each value came from and what was left out, and a native file is
refused."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from gateway.config.catalog import parse_catalog
from gateway.config.errors import ConfigError
from gateway.config.litellm_import import translate
from gateway.config.litellm_import.render import import_litellm_command, render
from tests.unit.litellm_config_helpers import BASIC, ENV, LOAD_BALANCED, RELIABILITY


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
