"""Gateways with tenancy on, for the overhead benchmark: a virtual key, limits, the usage ledger.

Two set-ups beside the bare pipeline: the embedded default (SQLite, in-process limits) and the
shared one (PostgreSQL in a scratch database, limits in Redis). Each gets a virtual key with its own
rpm / tpm limits and a model with model-level limits, all far too high to refuse anything, so
every call authenticates a virtual key, reserves and settles quotas and writes its usage record.
"""

from __future__ import annotations

import asyncio
import json
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

import yaml

from bench.harness import AUTH, strata_process
from tests.support.postgres import create_database, drop_database, migrate_to_head, sqlalchemy_url

HUGE = {"rpm": 1_000_000_000, "tpm": 1_000_000_000_000}
REDIS_URL = "redis://127.0.0.1:6379/13"
EMBEDDED = "SQLite + in-process limits"
SHARED = "PostgreSQL + Redis"
SQLITE_REDIS = "SQLite + Redis"
POSTGRES_MEMORY = "PostgreSQL + in-process limits"


@dataclass(frozen=True)
class Gateway:
    name: str
    url: str  # the chat completions URL
    pid: int
    headers: dict[str, str]


def catalog(api_base: str, limited: bool) -> str:
    deployment = {"provider": "openai", "model": "fake-model", "api_base": api_base, "api_key": "${BENCH_UPSTREAM_KEY}"}
    model: dict[str, object] = {"deployments": [deployment]}
    if limited:
        model["limits"] = HUGE
    return yaml.safe_dump({"models": {"bench-model": model}})


def _virtual_key(base: str) -> dict[str, str]:
    """A key with its own limits, made through the admin API as a platform team would."""
    body = json.dumps({"name": "bench", "limits": HUGE}).encode()
    request = urllib.request.Request(
        f"{base}/admin/keys", data=body, headers={**AUTH, "content-type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        key = json.loads(response.read())["key"]
    return {"authorization": f"Bearer {key}"}


@contextmanager
def _scratch_postgres() -> Iterator[str]:
    name = asyncio.run(create_database("strata_bench"))
    try:
        url = sqlalchemy_url(name)
        asyncio.run(migrate_to_head(url))
        yield url
    finally:
        asyncio.run(drop_database(name))


@contextmanager
def gateways(api_base: str, shared: bool, breakdown: bool = False) -> Iterator[list[Gateway]]:
    """The bare pipeline, tenancy on the embedded default, and (when ``shared``) on PostgreSQL + Redis.

    ``breakdown`` adds the two mixed set-ups (SQLite + Redis, PostgreSQL + in-process limits), to
    tell what the shared set-up's cost owes to the quota store and what to the ledger's database."""
    # Gateways sharing a database must share the secret that seals its keys (they refuse to start otherwise).
    env = {"BENCH_UPSTREAM_KEY": "upstream-key", "STRATA_SECRET_KEY": "bench-secret-shared-by-every-gateway-here"}
    with ExitStack() as stack:
        base, pid = stack.enter_context(
            strata_process(catalog(api_base, False), {**env, "STRATA_USAGE_RECORDS": "false"})
        )
        found = [Gateway("bare", f"{base}/v1/chat/completions", pid, AUTH)]
        setups = [(EMBEDDED, {})]
        if shared:
            database = stack.enter_context(_scratch_postgres())
            setups.append((SHARED, {"STRATA_DATABASE_URL": database, "STRATA_REDIS_URL": REDIS_URL}))
            if breakdown:
                setups.append((SQLITE_REDIS, {"STRATA_REDIS_URL": REDIS_URL}))
                setups.append((POSTGRES_MEMORY, {"STRATA_DATABASE_URL": database}))
        for name, extra in setups:
            base, pid = stack.enter_context(strata_process(catalog(api_base, True), {**env, **extra}))
            found.append(Gateway(name, f"{base}/v1/chat/completions", pid, _virtual_key(base)))
        yield found
