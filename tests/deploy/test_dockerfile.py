"""The Dockerfile, checked without a Docker engine (none runs on the project's machines): hadolint,
and what it says against the app it packages. Its entrypoint is a real `strata` command, its
environment real settings, its health check a command that passes against a real gateway, and
its build context carries the code but never a local secret."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib

from gateway.config.settings import Settings
from gateway.db import migrate
from tests.deploy.files import (
    ROOT,
    Instruction,
    build_args,
    dockerfile,
    env_of_stage,
    in_build_context,
    parse_cli,
    run,
    tool,
)
from tests.support.gateway import RunningGateway, free_port

INSTRUCTIONS = dockerfile()
FINAL = max(ins.stage for ins in INSTRUCTIONS)


def final(keyword: str) -> list[Instruction]:
    return [ins for ins in INSTRUCTIONS if ins.keyword == keyword and ins.stage == FINAL]


def test_hadolint_finds_nothing() -> None:
    done = run(tool("hadolint"), "Dockerfile")
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_image_is_built_in_stages_on_a_slim_base_and_runs_unprivileged() -> None:
    bases = [ins.value for ins in INSTRUCTIONS if ins.keyword == "FROM"]
    assert len(bases) >= 2 and all("-slim" in base for base in bases), bases
    assert any(ins.value.startswith("--from=") for ins in final("COPY")), "the runtime copies the build's result"
    assert not any("pip install" in ins.value for ins in final("RUN")), "nothing is installed in the runtime stage"
    user = final("USER")[-1]
    uid, _, gid = user.value.partition(":")
    assert uid.isdigit() and int(uid) > 0 and (not gid or int(gid) > 0), user  # numeric: runAsNonRoot can check it
    last_run = max(i for i, ins in enumerate(INSTRUCTIONS) if ins.keyword == "RUN")
    assert INSTRUCTIONS.index(user) > last_run, "USER comes after every RUN"


def test_the_local_extra_is_a_build_argument_and_off_by_default() -> None:
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    default = build_args(INSTRUCTIONS)["EXTRAS"].split(",")
    assert default == ["postgres", "redis"] and set(default) <= set(extras) and "local" in extras
    install = next(ins.value for ins in INSTRUCTIONS if '".[${EXTRAS}]"' in ins.value)
    assert "-c constraints.txt" in install  # the pins (torch's CPU build) apply to the image too
    assert re.search(r"\*,local,\*\) set -- --extra-index-url \"\$\{TORCH_INDEX\}\"", install), install
    assert "requirements/models.txt" in install and "--require-hashes" in install
    assert re.search(r"^torch==", (ROOT / "constraints.txt").read_text(), re.M)


def test_the_entrypoint_is_strata_serve_on_every_address_with_real_settings() -> None:
    (entrypoint,), (cmd,) = final("ENTRYPOINT"), final("CMD")
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert entrypoint.exec_form() == ["strata"] and scripts["strata"] == "gateway.cli:main"
    assert parse_cli(cmd.exec_form()).command == "serve"
    env = env_of_stage(INSTRUCTIONS, FINAL)
    strata = {name: value for name, value in env.items() if name.startswith("STRATA_")}
    settings = _settings_from(strata)
    assert settings.host == "0.0.0.0"
    assert final("EXPOSE")[0].value == str(settings.port)
    assert final("VOLUME")[0].exec_form() == [str(settings.data_dir)]
    assert final("WORKDIR")[-1].value == str(settings.data_dir)  # ./strata.yaml, if any, is in the volume


def test_the_migrations_are_where_strata_db_upgrade_looks_in_the_image() -> None:
    """`gateway/db/migrate.py` finds migrations/ two levels above the package: the image installs
    the code in place (-e) under its WORKDIR, with migrations/ copied beside it."""
    build = [ins for ins in INSTRUCTIONS if ins.stage == 0]
    workdir = next(ins.value for ins in build if ins.keyword == "WORKDIR")
    copies = {ins.value for ins in build if ins.keyword == "COPY"}
    assert {"gateway/ gateway/", "providers/ providers/", "migrations/ migrations/"} <= copies
    assert any("pip install" in ins.value and "-e ." in ins.value for ins in build if ins.keyword == "RUN")
    assert migrate.MIGRATIONS == ROOT / "migrations"  # i.e. {workdir}/migrations in the image
    assert f"--from=build {workdir} {workdir}" in {ins.value for ins in final("COPY")}


def test_the_health_check_passes_against_a_running_gateway_and_fails_without_one(
    running_gateway: RunningGateway,
) -> None:
    (check,) = final("HEALTHCHECK")
    options, _, command = check.value.partition(" CMD ")
    assert "--interval=" in options and "--timeout=" in options
    argv = Instruction("CMD", command, FINAL).exec_form()
    assert argv[0] == "python" and "/health/live" in argv[-1]
    argv[0] = sys.executable  # the image's python is its virtual environment's, as this one is
    port = running_gateway.base_url.rsplit(":", 1)[1]
    ok = subprocess.run(argv, env={**os.environ, "STRATA_PORT": port}, capture_output=True, timeout=30)
    assert ok.returncode == 0, ok.stderr
    down = subprocess.run(argv, env={**os.environ, "STRATA_PORT": str(free_port())}, capture_output=True, timeout=30)
    assert down.returncode != 0


def test_the_build_context_has_what_the_dockerfile_copies_and_no_local_secret() -> None:
    sources = [
        word
        for ins in INSTRUCTIONS
        if ins.keyword == "COPY" and not ins.value.startswith("--from=")
        for word in ins.value.split()[:-1]
    ]
    for source in sources:
        assert (ROOT / source).exists(), source
        assert in_build_context(source), f"{source} is copied but .dockerignore leaves it out"
    for secret in (".strata/master.key", ".strata/secret.key", ".env", "deploy/compose/.env", ".venv/bin/python"):
        assert not in_build_context(secret), secret
    assert not in_build_context("gateway/__pycache__/app.cpython-311.pyc")


def _settings_from(env: dict[str, str]) -> Settings:
    """The settings these variables give (pydantic-settings reads STRATA_* from the environment)."""
    unknown = set(env) - {f"STRATA_{name.upper()}" for name in Settings.model_fields}
    assert not unknown, f"not Strata settings: {sorted(unknown)}"
    return Settings(**{name.removeprefix("STRATA_").lower(): value for name, value in env.items()})
