"""Every YAML file under deploy/ passes yamllint (deploy/.yamllint.yaml)."""

from __future__ import annotations

from tests.deploy.files import DEPLOY, run, tool


def test_yamllint_finds_nothing_in_deploy() -> None:
    files = sorted(DEPLOY.rglob("*.yaml")) + sorted(DEPLOY.rglob("*.yml"))
    assert len(files) >= 10
    done = run(tool("yamllint"), "--strict", "-c", DEPLOY / ".yamllint.yaml", *files)
    assert done.returncode == 0, done.stdout + done.stderr
