"""Config files that would hang or crash the start are refused in a sentence naming the file:
nested YAML aliases (a few hundred bytes that expand to billions of values), an alias that holds
itself, nesting too deep, bytes that are not UTF-8; and `strata config check` refuses what
`strata serve` refuses, the settings block included."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.cli import main
from gateway.config.catalog import load_catalog
from gateway.config.errors import ConfigError

BOMB = "\n".join(
    [
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
        *(f"{n}: &{n} [{','.join(['*' + p] * 9)}]" for p, n in zip("abcdefgh", "bcdefghi", strict=True)),
        "models: *i",
    ]
)


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (BOMB, "expands to more than"),
        ("models: &a\n  x: *a\n", "holds itself"),
        ("models:\n  m: " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply"),
    ],
    ids=["alias-bomb", "alias-cycle", "deep"],
)
def test_a_hostile_yaml_file_is_refused_in_a_sentence(tmp_path: Path, content: str, says: str) -> None:
    path = tmp_path / "strata.yaml"
    path.write_text(content)
    with pytest.raises(ConfigError, match=says) as raised:
        load_catalog(path)
    assert str(path) in str(raised.value)


def test_a_file_that_is_not_utf8_is_refused_in_a_sentence(tmp_path: Path) -> None:
    path = tmp_path / "strata.yaml"
    path.write_bytes(b"\xff\xfe\x00models: {}")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_catalog(path)


def test_config_check_refuses_an_unknown_setting_as_serve_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "strata.yaml"
    path.write_text("models:\n  echo:\n    deployments: [{provider: echo}]\nsettings:\n  nonsense: 2\n")
    assert main(["config", "check", str(path)]) == 1
    assert "settings.nonsense" in capsys.readouterr().err
