"""Helpers shared by the admin API tests: calls, a gateway over SQLite or a scratch PostgreSQL
database, and writing rows straight into that database (as old code or a person might have)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import StartGateway, catalog_yaml, openai_deployment, require_service
from tests.support import postgres
from tests.support.gateway import RunningGateway

USER = [{"role": "user", "content": "Say hello."}]


@dataclass
class Store:
    """Where a test's gateways keep teams and keys; ``settings`` start a gateway on it (again)."""

    kind: str
    data_dir: Path
    database: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)

    def execute(self, statement: str) -> None:
        """Run one SQL statement on the store directly, behind the gateway's back."""
        if self.database is None:
            with sqlite3.connect(self.data_dir / "strata.db") as conn:
                conn.execute(statement)
            return
        asyncio.run(_pg_execute(postgres.dsn(self.database), statement))


async def _pg_execute(dsn: str, statement: str) -> None:
    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def stores(kind: str, tmp_path: Path) -> Iterator[Store]:
    """A fresh, empty store of one kind (a scratch PostgreSQL database is dropped afterwards)."""
    data_dir = tmp_path / "store"
    if kind == "sqlite":
        yield Store(kind, data_dir, settings={"data_dir": data_dir})
        return
    ok, why = postgres.available()
    require_service("PostgreSQL", ok, why)
    with postgres.scratch_database("strata_admin") as name:
        url = postgres.sqlalchemy_url(name)
        asyncio.run(postgres.migrate_to_head(url))
        yield Store(kind, data_dir, name, {"data_dir": data_dir, "database_url": url})


def start_on(store: Store, upstream: FakeUpstream, start_gateway: StartGateway, **settings: Any) -> RunningGateway:
    """A gateway with models gpt-a and gpt-b over the fake upstream, keeping its state in ``store``."""
    config = catalog_yaml(
        {
            "gpt-a": [openai_deployment(upstream.url, "model-a")],
            "gpt-b": [openai_deployment(upstream.url, "model-b")],
        }
    )
    return start_gateway(config, **{"key_cache_ttl_s": 30, **store.settings, **settings})


def admin(
    gateway: RunningGateway, method: str, path: str, headers: dict[str, str] | None = None, **kwargs: Any
) -> httpx.Response:
    headers = {**gateway.headers(), **(headers or {})}
    return httpx.request(method, f"{gateway.base_url}/admin{path}", headers=headers, timeout=10, **kwargs)


def created(gateway: RunningGateway, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = admin(gateway, "POST", path, json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def chat(gateway: RunningGateway, key: str, model: str = "gpt-a") -> httpx.Response:
    """One chat completion with ``key``, as a raw HTTP call (the status is what the tests look at)."""
    body = {"model": model, "messages": USER}
    return httpx.post(f"{gateway.openai_base}/chat/completions", json=body, headers=gateway.headers(key), timeout=10)
