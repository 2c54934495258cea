"""`strata serve --config litellm.yaml`: a LiteLLM proxy config served as it is, by a real subprocess.

The same behaviour checks run against the LiteLLM file and against the native file that
`strata config import litellm` prints for it: the two must serve alike (same models, pools,
strategies, credentials, retries and fallbacks). The fake upstream records what reached it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from tests.fakes.upstream import FakeUpstream
from tests.support.gateway import free_port, wait_until_ready

USER = [{"role": "user", "content": "Say hello."}]
KEYS = {
    "KEY_A": "sk-upstream-a",
    "KEY_B": "sk-upstream-b",
    "AZURE_KEY": "azure-key-123",
    "MISTRAL_KEY": "sk-mistral",
    "LITELLM_MASTER_KEY": "sk-litellm-master-key-0123456789",
}
DROPPED = [
    "litellm_settings.success_callback",
    "router_settings.enable_pre_call_checks",
    "general_settings.alerting",
    "model_list[0].model_info.base_model",
]


def litellm_config(upstream: FakeUpstream) -> str:
    """A config of the shapes LiteLLM's docs show: a load-balanced pool, Azure, hosted vLLM, a
    litellm-only vendor with its own parameters, fallbacks and router settings, unknown settings."""
    return f"""
model_list:
  - model_name: gpt-4o
    litellm_params: {{model: openai/fake-a, api_base: "{upstream.url}", api_key: os.environ/KEY_A, rpm: 1000}}
    model_info: {{base_model: gpt-4o}}
  - model_name: gpt-4o
    litellm_params: {{model: openai/fake-b, api_base: "{upstream.url}", api_key: os.environ/KEY_B, rpm: 1000}}
  - model_name: azure-gpt
    litellm_params:
      model: azure/my-deployment
      api_base: "{upstream.base_url}/"
      api_key: os.environ/AZURE_KEY
      api_version: "2024-06-01"
  - model_name: vllm
    litellm_params: {{model: hosted_vllm/org/small, api_base: "{upstream.url}"}}
  - model_name: mistral
    litellm_params:
      model: mistral/mistral-small-latest
      api_base: "{upstream.url}"
      api_key: os.environ/MISTRAL_KEY
      temperature: 0.3
  - model_name: flaky
    litellm_params: {{model: openai/flaky-model, api_base: "{upstream.url}", api_key: os.environ/KEY_A}}
  - model_name: backup
    litellm_params: {{model: openai/backup-model, api_base: "{upstream.url}", api_key: os.environ/KEY_B}}
router_settings:
  routing_strategy: simple-shuffle
  num_retries: 1
  allowed_fails: 100
  fallbacks: [{{"flaky": ["backup"]}}]
  enable_pre_call_checks: true
litellm_settings:
  drop_params: true
  success_callback: ["langfuse"]
general_settings:
  master_key: os.environ/LITELLM_MASTER_KEY
  alerting: ["slack"]
"""


def clean_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STRATA_") and k not in KEYS}
    return {**env, **KEYS, "STRATA_DATA_DIR": str(data_dir), "STRATA_LOG_LEVEL": "warning"}


def strata(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "gateway.cli", *args]
    return subprocess.run(command, cwd=cwd, env=clean_env(cwd / "data"), capture_output=True, text=True, timeout=60)


@dataclass
class Served:
    base_url: str
    stderr: Path

    def client(self) -> openai.OpenAI:
        return openai.OpenAI(base_url=f"{self.base_url}/v1", api_key=KEYS["LITELLM_MASTER_KEY"], max_retries=0)

    def admin(self, method: str, path: str) -> Any:
        headers = {"Authorization": f"Bearer {KEYS['LITELLM_MASTER_KEY']}"}
        response = httpx.request(method, f"{self.base_url}{path}", headers=headers, timeout=10)
        response.raise_for_status()
        return response.json()


@contextmanager
def serving(config: Path) -> Iterator[Served]:
    """`strata serve --config CONFIG` in CONFIG's folder, its stderr in a file read at any time."""
    port, stderr = free_port(), config.with_suffix(".stderr")
    command = [sys.executable, "-m", "gateway.cli", "serve", "--config", config.name, "--port", str(port)]
    with stderr.open("w") as sink:
        process = subprocess.Popen(command, cwd=config.parent, env=clean_env(config.parent / "data"), stderr=sink)
    served = Served(f"http://127.0.0.1:{port}", stderr)
    try:
        try:
            wait_until_ready(served.base_url, timeout=60, process=process)
        except (RuntimeError, TimeoutError) as exc:
            raise AssertionError(f"strata serve did not start: {exc}\n{stderr.read_text()}") from None
        yield served
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def litellm_file(upstream_server: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("litellm") / "config.yaml"
    path.write_text(litellm_config(upstream_server))
    return path


@pytest.fixture(scope="module")
def native_file(litellm_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What `strata config import litellm` prints for the LiteLLM file, saved as a strata.yaml."""
    result = strata(["config", "import", "litellm", str(litellm_file)], litellm_file.parent)
    assert result.returncode == 0, result.stderr
    path = tmp_path_factory.mktemp("native") / "strata.yaml"
    path.write_text(result.stdout)
    return path


@pytest.fixture(scope="module")
def litellm_gateway(litellm_file: Path) -> Iterator[Served]:
    with serving(litellm_file) as served:
        yield served


@pytest.fixture(scope="module")
def native_gateway(native_file: Path) -> Iterator[Served]:
    with serving(native_file) as served:
        yield served


@pytest.fixture(params=["litellm", "native"])
def gateway(request: pytest.FixtureRequest, upstream: FakeUpstream) -> Served:
    """Each behaviour check runs on both files; deployments back in rotation, the upstream reset."""
    served: Served = request.getfixturevalue(f"{request.param}_gateway")
    served.admin("POST", "/admin/deployments/reset")
    return served


def sent(upstream: FakeUpstream, model: str) -> list[dict[str, Any]]:
    return [r for r in upstream.requests() if r["body"].get("model") == model]


def test_the_litellm_master_key_and_model_names_are_served(gateway: Served) -> None:
    with gateway.client() as client:
        names = [m.id for m in client.models.list()]
    assert names == ["gpt-4o", "azure-gpt", "vllm", "mistral", "flaky", "backup"]


def test_a_pool_spreads_calls_over_its_deployments_each_with_its_own_key(
    gateway: Served, upstream: FakeUpstream
) -> None:
    with gateway.client() as client:
        for _ in range(20):
            reply = client.chat.completions.create(model="gpt-4o", messages=USER)
            assert reply.model == "gpt-4o"
    a, b = sent(upstream, "fake-a"), sent(upstream, "fake-b")
    assert len(a) + len(b) == 20 and a and b, "simple-shuffle over two equal rpm limits uses both"
    assert {r["headers"]["authorization"] for r in a} == {f"Bearer {KEYS['KEY_A']}"}
    assert {r["headers"]["authorization"] for r in b} == {f"Bearer {KEYS['KEY_B']}"}


def test_azure_is_called_at_its_deployment_url_with_api_version_and_api_key(
    gateway: Served, upstream: FakeUpstream
) -> None:
    with gateway.client() as client:
        stream = client.chat.completions.create(model="azure-gpt", messages=USER, stream=True)
        text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert text == "Hello from the fake upstream."
    [request] = upstream.requests()
    assert request["path"] == "/openai/deployments/my-deployment/chat/completions"
    assert request["query"] == "api-version=2024-06-01"
    assert request["headers"]["api-key"] == KEYS["AZURE_KEY"] and "authorization" not in request["headers"]


def test_hosted_vllm_and_a_litellm_only_vendor_reach_the_upstream_as_configured(
    gateway: Served, upstream: FakeUpstream
) -> None:
    with gateway.client() as client:
        client.chat.completions.create(model="vllm", messages=USER)
        client.chat.completions.create(model="mistral", messages=USER)
    [vllm] = sent(upstream, "org/small")
    assert vllm["path"] == "/v1/chat/completions" and "authorization" not in vllm["headers"]
    [mistral] = sent(upstream, "mistral-small-latest")  # through litellm's mistral provider
    assert mistral["headers"]["authorization"] == f"Bearer {KEYS['MISTRAL_KEY']}"
    assert mistral["body"]["temperature"] == 0.3  # litellm_params reach the vendor as they are


def test_num_retries_retries_the_pool_once_before_the_fallback_answers(gateway: Served, upstream: FakeUpstream) -> None:
    upstream.set_behaviour("flaky-model", status=500, fail_times=1)
    with gateway.client() as client:
        raw = client.chat.completions.with_raw_response.create(model="flaky", messages=USER)
    assert (raw.headers["x-strata-model"], raw.headers["x-strata-attempts"]) == ("flaky", "2")
    upstream.reset()
    upstream.set_behaviour("flaky-model", status=500)
    with gateway.client() as client:
        raw = client.chat.completions.with_raw_response.create(model="flaky", messages=USER)
    assert raw.headers["x-strata-model"] == "backup"
    assert (len(sent(upstream, "flaky-model")), len(sent(upstream, "backup-model"))) == (2, 1)


def test_both_files_serve_the_same_pools_and_strategies(litellm_gateway: Served, native_gateway: Served) -> None:
    def pools(served: Served) -> list[tuple[str, str, list[str]]]:
        models = served.admin("GET", "/admin/deployments")["models"]
        return [(m["model"], m["strategy"], [d["deployment"] for d in m["deployments"]]) for m in models]

    assert pools(litellm_gateway) == pools(native_gateway)
    assert pools(litellm_gateway)[0] == ("gpt-4o", "weighted", ["gpt-4o/0", "gpt-4o/1"])


def test_the_start_warning_lists_exactly_the_dropped_settings(
    litellm_gateway: Served, native_gateway: Served, litellm_file: Path
) -> None:
    [warning] = warnings(litellm_gateway)
    assert warning.startswith("strata: warning: config.yaml is a LiteLLM config; these settings have no Strata")
    listed = warning.split("are ignored: ", 1)[1].removesuffix(" (see docs/litellm.md)").split(", ")
    assert listed == DROPPED
    assert "Generated a master key" not in litellm_gateway.stderr.read_text()  # general_settings.master_key
    assert warnings(native_gateway) == []
    check = strata(["config", "check", litellm_file.name], litellm_file.parent)
    assert check.returncode == 0 and check.stdout.strip() == "config.yaml: OK (6 models, 7 deployments)"
    assert check.stderr.strip() == warning


def warnings(served: Served) -> list[str]:
    return [line for line in served.stderr.read_text().splitlines() if line.startswith("strata: warning:")]


def test_a_litellm_config_strata_cannot_honour_is_refused_at_start(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        "model_list:\n  - {model_name: m, litellm_params: {model: openai/x, api_key: os.environ/KEY_A}}\n"
        "litellm_settings:\n  max_budget: 100\n"
    )
    result = strata(["serve", "--config", "config.yaml", "--port", str(free_port())], tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("strata: invalid configuration\nconfig.yaml: litellm_settings.max_budget:")
