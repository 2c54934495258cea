"""Three `strata serve` processes behind nginx (Debian's, round robin), sharing one PostgreSQL
database and one Redis: what a scaled-out deployment must keep exact.

- a key's limit admits exactly N calls, whichever process each lands on;
- a circuit one process opened keeps the other two off that deployment;
- a key revoked through one process is refused by the others on their very next call;
- the ledger holds one record per request a client got an id for;
- the three processes' metrics add up to the traffic sent through nginx.

The cluster starts once for the module (tests/support/cluster.py; a scratch database, Redis db 13
emptied, the fake upstream shared by the session); each test uses its own key or model, so it reads
back only what it sent. nginx logs which process served each request id, so a test knows how the
calls were spread.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import orjson
import pytest
import redis
import yaml
from prometheus_client.parser import text_string_to_metric_families

from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import openai_deployment, require_redis
from tests.support import postgres
from tests.support.cluster import Balancer, address, logged_gateway, nginx
from tests.support.gateway import RunningGateway
from tests.support.require import require_service

REDIS_URL = "redis://127.0.0.1:6379/13"  # this module's alone; emptied when the cluster starts
MASTER_KEY = "sk-scale-out-master"
SECRET_KEY = "scale-out-secret-shared-by-all-three-gateways"
PATIENT = {"connect": 5, "read": 20, "total": 30}  # a loaded 2-core machine must not turn calls into 504s
SINGLE_ATTEMPT = {"retries": {"attempts": 1}, "circuit": {"consecutive_failures": 1000, "min_requests": 1000}}
CIRCUIT = {"retries": {"attempts": 1}, "circuit": {"consecutive_failures": 2, "min_requests": 1000, "cooldown_s": 120}}
CHAT, EMBED, BROKEN, SLOW, POOL = "scale-chat", "scale-embed", "scale-broken", "scale-slow", "scale-pool"


@dataclass
class Cluster:
    balancer: Balancer  # nginx
    gateways: list[RunningGateway]
    database: str

    @property
    def nginx(self) -> str:
        return self.balancer.base_url

    def served_by(self, request_ids: list[str]) -> dict[str, str]:
        """Request id -> address of the process that answered it (from nginx's log)."""
        return self.balancer.served_by(request_ids)


@dataclass(frozen=True)
class Reply:
    status: int
    request_id: str
    body: bytes


def catalog(upstream: FakeUpstream) -> str:
    def deployment(model: str, **extra: Any) -> dict[str, Any]:
        return openai_deployment(upstream.url, model, timeouts=PATIENT, **extra)

    pool = [deployment("flaky-up", id="flaky"), deployment("steady-up", id="steady", weight=0.001)]
    models = {
        CHAT: {"deployments": [deployment("chat-up")], "routing": SINGLE_ATTEMPT},
        EMBED: {"deployments": [deployment("embed-up", embeddings=True)], "routing": SINGLE_ATTEMPT},
        BROKEN: {"deployments": [deployment("broken-up")], "routing": SINGLE_ATTEMPT},
        SLOW: {"deployments": [deployment("slow-up")], "routing": SINGLE_ATTEMPT},
        POOL: {"deployments": pool, "routing": CIRCUIT},
    }
    return yaml.safe_dump({"models": models})


def script(upstream: FakeUpstream) -> None:
    """The upstream's failures, set again after each reset."""
    upstream.set_behaviour("broken-up", status=500)
    upstream.set_behaviour("flaky-up", status=500)
    upstream.set_behaviour("slow-up", chunk_count=20, chunk_delay_ms=50)


def _environment(database: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("STRATA_", "OTEL_", "PROMETHEUS_"))}
    return {
        **clean,
        "STRATA_MASTER_KEY": MASTER_KEY,
        "STRATA_SECRET_KEY": SECRET_KEY,
        "STRATA_DATABASE_URL": postgres.sqlalchemy_url(database),
        "STRATA_REDIS_URL": REDIS_URL,
        "STRATA_METRICS_INTERVAL_S": "0.2",
        "STRATA_LOG_LEVEL": "warning",
        "FAKE_KEY": "sk-fake-upstream-key",
    }


@pytest.fixture(scope="module")
def cluster(upstream_server: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    ok, why = postgres.available()
    require_service("PostgreSQL", ok, why)
    require_redis(REDIS_URL, flush=True)
    folder = tmp_path_factory.mktemp("scale-out")
    (folder / "strata.yaml").write_text(catalog(upstream_server))
    with postgres.scratch_database("strata_scale") as database, ExitStack() as stack:
        asyncio.run(postgres.migrate_to_head(postgres.sqlalchemy_url(database)))
        env = _environment(database)

        def start(index: int) -> RunningGateway:
            config = folder / "strata.yaml"
            return stack.enter_context(logged_gateway(folder / f"gateway-{index}", config, env, MASTER_KEY))

        with ThreadPoolExecutor(3) as pool:  # all three at once: each takes seconds to start
            gateways = list(pool.map(start, range(3)))
        balancer = stack.enter_context(nginx(folder / "nginx", gateways))
        for gateway in gateways:  # warm up: the first call of a process opens its upstream pool
            reply = httpx.post(f"{gateway.openai_base}/chat/completions", json=chat(CHAT, "warm-up"), **auth())
            assert reply.status_code == 200, reply.text
        yield Cluster(balancer, gateways, database)


@pytest.fixture()
def scale_out(cluster: Cluster, upstream: FakeUpstream) -> Cluster:
    """The cluster, with the upstream's counters reset and its failures scripted again."""
    script(upstream)
    return cluster


def auth(key: str = MASTER_KEY) -> dict[str, Any]:
    return {"headers": {"Authorization": f"Bearer {key}"}, "timeout": 30}


def chat(model: str, text: str, **extra: Any) -> dict[str, Any]:
    return {"model": model, "messages": [{"role": "user", "content": text}], **extra}


def create_key(gateway: RunningGateway, **fields: Any) -> tuple[str, str]:
    """(id, key) of a new key, made through ``gateway``'s admin API."""
    response = httpx.post(
        f"{gateway.base_url}/admin/keys", json={"name": f"scale-{uuid.uuid4().hex[:8]}", **fields}, **auth()
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return body["id"], body["key"]


def send_all(base: str, key: str, calls: list[tuple[str, dict[str, Any]]], cut: int = 0) -> list[Reply]:
    """POST every (path, body) concurrently (16 at a time); the first ``cut`` are streams the client
    leaves after their first bytes."""

    async def one(client: httpx.AsyncClient, gate: asyncio.Semaphore, index: int, path: str, body: Any) -> Reply:
        async with gate, client.stream("POST", path, json=body) as response:
            if index < cut:
                async for _ in response.aiter_raw():
                    break  # gone mid-stream: closing an unread response closes its connection
                raw = b""
            else:
                raw = await response.aread()
        return Reply(response.status_code, response.headers.get("x-request-id", ""), raw)

    async def run() -> list[Reply]:
        gate = asyncio.Semaphore(16)
        async with httpx.AsyncClient(base_url=base, headers=auth(key)["headers"], timeout=30) as client:
            return list(await asyncio.gather(*(one(client, gate, i, p, b) for i, (p, b) in enumerate(calls))))

    return asyncio.run(run())


def usage_of(reply: Reply) -> dict[str, int]:
    """The usage a client was told of: the body's, or a stream's last chunk's."""
    if reply.status != 200 or not reply.body:
        return {}
    if reply.body.startswith(b"data:"):
        events = [line[6:] for line in reply.body.decode().splitlines() if line.startswith("data: ")]
        chunks = [orjson.loads(e) for e in events if e != "[DONE]"]
        return next((c["usage"] for c in reversed(chunks) if c.get("usage")), {})
    found: dict[str, int] = orjson.loads(reply.body).get("usage") or {}
    return found


def metric_samples(gateway: RunningGateway) -> list[Any]:
    response = httpx.get(f"{gateway.base_url}/metrics", **auth())
    assert response.status_code == 200, response.text
    return [s for family in text_string_to_metric_families(response.text) for s in family.samples]


def summed(found: list[Any], name: str, **labels: str) -> float:
    return float(sum(s.value for s in found if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())))


def until(check: Any, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def fresh_minute(need_s: float = 12.0) -> None:
    """Limits count per clock minute: start a burst early enough in one to end in it."""
    left = 60.0 - time.time() % 60.0
    if left < need_s:
        time.sleep(left + 0.05)


# ---------------------------------------------------------------- the behaviours


LIMIT, BURST = 12, 48


def test_a_keys_limit_admits_exactly_n_calls_whichever_process_serves_them(
    scale_out: Cluster, upstream: FakeUpstream
) -> None:
    key_id, key = create_key(scale_out.gateways[0], limits={"rpm": LIMIT})
    marker = uuid.uuid4().hex
    fresh_minute()
    minute = int(time.time() // 60)
    replies = send_all(
        scale_out.nginx, key, [("/v1/chat/completions", chat(CHAT, f"{marker} {i}")) for i in range(BURST)]
    )
    one_window = int(time.time() // 60) == minute

    statuses = Counter(r.status for r in replies)
    assert set(statuses) == {200, 429}, [(r.status, r.body[:200]) for r in replies if r.status not in (200, 429)]
    for gateway in scale_out.gateways:  # each decided in Redis: none fell back to a limit of its own
        assert httpx.get(f"{gateway.base_url}/health/ready").json()["quotas"] == {"backend": "redis", "state": "ok"}
    reached = [r for r in upstream.requests() if marker in orjson.dumps(r["body"]).decode()]
    assert len(reached) == statuses[200]
    served = scale_out.served_by([r.request_id for r in replies])
    assert len(set(served.values())) == 3, served  # nginx spread the burst over the three
    assert len({served[r.request_id] for r in replies if r.status == 200}) >= 2  # admitted by several
    if one_window:
        assert statuses[200] == LIMIT, statuses
    else:  # the burst crossed into the next minute on a slow machine: neither window went past the limit
        client = redis.Redis.from_url(REDIS_URL)
        counts = [int(v or 0) for v in client.mget(f"strata:quota:key:{key_id}:rpm:{m}" for m in (minute, minute + 1))]
        client.close()
        assert max(counts) <= LIMIT and statuses[200] <= 2 * LIMIT, (counts, statuses)


def deployment_states(gateway: RunningGateway) -> dict[str, dict[str, Any]]:
    body = httpx.get(f"{gateway.base_url}/admin/deployments", **auth()).json()
    return {
        row["deployment"]: row for model in body["models"] if model["model"] == POOL for row in model["deployments"]
    }


def test_a_circuit_opened_by_one_process_keeps_the_others_off_the_deployment(
    scale_out: Cluster, upstream: FakeUpstream
) -> None:
    first, *others = scale_out.gateways
    for _ in range(20):  # `flaky` leads almost every plan by weight: it fails until its circuit opens
        httpx.post(f"{first.openai_base}/chat/completions", json=chat(POOL, "open it"), **auth())
        if deployment_states(first)["flaky"]["state"] == "cooling_down":
            break
    assert deployment_states(first)["flaky"]["state"] == "cooling_down"
    for gateway in others:  # they never called it, yet they see it open
        assert until(lambda g=gateway: deployment_states(g)["flaky"]["state"] == "cooling_down", 10), gateway
        assert deployment_states(gateway)["flaky"]["requests_last_minute"] == 0

    upstream.reset()
    script(upstream)
    replies = send_all(scale_out.nginx, MASTER_KEY, [("/v1/chat/completions", chat(POOL, "hi"))] * 15)
    assert [r.status for r in replies] == [200] * 15
    assert {r["body"]["model"] for r in upstream.requests()} == {"steady-up"}  # nobody called flaky
    assert len(set(scale_out.served_by([r.request_id for r in replies]).values())) == 3
    for gateway in others:
        assert deployment_states(gateway)["flaky"]["requests_last_minute"] == 0


def test_a_key_revoked_through_one_process_is_refused_by_the_others_on_their_next_call(scale_out: Cluster) -> None:
    gateways = scale_out.gateways
    for revoker in range(3):  # each process in turn revokes; the other two must refuse at once
        key_id, key = create_key(gateways[0])
        for gateway in gateways:  # the key is now cached in every process (for 10 s by default)
            reply = httpx.post(f"{gateway.openai_base}/chat/completions", json=chat(CHAT, "before"), **auth(key))
            assert reply.status_code == 200, reply.text
        revoked = httpx.post(f"{gateways[revoker].base_url}/admin/keys/{key_id}/revoke", **auth())
        assert revoked.status_code == 200, revoked.text
        for index, gateway in enumerate(gateways):
            if index != revoker:
                reply = httpx.post(f"{gateway.openai_base}/chat/completions", json=chat(CHAT, "after"), **auth(key))
                assert reply.status_code == 401, (revoker, index, reply.text)
                assert reply.json()["error"]["message"] == "This API key has been revoked."
        through = httpx.post(f"{scale_out.nginx}/v1/chat/completions", json=chat(CHAT, "after"), **auth(key))
        assert through.status_code == 401


async def _ledger(database: str, statement: str, *args: Any) -> list[Any]:
    conn = await asyncpg.connect(postgres.dsn(database), timeout=10)
    try:
        return list(await conn.fetch(statement, *args))
    finally:
        await conn.close()


def ledger(database: str, statement: str, *args: Any) -> list[Any]:
    return asyncio.run(_ledger(database, statement, *args))


def test_the_ledger_holds_one_record_per_request_the_clients_got(scale_out: Cluster) -> None:
    key_id, key = create_key(scale_out.gateways[0])
    calls = [("/v1/chat/completions", chat(SLOW, "leave", stream=True))] * 4  # cut by their clients
    calls += [("/v1/chat/completions", chat(CHAT, f"ledger {i}")) for i in range(24)]
    calls += [("/v1/chat/completions", chat(CHAT, "stream", stream=True))] * 8
    calls += [("/v1/embeddings", {"model": EMBED, "input": ["one", "two"]})] * 8
    calls += [("/v1/chat/completions", chat(BROKEN, "fails"))] * 6
    replies = send_all(scale_out.nginx, key, calls, cut=4)
    received = sorted(r.request_id for r in replies)
    assert all(received) and len(set(received)) == len(calls)
    assert Counter(r.status for r in replies)[200] == len(calls) - 6

    def recorded() -> list[str]:
        rows = ledger(scale_out.database, "SELECT request_id FROM usage_records WHERE key_id = $1", key_id)
        return sorted(row["request_id"] for row in rows)

    assert until(lambda: len(recorded()) >= len(calls)), recorded()
    time.sleep(1.0)  # two more flushes of every writer: a duplicate would land now
    assert recorded() == received
    duplicates = "SELECT request_id FROM usage_records GROUP BY request_id HAVING count(*) > 1"
    assert ledger(scale_out.database, duplicates) == []

    def written_everywhere() -> tuple[float, int]:  # each process's own count of what it wrote
        metrics = sum(summed(metric_samples(g), "strata_usage_written_records_total") for g in scale_out.gateways)
        return metrics, ledger(scale_out.database, "SELECT count(*) AS n FROM usage_records")[0]["n"]

    assert until(lambda: written_everywhere()[0] == written_everywhere()[1]), written_everywhere()


def test_the_three_processes_metrics_add_up_to_the_traffic_sent_through_nginx(scale_out: Cluster) -> None:
    key_id, key = create_key(scale_out.gateways[0])
    calls = [("/v1/chat/completions", chat(CHAT, f"metrics {i}")) for i in range(21)]
    calls += [("/v1/chat/completions", chat(CHAT, "stream", stream=True, stream_options={"include_usage": True}))] * 6
    calls += [("/v1/embeddings", {"model": EMBED, "input": "count me"})] * 6
    calls += [("/v1/chat/completions", chat(BROKEN, "fails"))] * 6
    models = sorted({body["model"] for _, body in calls})

    def counted() -> tuple[Counter[tuple[str, str]], Counter[tuple[str, str]], list[float]]:
        """Over the three scrapes: requests by (model, status), this key's tokens by (model, type),
        and each process's own count of chat calls."""
        scrapes = [metric_samples(g) for g in scale_out.gateways]
        found = [s for f in scrapes for s in f]
        requests: Counter[tuple[str, str]] = Counter()
        spent: Counter[tuple[str, str]] = Counter()
        for s in found:
            if s.name == "strata_requests_total" and s.labels.get("model") in models:
                requests[s.labels["model"], s.labels["status"]] += int(s.value)
            if s.name == "strata_tokens_total" and s.labels.get("key") == key_id:
                spent[s.labels["model"], s.labels["type"]] += int(s.value)
        return requests, spent, [summed(f, "strata_requests_total", model=CHAT) for f in scrapes]

    assert until(lambda: counted() == counted())  # the earlier tests' calls are all counted
    baseline = counted()
    replies = send_all(scale_out.nginx, key, calls)
    sent: Counter[tuple[str, str]] = Counter()
    tokens: Counter[tuple[str, str]] = Counter()
    for (_, body), reply in zip(calls, replies, strict=True):
        sent[body["model"], str(reply.status)] += 1
        usage = usage_of(reply)
        tokens[body["model"], "input"] += usage.get("prompt_tokens", 0)
        tokens[body["model"], "output"] += usage.get("completion_tokens", 0)
    assert sent[CHAT, "200"] == 27 and sent[EMBED, "200"] == 6 and sent[BROKEN, "200"] == 0, sent
    assert tokens[CHAT, "output"] > 0 and tokens[EMBED, "input"] > 0

    expected = (baseline[0] + sent, +tokens)
    assert until(lambda: counted()[:2] == expected), (counted()[:2], expected)
    chats = [r.request_id for (_, body), r in zip(calls, replies, strict=True) if body["model"] == CHAT]
    served = Counter(scale_out.served_by(chats).values())
    per_process = [int(now - before) for now, before in zip(counted()[2], baseline[2], strict=True)]
    by_address = [served[address(g)] for g in scale_out.gateways]
    assert per_process == by_address and all(by_address), (per_process, served)  # each counted what it served
