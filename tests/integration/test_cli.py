"""The `strata` command as an operator runs it: real subprocesses, a clean environment, an empty directory."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import openai
import pytest

from tests.support.gateway import free_port, wait_until_ready

GOOD = """
models:
  demo:
    deployments:
      - provider: echo
  gpt:
    deployments:
      - provider: openai
        model: gpt-4o-mini
        api_key: ${OPENAI_API_KEY:-unused}
      - provider: echo
"""

BAD_API_BASE = """
models:
  gpt:
    deployments:
      - provider: openai
        model: gpt-4o-mini
        api_base: api.openai.com/v1
"""
BAD_API_BASE_ERROR = "models.gpt.deployments[0].api_base: Value error, must be an http:// or https:// URL"


def clean_env(**extra: str) -> dict[str, str]:
    """The caller's environment without any STRATA_* setting, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STRATA_")}
    return {**env, **extra}


def strata(
    args: Sequence[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gateway.cli", *args],
        cwd=cwd,
        env=clean_env() if env is None else env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@dataclass
class Served:
    base_url: str
    stderr: str = ""  # complete once the server has stopped

    def client(self, key: str) -> openai.OpenAI:
        return openai.OpenAI(base_url=f"{self.base_url}/v1", api_key=key, max_retries=0, timeout=10)


@contextmanager
def serving(
    cwd: Path, args: Sequence[str] = (), env: dict[str, str] | None = None, base_url: str | None = None
) -> Iterator[Served]:
    """`strata serve ARGS` in ``cwd``; without a base_url, a free port is passed with --port."""
    if base_url is None:
        port = free_port()
        args, base_url = [*args, "--port", str(port)], f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "serve", *args],
        cwd=cwd,
        env=clean_env() if env is None else env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    served = Served(base_url)
    try:
        try:
            wait_until_ready(base_url, timeout=30, process=process)
        except (RuntimeError, TimeoutError) as exc:
            process.kill()
            _, err = process.communicate(timeout=15)
            raise AssertionError(f"strata serve did not start: {exc}\n{err}") from None
        yield served
    finally:
        if process.poll() is None:
            process.terminate()
        try:
            _, served.stderr = process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            _, served.stderr = process.communicate()


def _ready(base_url: str, timeout: float = 120.0) -> httpx.Response:
    """/health/ready once it says ready (or the last answer): local models load after start."""
    deadline = time.monotonic() + timeout
    while (ready := httpx.get(f"{base_url}/health/ready", timeout=5)).status_code != 200:
        if time.monotonic() > deadline:
            break
        time.sleep(0.2)
    return ready


def _generated_key(stderr: str) -> str:
    lines = stderr.splitlines()
    [index] = [i for i, line in enumerate(lines) if line.startswith("Generated a master key")]
    return lines[index + 1].strip()


def _echo_roundtrip(served: Served, key: str) -> None:
    """The embedded default model answers through the real openai SDK, whole and streamed."""
    with served.client(key) as client:
        reply = client.chat.completions.create(
            model="strata-echo", messages=[{"role": "user", "content": "hello from the cli test"}]
        )
        assert reply.choices[0].message.content == "hello from the cli test"
        assert reply.model == "strata-echo"
        stream = client.chat.completions.create(
            model="strata-echo",
            messages=[{"role": "user", "content": "streamed words arrive"}],
            stream=True,
            stream_options={"include_usage": True},
        )
        chunks = list(stream)
        assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "streamed words arrive"
        assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == 3
        assert [m.id for m in client.models.list()] == ["strata-echo", "strata-demo-gpt", "all-minilm-l6-v2"]


# --- strata config check ----------------------------------------------------------------------


def test_config_check_accepts_a_good_file(tmp_path: Path) -> None:
    (tmp_path / "strata.yaml").write_text(GOOD, encoding="utf-8")
    result = strata(["config", "check", "strata.yaml"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "strata.yaml: OK (2 models, 3 deployments)"


def test_config_check_names_file_key_path_and_problem(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(BAD_API_BASE, encoding="utf-8")
    result = strata(["config", "check", "bad.yaml"], tmp_path)
    assert result.returncode != 0
    assert result.stderr.strip() == f"bad.yaml: {BAD_API_BASE_ERROR}"
    assert "OK" not in result.stdout


def test_config_check_names_a_missing_variable(tmp_path: Path) -> None:
    text = "models:\n  gpt:\n    deployments:\n      - {provider: openai, model: m, api_key: '${OPENAI_API_KEY}'}\n"
    (tmp_path / "strata.yaml").write_text(text, encoding="utf-8")
    env = {k: v for k, v in clean_env().items() if k != "OPENAI_API_KEY"}
    result = strata(["config", "check", "strata.yaml"], tmp_path, env)
    assert result.returncode != 0
    expected = "strata.yaml: models.gpt.deployments[0].api_key: environment variable OPENAI_API_KEY is not set"
    assert result.stderr.strip() == expected
    with_var = strata(["config", "check", "strata.yaml"], tmp_path, clean_env(OPENAI_API_KEY="sk-x"))
    assert with_var.returncode == 0, with_var.stderr


def test_config_check_of_a_missing_file(tmp_path: Path) -> None:
    result = strata(["config", "check", "nope.yaml"], tmp_path)
    assert result.returncode != 0
    assert result.stderr.startswith("nope.yaml: cannot read the config file")
    assert "Traceback" not in result.stderr


def test_version(tmp_path: Path) -> None:
    result = strata(["--version"], tmp_path)
    assert result.returncode == 0 and result.stdout.startswith("strata ")


# --- strata serve refuses a bad configuration ---------------------------------------------------


def test_serve_with_a_bad_config_exits_with_the_message(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(BAD_API_BASE, encoding="utf-8")
    result = strata(["serve", "--config", "bad.yaml", "--port", str(free_port())], tmp_path)
    assert result.returncode != 0
    assert result.stderr == f"strata: invalid configuration\nbad.yaml: {BAD_API_BASE_ERROR}\n"
    assert not (tmp_path / ".strata").exists(), "nothing is created for a config that does not load"


def test_serve_refuses_a_bad_strata_yaml_in_the_working_directory(tmp_path: Path) -> None:
    (tmp_path / "strata.yaml").write_text("models:\n  gpt: [unclosed\n", encoding="utf-8")
    result = strata(["serve", "--port", str(free_port())], tmp_path)
    assert result.returncode != 0
    assert result.stderr.startswith("strata: invalid configuration\nstrata.yaml: not valid YAML: ")
    assert "Traceback" not in result.stderr


def test_serve_refuses_a_bad_environment_setting(tmp_path: Path) -> None:
    result = strata(["serve"], tmp_path, clean_env(STRATA_PORT="eighty"))
    assert result.returncode != 0
    assert "environment: STRATA_PORT: Input should be a valid integer" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_refuses_a_literal_secret(tmp_path: Path) -> None:
    text = "models:\n  gpt:\n    deployments:\n      - {provider: openai, model: m, api_key: sk-live-secret}\n"
    (tmp_path / "strata.yaml").write_text(text, encoding="utf-8")
    result = strata(["serve", "--port", str(free_port())], tmp_path)
    assert result.returncode != 0
    assert "strata.yaml: models.gpt.deployments[0].api_key: secrets are never written in the file" in result.stderr
    assert "sk-live-secret" not in result.stderr


@pytest.mark.parametrize("command", [["serve"], ["db", "upgrade"]], ids=["serve", "db-upgrade"])
def test_an_unreachable_database_is_one_line_naming_it_without_its_password(tmp_path: Path, command: list[str]) -> None:
    closed = free_port()
    url = f"postgresql+asyncpg://strata:hunter2pw@127.0.0.1:{closed}/strata"
    result = strata(
        [*command, *(["--port", str(free_port())] if command == ["serve"] else [])],
        tmp_path,
        clean_env(STRATA_DATABASE_URL=url),
    )
    assert result.returncode == 1
    assert result.stderr.startswith(
        f"strata: cannot use the database at postgresql+asyncpg://strata:***@127.0.0.1:{closed}/strata: "
    )
    assert "Traceback" not in result.stderr and "hunter2pw" not in result.stderr


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--port", "83686"], "argument --port: 83686 is not between 0 and 65535"),  # it listened on 18150
        (["--workers", "0"], "argument --workers: 0 is not between 1 and 1024"),
        (["--port", "http"], "argument --port: 'http' is not a whole number"),
    ],
)
def test_serve_refuses_flags_out_of_range(tmp_path: Path, flags: list[str], message: str) -> None:
    result = strata(["serve", *flags], tmp_path)
    assert result.returncode == 2 and message in result.stderr


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_default_guardrail_that_does_not_exist_stops_the_start_with_one_line_and_status_3(
    tmp_path: Path, workers: str
) -> None:
    """With --workers 2 the supervisor exited 0 (a process manager's "clean stop"); the one line
    that said what was wrong sat at the end of a traceback. Then it exited 3, but only once the ping
    of a worker that had already died timed out (30 s): now it stops as soon as the workers do."""
    (tmp_path / "strata.yaml").write_text(
        "models:\n  m:\n    guardrails: [nope]\n    deployments: [{provider: echo}]\n"
    )
    result = strata(["serve", "--port", str(free_port()), "--workers", workers], tmp_path, timeout=25)
    assert result.returncode == 3
    assert "invalid configuration\\nmodels.m.guardrails[0]: no guardrail 'nope'" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_certificate_that_cannot_serve_https_is_refused_before_anything_starts(tmp_path: Path) -> None:
    (tmp_path / "not-a-cert.pem").write_text("not a certificate\n")
    missing = strata(["serve", "--port", str(free_port()), "--ssl-certfile", "absent.pem"], tmp_path)
    broken = strata(["serve", "--port", str(free_port()), "--ssl-certfile", "not-a-cert.pem"], tmp_path)
    assert (
        missing.returncode == 2
        and missing.stderr == "strata: cannot use the TLS certificate: absent.pem: no such file\n"
    )
    assert broken.returncode == 2 and broken.stderr.startswith("strata: cannot use the TLS certificate not-a-cert.pem:")
    assert not (tmp_path / ".strata").exists()  # nothing generated, nothing announced


def test_a_misspelt_setting_in_the_environment_is_named_with_what_was_meant(tmp_path: Path) -> None:
    (tmp_path / "strata.yaml").write_text("models:\n  m:\n    deployments: [{provider: echo}]\n")
    result = strata(["config", "check", "strata.yaml"], tmp_path, clean_env(STRATA_PROT="8080"))
    assert result.returncode == 0
    assert "strata: warning: environment: STRATA_PROT is not a setting (did you mean STRATA_PORT?)" in result.stderr


# --- first start with nothing configured --------------------------------------------------------


def test_first_start_generates_a_master_key_once_and_reuses_it(tmp_path: Path) -> None:
    with serving(tmp_path) as first:
        ready = _ready(first.base_url)  # the embedded local models load in the background first
        assert ready.status_code == 200 and ready.json()["status"] == "ready"
        key_file = tmp_path / ".strata" / "master.key"
        key = key_file.read_text(encoding="utf-8").strip()
        assert key.startswith("sk-strata-")
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        _echo_roundtrip(first, key)
        with first.client("sk-wrong") as wrong, pytest.raises(openai.AuthenticationError):
            wrong.chat.completions.create(model="strata-echo", messages=[{"role": "user", "content": "hi"}])
    assert _generated_key(first.stderr) == key
    assert first.stderr.count(key) == 1, "the key is shown exactly once"
    assert "the embedded default catalog" in first.stderr
    assert "Traceback" not in first.stderr

    with serving(tmp_path) as second:
        _echo_roundtrip(second, key)
    assert "Generated a master key" not in second.stderr
    assert key not in second.stderr
    assert key_file.read_text(encoding="utf-8").strip() == key


# --- where it listens and where it keeps its data -----------------------------------------------


def test_host_and_port_flags_are_respected(tmp_path: Path) -> None:
    port = free_port()
    base_url = f"http://127.0.0.2:{port}"
    with serving(tmp_path, ["--host", "127.0.0.2", "--port", str(port)], base_url=base_url) as served:
        assert _ready(base_url).status_code == 200
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://127.0.0.1:{port}/health/live", timeout=5)
    assert f"on http://127.0.0.2:{port}" in served.stderr


def test_environment_settings_apply_and_flags_win(tmp_path: Path) -> None:
    env_port, flag_port = free_port(), free_port()
    env = clean_env(STRATA_HOST="127.0.0.2", STRATA_PORT=str(env_port))
    with serving(tmp_path, ["--port", str(flag_port)], env, base_url=f"http://127.0.0.2:{flag_port}") as served:
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://127.0.0.2:{env_port}/health/live", timeout=5)
    assert f"on http://127.0.0.2:{flag_port}" in served.stderr


def test_data_dir_from_the_environment_holds_the_key(tmp_path: Path) -> None:
    data_dir = tmp_path / "state" / "strata"
    with serving(tmp_path, env=clean_env(STRATA_DATA_DIR=str(data_dir))) as served:
        key = (data_dir / "master.key").read_text(encoding="utf-8").strip()
        _echo_roundtrip(served, key)
    assert stat.S_IMODE((data_dir / "master.key").stat().st_mode) == 0o600
    assert not (tmp_path / ".strata").exists()
    assert _generated_key(served.stderr) == key
    assert str(data_dir / "master.key") in served.stderr


def test_serve_with_a_config_file_and_a_master_key_from_the_environment(tmp_path: Path) -> None:
    (tmp_path / "custom.yaml").write_text(GOOD, encoding="utf-8")
    with serving(tmp_path, ["--config", "custom.yaml"], clean_env(STRATA_MASTER_KEY="sk-from-env")) as served:
        with served.client("sk-from-env") as client:
            assert sorted(m.id for m in client.models.list()) == ["demo", "gpt"]
            reply = client.chat.completions.create(model="demo", messages=[{"role": "user", "content": "hi there"}])
            assert reply.choices[0].message.content == "hi there"
    assert "serving demo, gpt from custom.yaml" in served.stderr
    assert "Generated a master key" not in served.stderr and "sk-from-env" not in served.stderr
    assert not (tmp_path / ".strata" / "master.key").exists(), "a key from the environment is never written down"
