"""SIGTERM to a real `strata serve` under load, counting what every client received.

Clients keep calling (chats and streams) while long calls against a slow upstream are in flight;
then SIGTERM. With STRATA_SHUTDOWN_DELAY_S=1: readiness fails at once while calls are still served;
after the delay the listener closes. Every call either completes whole (a stream to its [DONE]) or
is refused cleanly: connection refused, or 503 `shutting_down` for a request that was already
arriving. None hangs, none is cut, the process exits once the last call is answered, and the
ledger holds exactly one usage record per completed call.
"""

from __future__ import annotations

import asyncio
import itertools
import signal
import sqlite3
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import orjson
import pytest

from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import NO_RETRIES, catalog_yaml, openai_deployment
from tests.support.gateway import RunningGateway, gateway_process
from tests.support.raw_http import RawConnection

KEY = "sk-sigterm-master"
DELAY_S = 1.0
SLOW = " ".join(f"slow{i}" for i in range(20))
QUICK = " ".join(f"quick{i}" for i in range(5))
TIMEOUTS = {"connect": 1, "read": 20, "total": 30}
OK, REFUSED, NO_CONNECTION = "ok", "503 shutting_down", "connection refused"


@dataclass
class Outcome:
    kind: str  # OK, REFUSED, NO_CONNECTION, or what went wrong
    started: float  # monotonic
    request_id: str | None = None


@dataclass
class Tally:
    outcomes: list[Outcome] = field(default_factory=list)

    def kinds(self) -> Counter[str]:
        return Counter(o.kind for o in self.outcomes)


@pytest.fixture()
def slow_upstream(upstream: FakeUpstream) -> FakeUpstream:
    upstream.set_behaviour("drain-slow", content=SLOW, latency_ms=1000, chunk_count=20, chunk_delay_ms=100)
    upstream.set_behaviour("drain-quick", content=QUICK, latency_ms=30, chunk_count=5, chunk_delay_ms=20)
    return upstream


@pytest.fixture()
def serve(tmp_path: Path, slow_upstream: FakeUpstream) -> Iterator[tuple[RunningGateway, subprocess.Popen[bytes]]]:
    yield from _serve(tmp_path, slow_upstream, [])


def _serve(
    tmp_path: Path, upstream: FakeUpstream, args: list[str]
) -> Iterator[tuple[RunningGateway, subprocess.Popen[bytes]]]:
    models = {
        name: [openai_deployment(upstream.url, name, timeouts=TIMEOUTS)] for name in ("drain-slow", "drain-quick")
    }
    (tmp_path / "strata.yaml").write_text(catalog_yaml(models, routing=NO_RETRIES))
    env = {
        "STRATA_MASTER_KEY": KEY,
        "STRATA_DATA_DIR": str(tmp_path / "data"),
        "STRATA_SHUTDOWN_DELAY_S": str(DELAY_S),
        "STRATA_SHUTDOWN_GRACE_S": "20",
        "STRATA_LOG_LEVEL": "warning",
        "FAKE_KEY": "sk-fake-upstream-key",
    }
    with gateway_process(["--config", str(tmp_path / "strata.yaml"), *args], cwd=tmp_path, env=env) as running:
        yield running


async def call(client: httpx.AsyncClient, model: str, stream: bool) -> Outcome:
    """One chat call, classified by what came back."""
    started = time.monotonic()
    body = {"model": model, "messages": [{"role": "user", "content": "hi"}], "stream": stream}
    expected = SLOW if model == "drain-slow" else QUICK
    try:
        async with client.stream("POST", "/v1/chat/completions", json=body) as response:
            raw = await response.aread()
    except httpx.ConnectError:
        return Outcome(NO_CONNECTION, started)
    except httpx.TimeoutException as exc:
        return Outcome(f"hung ({type(exc).__name__})", started)
    except httpx.TransportError as exc:
        return Outcome(f"broken ({type(exc).__name__}: {exc})", started)
    request_id = response.headers.get("x-request-id")
    if response.status_code == 503 and orjson.loads(raw)["error"]["code"] == "shutting_down":
        return Outcome(REFUSED, started, request_id)
    if response.status_code != 200:
        return Outcome(f"status {response.status_code}: {raw[:200]!r}", started, request_id)
    content = _streamed(raw) if stream else orjson.loads(raw)["choices"][0]["message"]["content"]
    return Outcome(OK if content == expected else f"incomplete: {content!r}", started, request_id)


def _streamed(raw: bytes) -> str | None:
    events = [line[6:] for line in raw.decode().splitlines() if line.startswith("data: ")]
    if not events or events[-1] != "[DONE]":
        return None  # cut before its end
    chunks = [orjson.loads(e) for e in events[:-1]]
    return "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])


async def keep_calling(base_url: str, tally: Tally, stop: asyncio.Event) -> None:
    """Four clients calling a quick model back to back (chats and streams) until ``stop``."""
    headers = {"authorization": f"Bearer {KEY}"}

    async def one_client() -> None:
        async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=15) as client:
            for stream in itertools.cycle((False, True)):
                if stop.is_set():
                    return
                outcome = await call(client, "drain-quick", stream)
                tally.outcomes.append(outcome)
                if outcome.kind != OK:
                    await asyncio.sleep(0.05)

    await asyncio.gather(*(one_client() for _ in range(4)))


async def long_calls(base_url: str, tally: Tally) -> None:
    """Three chats and three streams against the slow model, all in flight at SIGTERM."""
    headers = {"authorization": f"Bearer {KEY}"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=15) as client:
        outcomes = await asyncio.gather(*(call(client, "drain-slow", i % 2 == 1) for i in range(6)))
    tally.outcomes.extend(outcomes)


def model_call_bytes() -> bytes:
    body = orjson.dumps({"model": "drain-quick", "messages": [{"role": "user", "content": "hi"}]})
    return (
        b"POST /v1/chat/completions HTTP/1.1\r\nhost: strata\r\ncontent-type: application/json\r\n"
        + f"authorization: Bearer {KEY}\r\ncontent-length: {len(body)}\r\n\r\n".encode()
        + body
    )


def partial_request(base_url: str) -> tuple[RawConnection, bytes]:
    """A model call whose head is still arriving: the first 40 bytes sent now, the rest returned."""
    request = model_call_bytes()
    connection = RawConnection(base_url, timeout=5)
    connection.send(request[:40])
    return connection, request[40:]


async def refused_at_once(base_url: str, within_s: float = 5.0) -> bool:
    """New connections are refused within ``within_s``, and none is left waiting in between: False
    as soon as one is accepted by the kernel and then answered by nobody."""
    deadline = time.monotonic() + within_s
    async with httpx.AsyncClient(base_url=base_url, timeout=2.0) as client:
        while time.monotonic() < deadline:
            try:
                await client.get("/health/live", headers={"connection": "close"})
            except httpx.ConnectError:
                return True
            except httpx.TimeoutException:
                return False
            except httpx.TransportError:
                pass  # taken from the backlog as the listener closed: reset, never served
            await asyncio.sleep(0.1)  # a worker still in its delay answered
    return False


async def readiness_until_draining(base_url: str, answers: int) -> list[str]:
    """/health/ready's statuses, every 0.1 s, until ``answers`` in a row say draining (or 40 asked):
    the parent passes SIGTERM on to its workers within half a second or so."""
    statuses: list[str] = []
    async with httpx.AsyncClient(base_url=base_url) as probe:
        while len(statuses) < 40 and statuses[-answers:] != ["draining"] * answers:
            statuses.append((await probe.get("/health/ready")).json()["status"])
            await asyncio.sleep(0.1)
    return statuses


def ledger(data_dir: Path) -> list[str]:
    with sqlite3.connect(data_dir / "strata.db") as db:
        return [row[0] for row in db.execute("SELECT request_id FROM usage_records")]


def check_every_client(tally: Tally, sigterm_at: float, records: list[str]) -> None:
    kinds = tally.kinds()
    # A connection the kernel had queued when the listener closed is reset unread (TCP's own race, not
    # the gateway's): allowed only for calls begun once the delay was over; never before, never cut.
    closing_at = sigterm_at + DELAY_S - 0.1
    unexpected = [
        o
        for o in tally.outcomes
        if o.kind not in (OK, REFUSED, NO_CONNECTION)
        and not (o.kind.startswith("broken (ReadError") and o.started >= closing_at)
    ]
    assert not unexpected, kinds  # nothing hung, cut or failed otherwise
    before = [o for o in tally.outcomes if o.started < sigterm_at]
    assert before and all(o.kind == OK for o in before), [o for o in before if o.kind != OK]
    assert any(o.kind == OK and o.started > sigterm_at for o in tally.outcomes), "served during the delay"
    assert kinds[NO_CONNECTION] > 0, "refused once the listener closed"
    completed = sorted(o.request_id or "" for o in tally.outcomes if o.kind == OK)
    assert sorted(records) == completed  # one record per completed call, none for a refusal


def test_sigterm_under_load_finishes_what_was_accepted_and_refuses_the_rest_cleanly(
    tmp_path: Path, serve: tuple[RunningGateway, subprocess.Popen[bytes]]
) -> None:
    gateway, process = serve
    tally = Tally()
    seen: dict[str, object] = {}

    async def scenario() -> float:
        stop = asyncio.Event()
        calling = asyncio.create_task(keep_calling(gateway.base_url, tally, stop))
        await asyncio.sleep(0.5)
        slow = asyncio.create_task(long_calls(gateway.base_url, tally))
        arriving, rest = partial_request(gateway.base_url)
        opened = RawConnection(gateway.base_url, timeout=5)  # connected, nothing sent yet
        await asyncio.sleep(0.5)  # the slow calls are in flight (the upstream takes 1 s before answering)
        sigterm_at = time.monotonic()
        process.send_signal(signal.SIGTERM)
        await asyncio.sleep(0.3)
        async with httpx.AsyncClient(base_url=gateway.base_url) as probe:
            seen["ready"] = (await probe.get("/health/ready")).json()["status"]
            seen["live"] = (await probe.get("/health/live")).status_code
        await asyncio.sleep(sigterm_at + DELAY_S + 0.4 - time.monotonic())
        seen["refused_at_once"] = await refused_at_once(gateway.base_url)
        with opened:  # its request comes just after the listener closed
            opened.send(model_call_bytes())
            seen["opened"] = opened.response()
        with arriving:  # the head that was arriving when the listener closed gets an answer
            arriving.send(rest)
            seen["arriving"] = arriving.response()
            seen["arriving_closed"] = arriving.closed_within(2.0)
        await slow
        stop.set()
        await calling
        return sigterm_at

    sigterm_at = asyncio.run(scenario())
    process.wait(timeout=20)
    exited_after = time.monotonic() - sigterm_at
    assert process.returncode in (0, -signal.SIGTERM)  # uvicorn re-raises the signal it handled
    assert seen["ready"] == "draining" and seen["live"] == 200
    assert seen["refused_at_once"] is True
    arriving = seen["arriving"]
    assert arriving.status == 503 and arriving.json()["error"]["code"] == "shutting_down"  # type: ignore[attr-defined]
    assert arriving.headers["retry-after"] == "1" and arriving.headers["connection"] == "close"  # type: ignore[attr-defined]
    assert seen["arriving_closed"] is True
    assert seen["opened"].status == 503  # type: ignore[attr-defined]
    assert exited_after < 12.0, exited_after  # the slow calls end ~2.5 s after SIGTERM; then usage is written
    check_every_client(tally, sigterm_at, ledger(tmp_path / "data"))


@pytest.fixture()
def serve_two_workers(
    tmp_path: Path, slow_upstream: FakeUpstream
) -> Iterator[tuple[RunningGateway, subprocess.Popen[bytes]]]:
    slow_upstream.set_behaviour("drain-slow", content=SLOW, latency_ms=1000, chunk_count=20, chunk_delay_ms=300)
    yield from _serve(tmp_path, slow_upstream, ["--workers", "2"])


def test_with_two_workers_each_drains_and_new_connections_are_refused_not_left_waiting(
    tmp_path: Path, serve_two_workers: tuple[RunningGateway, subprocess.Popen[bytes]]
) -> None:
    """The parent forwards SIGTERM to each worker and lets go of the listening socket: once the
    workers' delay is over a new connection is refused at once, although the parent lives on
    until the last stream ends."""
    gateway, process = serve_two_workers
    tally = Tally()
    seen: dict[str, object] = {}

    async def scenario() -> float:
        stop = asyncio.Event()
        calling = asyncio.create_task(keep_calling(gateway.base_url, tally, stop))
        slow = asyncio.create_task(long_calls(gateway.base_url, tally))
        await asyncio.sleep(0.5)
        sigterm_at = time.monotonic()
        process.send_signal(signal.SIGTERM)
        seen["ready"] = await readiness_until_draining(gateway.base_url, answers=4)  # from either worker
        await asyncio.sleep(sigterm_at + 0.5 + DELAY_S + 0.5 - time.monotonic())
        seen["refused_at_once"] = await refused_at_once(gateway.base_url)
        seen["streams_running"] = not slow.done()
        await slow
        stop.set()
        await calling
        return sigterm_at

    sigterm_at = asyncio.run(scenario())
    process.wait(timeout=20)
    assert process.returncode in (0, -signal.SIGTERM)
    assert seen["ready"][-4:] == ["draining"] * 4 and len(seen["ready"]) < 40  # type: ignore[index, arg-type]
    assert seen["streams_running"] is True  # the parent was still there...
    assert seen["refused_at_once"] is True  # ...and yet nobody was left waiting on its socket
    check_every_client(tally, sigterm_at, ledger(tmp_path / "data"))
