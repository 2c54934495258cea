"""An empty STRATA_ALERT_WEBHOOK_SECRET (``${UNSET_VAR}`` in a deploy template) is refused like an
empty master key: signed with an empty key, every alert webhook could be forged by anyone."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.gateway import free_port

CATALOG = "models:\n  m:\n    deployments: [{provider: echo}]\n"
REFUSED = "STRATA_ALERT_WEBHOOK_SECRET: Value error, is empty: set a secret, or unset it"


def strata(args: list[str], cwd: Path, secret: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STRATA_")}
    env.update(STRATA_DATA_DIR=str(cwd / "data"), STRATA_ALERT_WEBHOOK_SECRET=secret)
    return subprocess.run(
        [sys.executable, "-m", "gateway.cli", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize("secret", ["", "   "], ids=["empty", "blank"])
def test_config_check_refuses_an_empty_webhook_secret(tmp_path: Path, secret: str) -> None:
    (tmp_path / "strata.yaml").write_text(CATALOG, encoding="utf-8")
    result = strata(["config", "check", "strata.yaml"], tmp_path, secret)
    assert result.returncode != 0
    assert "settings.alert_webhook_secret: Value error, is empty" in result.stderr
    assert "OK" not in result.stdout


def test_the_server_does_not_start_with_an_empty_webhook_secret(tmp_path: Path) -> None:
    (tmp_path / "strata.yaml").write_text(CATALOG, encoding="utf-8")
    result = strata(["serve", "--port", str(free_port()), "--config", "strata.yaml"], tmp_path, "")
    assert result.returncode != 0
    assert REFUSED in result.stderr and "Traceback" not in result.stderr


def test_a_set_webhook_secret_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "strata.yaml").write_text(CATALOG, encoding="utf-8")
    result = strata(["config", "check", "strata.yaml"], tmp_path, "whsec-a-real-one")
    assert result.returncode == 0, result.stderr
