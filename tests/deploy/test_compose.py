"""deploy/compose: two gateways behind nginx, PostgreSQL, Redis and a one-shot migration, checked
without a Docker engine: the Compose specification's own schema, and what the services say about
each other and about the app (commands, settings, ports, secrets, shutdown time)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gateway.config.catalog import load_catalog
from gateway.config.settings import Settings
from gateway.lifespan import DRAIN_S
from tests.deploy.files import COMPOSE, dockerfile, env_of_stage, parse_cli, run, strata_env_names, tool
from tests.deploy.files import yaml_documents as load
from tests.support.gateway import RunningGateway
from tests.support.require import require_tool

FILE = COMPOSE / "docker-compose.yml"
SPEC: dict[str, Any] = load(FILE)[0]
SERVICES: dict[str, dict[str, Any]] = SPEC["services"]
GATEWAYS = sorted(name for name, service in SERVICES.items() if name.startswith("gateway"))
_VARIABLE = re.compile(r"\$\{([A-Z0-9_]+)(?:(:?[-?])([^}]*))?\}")


def test_the_file_is_valid_under_the_compose_specification() -> None:
    done = run(tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", FILE)
    assert done.returncode == 0, done.stdout + done.stderr


def test_two_gateways_start_only_after_the_migration_and_their_services() -> None:
    assert len(GATEWAYS) == 2
    for name in GATEWAYS:
        gateway = SERVICES[name]
        assert "command" not in gateway, "the image's own command: strata serve"
        assert gateway["depends_on"] == {
            "migrate": {"condition": "service_completed_successfully"},
            "postgres": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
        }
    migrate = SERVICES["migrate"]
    args = parse_cli(migrate["command"])
    assert (args.command, args.db_command, args.revision) == ("db", "upgrade", "head")
    assert migrate["restart"] == "no" and migrate["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert migrate["image"] == SERVICES[GATEWAYS[0]]["image"], "the migration runs the gateways' own code"


def test_every_service_waited_on_has_a_health_check() -> None:
    for name, service in SERVICES.items():
        for needed, how in service.get("depends_on", {}).items():
            assert needed in SERVICES, f"{name} depends on an unknown service {needed}"
            if how["condition"] == "service_healthy":
                assert "healthcheck" in SERVICES[needed], f"{name} waits for {needed} to be healthy; it has no check"
    assert "healthcheck" in SERVICES["nginx"]


def test_nginx_balances_over_both_gateways_on_the_port_they_listen_on() -> None:
    conf = (COMPOSE / "nginx.conf").read_text()
    upstream = re.search(r"upstream strata \{(.*?)\}", conf, re.S)
    assert upstream is not None
    servers = re.findall(r"server ([\w-]+):(\d+)", upstream.group(1))
    image_port = env_of_stage(dockerfile(), 1)["STRATA_PORT"]
    assert servers == [(name, image_port) for name in GATEWAYS]
    assert re.search(r"proxy_buffering off;", conf), "streams must not wait in nginx's buffer"
    nginx = SERVICES["nginx"]
    assert {"gateway-1", "gateway-2"} <= set(nginx["depends_on"])
    assert any(str(port).endswith(":8080") for port in nginx["ports"]) and "listen 8080;" in conf
    assert not any("ports" in SERVICES[name] for name in GATEWAYS), "only nginx is published"


def test_the_gateways_health_check_passes_against_a_ready_gateway(running_gateway: RunningGateway) -> None:
    """The check nginx waits on asks readiness on the image's port (here pointed at a test gateway)."""
    test = SERVICES[GATEWAYS[0]]["healthcheck"]["test"]
    image_port = env_of_stage(dockerfile(), 1)["STRATA_PORT"]
    assert test[0] == "CMD" and f"127.0.0.1:{image_port}/health/ready" in test[-1]
    port = running_gateway.base_url.rsplit(":", 1)[1]
    assert test[1] == "python"
    argv = [sys.executable, *test[2:-1], test[-1].replace(f":{image_port}/", f":{port}/")]
    done = subprocess.run(argv, capture_output=True, timeout=30)
    assert done.returncode == 0, done.stderr


def test_the_gateways_settings_are_real_and_their_secrets_come_from_the_env_file() -> None:
    environment: dict[str, str] = SERVICES[GATEWAYS[0]]["environment"]
    strata = {name: value for name, value in environment.items() if name.startswith("STRATA_")}
    assert set(strata) <= strata_env_names(), sorted(set(strata) - strata_env_names())
    for secret in ("STRATA_MASTER_KEY", "STRATA_SECRET_KEY", "STRATA_DATABASE_URL"):
        assert any(flag == ":?" for _, flag, _ in _VARIABLE.findall(strata[secret])), f"{secret} must be required"
    example = _env_file(COMPOSE / ".env.example")
    referenced = {name for name, _, _ in _VARIABLE.findall(FILE.read_text())}
    required = {name for name, flag, _ in _VARIABLE.findall(FILE.read_text()) if flag == ":?"}
    assert required <= set(example), "every required variable is in .env.example"
    assert referenced <= set(example) | {name for name in referenced if _has_default(name)}
    values = {name: _interpolate(value, example) for name, value in strata.items()}
    settings = Settings(**{name.removeprefix("STRATA_").lower(): value for name, value in values.items()})
    assert settings.database_url is not None and settings.database_url.startswith("postgresql+asyncpg://")
    assert settings.redis_url == "redis://redis:6379/0"


def test_the_catalog_mounted_into_the_gateways_is_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    gateway = SERVICES[GATEWAYS[0]]
    mount = next(volume for volume in gateway["volumes"] if volume.endswith(":ro"))
    source, target, _ = mount.split(":")
    assert gateway["environment"]["STRATA_CONFIG"] == target
    monkeypatch.setenv("OPENAI_API_KEY", "")  # as compose passes it when .env leaves it empty
    catalog = load_catalog(COMPOSE / source)
    assert "strata-echo" in catalog.models


def test_a_stopping_gateway_has_time_to_drain_and_write_its_usage() -> None:
    gateway = SERVICES[GATEWAYS[0]]
    settings = Settings(
        **{
            k.removeprefix("STRATA_").lower(): v
            for k, v in gateway["environment"].items()
            if k in ("STRATA_SHUTDOWN_GRACE_S", "STRATA_SHUTDOWN_DELAY_S", "STRATA_USAGE_SHUTDOWN_TIMEOUT_S")
        }
    )
    needed = settings.shutdown_delay_s + settings.shutdown_grace_s + DRAIN_S + settings.usage_shutdown_timeout_s
    assert _seconds(gateway["stop_grace_period"]) >= needed


def test_nginx_accepts_the_configuration(tmp_path: Path) -> None:
    """nginx's own check (Debian's package, when installed), with the gateways' names pointed at
    local addresses: `nginx -t` resolves every upstream server."""
    nginx = require_tool("nginx", "Debian's nginx-light checks nginx.conf")
    conf = (COMPOSE / "nginx.conf").read_text().replace("gateway-1:", "127.0.0.1:").replace("gateway-2:", "127.0.0.2:")
    (tmp_path / "logs").mkdir()
    (tmp_path / "nginx.conf").write_text(conf)
    done = run(nginx, "-t", "-q", "-p", tmp_path, "-c", tmp_path / "nginx.conf", "-g", f"pid {tmp_path}/nginx.pid;")
    assert done.returncode == 0, done.stderr


def _env_file(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if line and not line.startswith("#"))
    return {name.strip(): value.strip() for name, value in pairs}


def _has_default(name: str) -> bool:
    return any(n == name and flag == ":-" for n, flag, _ in _VARIABLE.findall(FILE.read_text()))


def _interpolate(value: str, env: dict[str, str]) -> str:
    return _VARIABLE.sub(lambda m: env.get(m.group(1)) or (m.group(3) if m.group(2) == ":-" else ""), value)


def _seconds(duration: str) -> float:
    match = re.fullmatch(r"(\d+)(s|m)", duration)
    assert match, duration
    return int(match.group(1)) * (60 if match.group(2) == "m" else 1)
