"""Fixtures for integration tests: the fake upstream, gateways on demand, OpenAI SDK clients.

Everything here is local (a fake upstream subprocess, in-process gateways), so a failure to
start is always a failure. Tests for external services (PostgreSQL, Redis) call
`require_service`, which skips locally but fails under ``CI=true``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
import yaml

from tests.fakes.upstream import FakeUpstream
from tests.support.gateway import RunningGateway, free_port, gateway_in_thread
from tests.support.require import require_service  # noqa: F401  (re-exported for the tests here)
from tests.support.webhooks import Receiver, running_receiver

USER = [{"role": "user", "content": "Say hello."}]

FAKE_KEY = "sk-fake-upstream-key"
ENVIRON = {"FAKE_KEY": FAKE_KEY}
# A loopback connect is instant, but a gateway thread sharing this process's GIL (and its garbage
# collections) with the test's own clients was seen waiting over a second for it late in a full run.
TIMEOUTS = {"connect": 5, "read": 2, "total": 5}

StartGateway = Callable[..., RunningGateway]
MakeClient = Callable[..., openai.OpenAI]


QUOTA_REDIS_URL = "redis://127.0.0.1:6379/12"


def require_redis(url: str, flush: bool = False) -> str:
    """``url`` if a Redis answers there (emptied first when ``flush``); else skip, or fail under CI."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        client.ping()
        if flush:
            client.flushdb()
    except redis.exceptions.ConnectionError as exc:
        require_service("Redis", False, f"{url}: {exc}")
    finally:
        client.close()
    return url


@pytest.fixture()
def redis_url() -> str:
    """Redis for the quota tests (db 12). Nothing is flushed: each test uses fresh names."""
    return require_redis(QUOTA_REDIS_URL)


def openai_deployment(api_base: str, model: str = "fake-model", **extra: Any) -> dict[str, Any]:
    """One `provider: openai` deployment pointing at `api_base`, keyed by ${FAKE_KEY}."""
    return {
        "provider": "openai",
        "model": model,
        "api_base": api_base,
        "api_key": "${FAKE_KEY}",
        "timeouts": dict(TIMEOUTS),
        **extra,
    }


def catalog_yaml(models: Mapping[str, list[dict[str, Any]]], routing: Mapping[str, Any] | None = None) -> str:
    """Catalog YAML for {public name: [deployment, ...]}, each model with `routing` if given."""
    extra = {"routing": dict(routing)} if routing else {}
    return yaml.safe_dump({"models": {name: {"deployments": pool, **extra} for name, pool in models.items()}})


# One attempt and no circuit breaking: what the upstream said reaches the caller as is.
NO_RETRIES = {"retries": {"attempts": 1}, "circuit": {"consecutive_failures": 1000, "min_requests": 1000}}


def closed_port_url() -> str:
    """An api_base nobody listens on: connecting is refused."""
    return f"http://127.0.0.1:{free_port()}/v1"


def standard_catalog(api_base: str) -> str:
    """The catalog most tests share: one model per upstream model id, plus a slow and a dead one."""
    return catalog_yaml(
        {
            "gpt-test": [openai_deployment(api_base)],
            "org/model-a": [openai_deployment(api_base, "model-a")],
            "emb-test": [openai_deployment(api_base, "fake-embed", embeddings=True)],
            "gpt-slow": [openai_deployment(api_base, "slow-model", timeouts={"connect": 1, "read": 0.5, "total": 5})],
            "gpt-down": [openai_deployment(closed_port_url())],
        },
        routing=NO_RETRIES,
    )


def assert_openai_error(response: Any, status: int) -> dict[str, Any]:
    """An error response in OpenAI's shape with a request id, never a traceback; returns its `error`."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers.get("x-request-id")
    assert "Traceback" not in response.text
    body = response.json()
    assert set(body) == {"error"}, body
    error: dict[str, Any] = body["error"]
    assert set(error) == {"message", "type", "param", "code"}, error
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["type"], str) and error["type"]
    return error


@pytest.fixture(scope="session")
def upstream_server() -> Iterator[FakeUpstream]:
    with FakeUpstream() as fake:
        yield fake


@pytest.fixture()
def upstream(upstream_server: FakeUpstream) -> Iterator[FakeUpstream]:
    """The shared fake upstream, with behaviours, recordings and counters reset, before the test
    and after it: a test that leaves "fake-model" refusing with 429s must not hand that to the
    next module on the same worker that uses the shared server as it is."""
    upstream_server.reset()
    yield upstream_server
    upstream_server.reset()


@pytest.fixture()
def start_gateway(tmp_path: Path) -> Iterator[StartGateway]:
    """start_gateway(yaml, environ=None, **settings): a real gateway, stopped after the test."""
    with ExitStack() as stack:
        count = 0

        def start(config_yaml: str, environ: Mapping[str, str] | None = None, **settings: Any) -> RunningGateway:
            nonlocal count
            count += 1
            folder = tmp_path / f"gateway-{count}"
            folder.mkdir()
            env = ENVIRON if environ is None else environ
            return stack.enter_context(gateway_in_thread(config_yaml, folder, environ=env, **settings))

        yield start


@pytest.fixture()
def make_client() -> Iterator[MakeClient]:
    """make_client(gateway, api_key=None, **options): an OpenAI SDK client (no retries), closed after."""
    clients: list[openai.OpenAI] = []

    def make(gateway: RunningGateway, api_key: str | None = None, **options: Any) -> openai.OpenAI:
        options.setdefault("max_retries", 0)
        options.setdefault("timeout", 10.0)
        client = openai.OpenAI(base_url=gateway.openai_base, api_key=api_key or gateway.master_key, **options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture(scope="module")
def shared_gateway(upstream_server: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    """One gateway over `standard_catalog` for a whole module (tests reset the upstream, not this)."""
    folder = tmp_path_factory.mktemp("gateway")
    with gateway_in_thread(standard_catalog(upstream_server.url), folder, environ=ENVIRON) as gateway:
        yield gateway


@pytest.fixture()
def client(shared_gateway: RunningGateway, make_client: MakeClient) -> openai.OpenAI:
    """A client of the shared gateway, whose deployments are put back into rotation first
    (a previous test's 429 with Retry-After would otherwise keep one cooling down)."""
    reset = f"{shared_gateway.base_url}/admin/deployments/reset"
    httpx.post(reset, headers=shared_gateway.headers()).raise_for_status()
    return make_client(shared_gateway)


@pytest.fixture()
def receiver() -> Iterator[Receiver]:
    """A real webhook receiver on a free port (the alert tests' budget and rate alerts)."""
    with running_receiver() as running:
        yield running
