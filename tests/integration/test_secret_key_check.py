"""Gateways that share a database must share STRATA_SECRET_KEY: one started with another secret
refuses to start (exit 2, saying what to set) instead of answering 401 to every key the others
made. Real `strata serve` processes on a scratch PostgreSQL database."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import openai
import pytest

from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import catalog_yaml, openai_deployment, require_service
from tests.support import postgres
from tests.support.gateway import RunningGateway, gateway_process

MASTER = "sk-secret-check-master"
SECRET = "first-secret-key-for-these-gateways"
OTHER = "another-secret-key-nobody-else-uses"
MISMATCH = (
    "STRATA_SECRET_KEY differs from the one the keys in this database were sealed with; "
    "set STRATA_SECRET_KEY to the same value on every gateway sharing STRATA_DATABASE_URL"
)
USER = [{"role": "user", "content": "Say hello."}]


@pytest.fixture()
def database() -> Iterator[str]:
    """A scratch database, migrated the way an operator would: `strata db upgrade`."""
    ok, why = postgres.available()
    require_service("PostgreSQL", ok, why)
    with postgres.scratch_database("strata_secret_check") as name:
        env = {**os.environ, "STRATA_DATABASE_URL": postgres.sqlalchemy_url(name)}
        done = subprocess.run(
            [sys.executable, "-m", "gateway.cli", "db", "upgrade"], env=env, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        yield name


def _env(tmp_path: Path, name: str, database: str, secret: str) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("STRATA_")},
        "STRATA_MASTER_KEY": MASTER,
        "STRATA_SECRET_KEY": secret,
        "STRATA_DATA_DIR": str(tmp_path / name),
        "STRATA_DATABASE_URL": postgres.sqlalchemy_url(database),
        "STRATA_LOG_LEVEL": "warning",
        "FAKE_KEY": "sk-fake-upstream-key",
    }


def _config(tmp_path: Path, upstream: FakeUpstream) -> Path:
    config = tmp_path / "strata.yaml"
    config.write_text(catalog_yaml({"gpt-test": [openai_deployment(upstream.url)]}))
    return config


def _refused(tmp_path: Path, config: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`strata serve` run to its end: it must exit by itself, refusing to start."""
    return subprocess.run(
        [sys.executable, "-m", "gateway.cli", "serve", "--config", str(config)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )


def _new_key(gateway: RunningGateway) -> dict[str, str]:
    response = httpx.post(f"{gateway.base_url}/admin/keys", headers=gateway.headers(), json={"name": "shared"})
    assert response.status_code == 201, response.text
    return dict(response.json())


def _chat(gateway: RunningGateway, key: str) -> None:
    with openai.OpenAI(base_url=gateway.openai_base, api_key=key, max_retries=0, timeout=10) as client:
        assert client.chat.completions.create(model="gpt-test", messages=USER).choices[0].message.content  # type: ignore[arg-type]


def test_a_gateway_with_another_secret_key_refuses_to_start_on_a_shared_database(
    tmp_path: Path, upstream: FakeUpstream, database: str
) -> None:
    config = _config(tmp_path, upstream)
    with gateway_process(["--config", str(config)], tmp_path, _env(tmp_path, "one", database, SECRET)):
        done = _refused(tmp_path, config, _env(tmp_path, "two", database, OTHER))
    assert done.returncode == 2, done.stderr
    assert MISMATCH in done.stderr


def test_gateways_with_the_same_secret_key_serve_each_others_keys(
    tmp_path: Path, upstream: FakeUpstream, database: str
) -> None:
    config = _config(tmp_path, upstream)
    with (
        gateway_process(["--config", str(config)], tmp_path, _env(tmp_path, "one", database, SECRET)) as (one, _),
        gateway_process(["--config", str(config)], tmp_path, _env(tmp_path, "two", database, SECRET)) as (two, _),
    ):
        key = _new_key(one)["key"]
        _chat(one, key)
        _chat(two, key)


def test_a_database_from_before_the_check_adopts_the_secret_that_opens_its_keys(
    tmp_path: Path, upstream: FakeUpstream, database: str
) -> None:
    config = _config(tmp_path, upstream)
    with gateway_process(["--config", str(config)], tmp_path, _env(tmp_path, "one", database, SECRET)) as (one, _):
        key = _new_key(one)["key"]
    asyncio.run(_forget_the_check(database))  # as a database made before the check existed

    done = _refused(tmp_path, config, _env(tmp_path, "two", database, OTHER))
    assert done.returncode == 2, done.stderr
    assert MISMATCH in done.stderr
    with gateway_process(["--config", str(config)], tmp_path, _env(tmp_path, "three", database, SECRET)) as (three, _):
        _chat(three, key)
    assert asyncio.run(_checks(database)) == 1  # adopted: recorded for the gateways to come


async def _forget_the_check(database: str) -> None:
    conn = await asyncpg.connect(postgres.dsn(database))
    try:
        await conn.execute("DELETE FROM gateway_meta")
    finally:
        await conn.close()


async def _checks(database: str) -> int:
    conn = await asyncpg.connect(postgres.dsn(database))
    try:
        return int(await conn.fetchval("SELECT count(*) FROM gateway_meta WHERE name = 'secret_key_check'"))
    finally:
        await conn.close()


def test_the_embedded_database_refuses_a_changed_secret_key(tmp_path: Path, upstream: FakeUpstream) -> None:
    """Changing STRATA_SECRET_KEY on an existing install would break every stored key: refused too."""
    config = _config(tmp_path, upstream)
    env = {k: v for k, v in _env(tmp_path, "data", "unused", SECRET).items() if k != "STRATA_DATABASE_URL"}
    with gateway_process(["--config", str(config)], tmp_path, env) as (gateway, _):
        _new_key(gateway)
    done = _refused(tmp_path, config, {**env, "STRATA_SECRET_KEY": OTHER})
    assert done.returncode == 2, done.stderr
    assert MISMATCH in done.stderr
