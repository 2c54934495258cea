"""Virtual keys while the database cannot be asked: keys the gateway knows keep working, unknown
ones get a fast 503 with Retry-After, a hanging database costs a call at most the lookup timeout,
and everything works again promptly once the database is back.

The gateway reaches a real PostgreSQL through a TCP proxy that the test cuts (connections
refused) or blackholes (accepted, never answered: a hanging database).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import asyncpg
import httpx
import openai
import pytest
from botocore.exceptions import ClientError

from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import (
    StartGateway,
    assert_openai_error,
    catalog_yaml,
    openai_deployment,
    require_redis,
    require_service,
)
from tests.support import postgres
from tests.support.bedrock import bedrock_catalog, isolate_aws_environment, sigv4_client
from tests.support.gateway import RunningGateway
from tests.support.tcp_proxy import TcpProxy

USER = [{"role": "user", "content": "Say hello."}]
SECRET = "outage-test-secret-key-shared-by-every-gateway"
TTL_S = 0.3
LOOKUP_TIMEOUT_S = 1.0
UNKNOWN_KEY = "sk-strata_0123456789abcdef-not-a-key-this-gateway-has-ever-seen"


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    ok, why = postgres.available()
    require_service("PostgreSQL", ok, why)
    with postgres.scratch_database("strata_key_outage") as name:
        asyncio.run(postgres.migrate_to_head(postgres.sqlalchemy_url(name)))
        yield name


@pytest.fixture()
def proxy() -> Iterator[TcpProxy]:
    with TcpProxy("127.0.0.1", 5432) as running:
        yield running


def through(proxy: TcpProxy, database: str) -> str:
    return f"postgresql+asyncpg://postgres@127.0.0.1:{proxy.port}/{database}"


def start(start_gateway: StartGateway, config: str, database_url: str, **settings: Any) -> RunningGateway:
    options: dict[str, Any] = {
        "database_url": database_url,
        "secret_key": SECRET,
        "key_cache_ttl_s": TTL_S,
        "key_lookup_timeout_s": LOOKUP_TIMEOUT_S,
        "usage_flush_interval_s": 0.1,
        "usage_shutdown_timeout_s": 2,
        **settings,
    }
    return start_gateway(config, **options)


def admin(gateway: RunningGateway, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(f"{gateway.base_url}/admin{path}", headers=gateway.headers(), json=body, timeout=10)
    assert response.status_code == 201, response.text
    return dict(response.json())


def client(gateway: RunningGateway, key: str, timeout: float = LOOKUP_TIMEOUT_S + 3) -> openai.OpenAI:
    return openai.OpenAI(base_url=gateway.openai_base, api_key=key, max_retries=0, timeout=timeout)


def chat(gateway: RunningGateway, key: str) -> str:
    """One chat call that must succeed; its x-request-id."""
    with client(gateway, key) as sdk:
        raw = sdk.chat.completions.with_raw_response.create(model="gpt-test", messages=USER)  # type: ignore[arg-type]
        assert raw.parse().choices[0].message.content
        return raw.headers["x-request-id"]


def refused(gateway: RunningGateway, key: str) -> openai.APIStatusError:
    with client(gateway, key) as sdk, pytest.raises(openai.APIStatusError) as caught:
        sdk.chat.completions.create(model="gpt-test", messages=USER)  # type: ignore[arg-type]
    return caught.value


def assert_unavailable(error: openai.APIStatusError) -> None:
    """A 503 in OpenAI's shape that says when to come back: never a 500, never a 401."""
    assert_openai_error(error.response, 503)
    assert int(error.response.headers["retry-after"]) >= 1
    assert error.response.json()["error"]["type"] == "service_unavailable"


def timed(action: Callable[[], Any]) -> tuple[Any, float]:
    started = time.monotonic()
    result = action()
    return result, time.monotonic() - started


def eventually(action: Callable[[], Any], within_s: float) -> Any:
    """``action()``'s result once it stops raising, trying for ``within_s``."""
    deadline = time.monotonic() + within_s
    while True:
        try:
            return action()
        except (AssertionError, openai.APIError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def usage_rows(database: str, request_ids: list[str]) -> dict[str, tuple[str | None, str | None]]:
    async def fetch() -> dict[str, tuple[str | None, str | None]]:
        conn = await asyncpg.connect(postgres.dsn(database))
        try:
            rows = await conn.fetch(
                "SELECT request_id, key_id, team_id FROM usage_records WHERE request_id = ANY($1)", request_ids
            )
        finally:
            await conn.close()
        return {row["request_id"]: (row["key_id"], row["team_id"]) for row in rows}

    return asyncio.run(fetch())


@pytest.fixture()
def config(upstream: FakeUpstream) -> str:
    return catalog_yaml({"gpt-test": [openai_deployment(upstream.url)]})


def test_known_keys_keep_working_while_the_database_is_down_and_their_usage_names_them(
    database: str, proxy: TcpProxy, config: str, start_gateway: StartGateway
) -> None:
    gateway = start(start_gateway, config, through(proxy, database))
    team = admin(gateway, "/teams", {"name": "outage-team"})
    key = admin(gateway, "/keys", {"name": "outage-key", "team_id": team["id"]})
    chat(gateway, key["key"])  # now known to this gateway

    proxy.cut()
    time.sleep(TTL_S * 2)  # its cache entry has expired: the database would be asked now
    served = [chat(gateway, key["key"]) for _ in range(3)]

    error, elapsed = timed(lambda: refused(gateway, UNKNOWN_KEY))
    assert_unavailable(error)
    assert elapsed < LOOKUP_TIMEOUT_S / 2

    proxy.restore()
    written = eventually(lambda: _all_written(database, served), within_s=10)
    assert set(written.values()) == {(key["id"], team["id"])}
    eventually(partial(_answered_401, gateway), within_s=5)  # the database answers again: truly unknown


def _answered_401(gateway: RunningGateway) -> None:
    assert refused(gateway, UNKNOWN_KEY).status_code == 401


def _all_written(database: str, request_ids: list[str]) -> dict[str, tuple[str | None, str | None]]:
    rows = usage_rows(database, request_ids)
    assert set(rows) == set(request_ids), rows
    return rows


def test_a_hanging_database_costs_a_call_at_most_the_lookup_timeout_and_calls_recover_after_it(
    database: str, proxy: TcpProxy, config: str, start_gateway: StartGateway
) -> None:
    gateway = start(start_gateway, config, through(proxy, database))
    known = admin(gateway, "/keys", {"name": "known"})
    waiting = [admin(gateway, "/keys", {"name": f"first-seen-{i}"}) for i in range(3)]
    chat(gateway, known["key"])

    proxy.blackhole()
    time.sleep(TTL_S * 2)
    _, first = timed(lambda: chat(gateway, known["key"]))  # at most one lookup timeout, then from the cache
    assert first < LOOKUP_TIMEOUT_S + 1.0
    for key in waiting:  # never seen by this gateway: nothing to serve them from
        error, elapsed = timed(partial(refused, gateway, key["key"]))
        assert_unavailable(error)
        assert elapsed < LOOKUP_TIMEOUT_S + 1.0
    error, elapsed = timed(lambda: refused(gateway, UNKNOWN_KEY))
    assert_unavailable(error)
    assert elapsed < LOOKUP_TIMEOUT_S / 2  # the database is known to hang: no fresh wait for the timeout
    _, again = timed(lambda: chat(gateway, known["key"]))
    assert again < LOOKUP_TIMEOUT_S / 2

    proxy.restore()
    for key in waiting:
        eventually(partial(chat, gateway, key["key"]), within_s=8)
    chat(gateway, known["key"])


def test_a_key_is_served_from_the_cache_only_up_to_the_stale_limit(
    database: str, proxy: TcpProxy, config: str, start_gateway: StartGateway
) -> None:
    gateway = start(start_gateway, config, through(proxy, database), key_stale_max_s=1.5)
    key = admin(gateway, "/keys", {"name": "bounded"})
    chat(gateway, key["key"])
    proxy.cut()
    time.sleep(TTL_S * 2)
    chat(gateway, key["key"])
    time.sleep(1.5)
    assert_unavailable(refused(gateway, key["key"]))


def test_a_revocation_seen_through_redis_wins_over_the_stale_cache(
    database: str, proxy: TcpProxy, config: str, start_gateway: StartGateway
) -> None:
    redis_url = require_redis("redis://127.0.0.1:6379/12")
    direct = start(start_gateway, config, postgres.sqlalchemy_url(database), redis_url=redis_url)
    cut_off = start(start_gateway, config, through(proxy, database), redis_url=redis_url)
    key = admin(direct, "/keys", {"name": "to-revoke"})
    chat(cut_off, key["key"])
    proxy.cut()
    time.sleep(TTL_S * 2)
    chat(cut_off, key["key"])  # stale, but known

    revoked = httpx.post(f"{direct.base_url}/admin/keys/{key['id']}/revoke", headers=direct.headers(), timeout=10)
    assert revoked.status_code == 200, revoked.text
    error = eventually(lambda: refused(cut_off, key["key"]), within_s=3)
    assert error.status_code in (401, 503)


def test_sigv4_with_a_known_key_works_while_the_database_is_down(
    database: str, proxy: TcpProxy, upstream: FakeUpstream, start_gateway: StartGateway, monkeypatch: Any
) -> None:
    isolate_aws_environment(monkeypatch)
    gateway = start(start_gateway, bedrock_catalog(upstream.url), through(proxy, database))
    key = admin(gateway, "/keys", {"name": "sigv4"})
    runtime = sigv4_client("bedrock-runtime", gateway, key_id=key["id"], secret=key["key"])
    stranger = sigv4_client("bedrock-runtime", gateway, key_id="strata_fedcba9876543210", secret="sk-strata_x-y")
    hello = [{"role": "user", "content": [{"text": "Say hello."}]}]
    try:
        assert runtime.converse(modelId="gpt-test", messages=hello)["output"]["message"]["content"]
        proxy.cut()
        time.sleep(TTL_S * 2)
        assert runtime.converse(modelId="gpt-test", messages=hello)["output"]["message"]["content"]

        started = time.monotonic()
        with pytest.raises(ClientError) as caught:
            stranger.converse(modelId="gpt-test", messages=hello)
        assert time.monotonic() - started < LOOKUP_TIMEOUT_S / 2
        assert caught.value.response["Error"]["Code"] == "ServiceUnavailableException"
        assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
        assert int(caught.value.response["ResponseMetadata"]["HTTPHeaders"]["retry-after"]) >= 1
    finally:
        runtime.close()
        stranger.close()


def test_the_admin_api_answers_503_while_the_database_is_down_and_works_again_after(
    database: str, proxy: TcpProxy, config: str, start_gateway: StartGateway
) -> None:
    gateway = start(start_gateway, config, through(proxy, database))
    admin(gateway, "/keys", {"name": "listed"})
    proxy.cut()
    for path in ("/admin/keys", "/admin/usage/totals", "/admin/teams"):
        response = httpx.get(f"{gateway.base_url}{path}", headers=gateway.headers(), timeout=20)
        assert response.status_code == 503, (path, response.text)
        assert response.json()["error"]["type"] == "service_unavailable"
        assert int(response.headers["retry-after"]) >= 1
    proxy.restore()
    eventually(partial(_keys_listed, gateway), within_s=10)


def _keys_listed(gateway: RunningGateway) -> None:
    response = httpx.get(f"{gateway.base_url}/admin/keys", headers=gateway.headers(), timeout=10)
    assert response.status_code == 200 and response.json(), response.text
