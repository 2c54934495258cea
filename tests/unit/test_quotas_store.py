"""The in-process store's rule, the window arithmetic, header formats, and what happens when the
Redis quota store cannot be reached (a closed port: nothing needs to be running)."""

from __future__ import annotations

import asyncio
import calendar
import logging
import socket

import pytest

from gateway.errors import ServiceUnavailable
from gateway.schemas.limits import Limits
from gateway.services.catalog import PublicModel
from gateway.services.context import CallContext, Principal
from gateway.services.quotas.base import Check, Decision, Scope, day_window, minute_window, month_window, usd_to_micros
from gateway.services.quotas.memory import MemoryStore
from gateway.services.quotas.report import duration, rate_limit_headers
from gateway.services.quotas.resp import RespClient, RespError, _Connection, encode
from gateway.services.quotas.service import QuotaService
from tests.unit.test_quotas_service import catalog, chat

SCOPE = Scope("model:m", "model m", Limits(rpm=2))


def check(kind: str = "rpm", limit: int = 2, amount: int = 1, window: str = "1") -> Check:
    return Check(SCOPE, kind, window, limit, amount, 120, 60.0)  # type: ignore[arg-type]


def test_the_memory_store_takes_all_or_nothing() -> None:
    store = MemoryStore()
    rpm, tpm = check("rpm", 2, 1), check("tpm", 10, 6)
    assert store.take_now([rpm, tpm], "a", 0.0) == Decision(-1, (0, 0))
    assert store.take_now([rpm, tpm], "b", 0.0) == Decision(1, (1, 6))  # tpm would reach 12 > 10
    assert store.usage(rpm) == 1 and store.usage(tpm) == 6


def test_a_new_window_starts_from_zero_and_late_settlements_miss_it() -> None:
    store = MemoryStore()
    old, new = check("tpm", 10, 8, window="1"), check("tpm", 10, 8, window="2")
    store.take_now([old], "a", 0.0)
    assert store.take_now([new], "b", 0.0).granted
    store.settle_now([(old, -8)], "a")  # the old window is gone: the new one is untouched
    assert store.usage(new) == 8


def test_concurrency_slots_come_back() -> None:
    store = MemoryStore()
    slot = check("max_concurrent", 1, 1, window="")
    assert store.take_now([slot], "a", 0.0).granted and not store.take_now([slot], "b", 0.0).granted
    store.settle_now([(slot, 0)], "a")
    assert store.usage(slot) == 0 and store.take_now([slot], "c", 0.0).granted


def test_a_slot_never_given_back_frees_itself_when_its_lease_ends() -> None:
    store = MemoryStore()
    slot = check("max_concurrent", 2, 1, window="")  # leases of 120 s
    assert store.take_now([slot], "lost", 0.0).granted and store.take_now([slot], "b", 60.0).granted
    assert not store.take_now([slot], "c", 119.0).granted
    assert store.take_now([slot], "c", 120.0).granted  # "lost" expired; "b" still holds its slot
    assert not store.take_now([slot], "d", 121.0).granted


def test_windows_align_to_utc_minutes_days_and_months() -> None:
    now = float(calendar.timegm((2024, 2, 29, 23, 59, 30)))
    assert minute_window(now) == (str(int(now // 60)), now + 30)
    assert day_window(now) == ("20240229", now + 30)
    assert month_window(now) == ("202402", now + 30)
    december = float(calendar.timegm((2024, 12, 15, 0, 0, 0)))
    assert month_window(december) == ("202412", float(calendar.timegm((2025, 1, 1, 0, 0, 0))))


def test_money_is_reserved_in_whole_micro_dollars_rounding_up() -> None:
    assert usd_to_micros(0.000_001) == 1
    assert usd_to_micros(0.000_000_1) == 1
    assert usd_to_micros(0.0) == 0
    assert usd_to_micros(12.5) == 12_500_000


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.25, "250ms"), (1, "1s"), (12.5, "12.5s"), (59.9999, "1m0s"), (59.25, "59.25s"), (63, "1m3s"), (-1, "0ms")],
)
def test_durations_read_like_openais(seconds: float, text: str) -> None:
    assert duration(seconds) == text


def test_without_rate_limits_there_are_no_rate_limit_headers() -> None:
    slot = check("max_concurrent", 1, 1, window="")
    assert rate_limit_headers((slot,), Decision(-1, (0,)), 0.0) is None


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def unreachable(mode: str) -> tuple[QuotaService, PublicModel]:
    models = catalog({"m": {"rpm": 1}})
    url = f"redis://127.0.0.1:{closed_port()}/0"
    return QuotaService(models, redis_url=url, on_redis_failure=mode), models.get("m")  # type: ignore[arg-type]


def test_an_unreachable_redis_falls_back_to_per_process_limits(caplog: pytest.LogCaptureFixture) -> None:
    quotas, model = unreachable("local")

    async def scenario() -> None:
        with caplog.at_level(logging.WARNING, logger="strata"):
            await quotas.start()
        try:
            assert quotas.status()["state"] == "degraded (per-process limits)"
            call = CallContext(request_id="r", surface="openai", model="m")
            held = await quotas.reserve_chat(call, Principal(key_id="k"), model, chat("m"))
            assert held is not None and held.store is quotas.local
        finally:
            await quotas.aclose()

    asyncio.run(scenario())
    assert any("quota store (Redis) unreachable" in r.getMessage() for r in caplog.records)


def test_an_unreachable_redis_refuses_limited_calls_when_told_to() -> None:
    quotas, model = unreachable("refuse")

    async def scenario() -> None:
        await quotas.start()
        try:
            call = CallContext(request_id="r", surface="openai", model="m")
            with pytest.raises(ServiceUnavailable, match="quota store"):
                await quotas.reserve_chat(call, Principal(key_id="k"), model, chat("m"))
            assert quotas.status()["state"] == "refusing limited calls"
        finally:
            await quotas.aclose()

    asyncio.run(scenario())


def test_commands_are_encoded_as_resp_arrays() -> None:
    assert encode("EVALSHA", "ab", 1, b"k") == b"*4\r\n$7\r\nEVALSHA\r\n$2\r\nab\r\n$1\r\n1\r\n$1\r\nk\r\n"


def test_replies_split_anywhere_resolve_their_callers_in_order() -> None:
    """Replies arrive in pieces (here, one byte at a time); each caller gets its own, in order."""

    class Sink(asyncio.Transport):
        def write(self, data: bytes | bytearray | memoryview) -> None:
            pass

    async def scenario() -> list[object]:
        connection = _Connection()
        connection.connection_made(Sink())
        waiters = [connection.send(b"") for _ in range(5)]
        stream = b"*3\r\n:0\r\n:-4\r\n:17\r\n+PONG\r\n$3\r\nabc\r\n$-1\r\n-NOSCRIPT No matching script\r\n"
        for index in range(len(stream)):
            connection.data_received(stream[index : index + 1])
        assert not connection.buffer
        return [await waiter for waiter in waiters]

    first, pong, bulk, null, error = asyncio.run(scenario())
    assert (first, pong, bulk, null) == ([0, -4, 17], "PONG", b"abc", None)
    assert isinstance(error, RespError) and str(error).startswith("NOSCRIPT")


def test_a_lost_connection_fails_every_waiting_caller() -> None:
    class Sink(asyncio.Transport):
        def write(self, data: bytes | bytearray | memoryview) -> None:
            pass

        def abort(self) -> None:
            pass

    async def scenario() -> None:
        connection = _Connection()
        connection.connection_made(Sink())
        waiter = connection.send(b"")
        connection.connection_lost(None)
        with pytest.raises(ConnectionError):
            await waiter
        with pytest.raises(ConnectionError):
            connection.send(b"")

    asyncio.run(scenario())


@pytest.mark.parametrize(
    ("url", "where"),
    [
        ("redis://:s3cret@cache:6380/4", ("cache", 6380, None, None, "s3cret", 4)),
        ("rediss://user:pw@cache/0", ("cache", 6379, None, "user", "pw", 0)),
        ("unix:///run/redis.sock?db=2", ("127.0.0.1", 6379, "/run/redis.sock", None, None, 2)),
    ],
)
def test_redis_urls(url: str, where: tuple[object, ...]) -> None:
    client = RespClient(url)
    assert (client._host, client._port, client._socket, client._user, client._password, client._db) == where


def test_other_url_schemes_are_refused_with_a_reason() -> None:
    with pytest.raises(ValueError, match="redis://, rediss:// or unix://"):
        RespClient("memcached://cache:11211")
