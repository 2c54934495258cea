"""SIGTERM starts draining and reaches the server's own handler only after the shutdown delay;
a second signal, or SIGINT, reaches it at once. Real signals, sent to this process."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Awaitable, Callable, Iterator
from types import FrameType

import pytest

from gateway.drain import Drain, Phase
from gateway.server.signals import DrainOnSignal


class ServerHandler:
    """Stands in for uvicorn's handler: records the signals handed to it."""

    def __init__(self) -> None:
        self.seen: list[int] = []

    def __call__(self, sig: int, frame: FrameType | None) -> None:
        self.seen.append(sig)


@pytest.fixture()
def server() -> Iterator[ServerHandler]:
    handler = ServerHandler()
    before = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield handler
    finally:
        for sig, previous in before.items():
            signal.signal(sig, previous)


def _run(drain: Drain, delay_s: float, scenario: Callable[[], Awaitable[None]]) -> None:
    """``scenario`` on a running loop, with the handlers wrapped as the lifespan wraps uvicorn's."""

    async def main() -> None:
        watcher = DrainOnSignal(drain, delay_s)
        assert watcher.install()
        try:
            await scenario()
        finally:
            watcher.uninstall()

    asyncio.run(main())


def test_sigterm_drains_first_and_reaches_the_server_after_the_delay(server: ServerHandler) -> None:
    drain = Drain()

    async def scenario() -> None:
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.sleep(0.1)
        assert drain.phase is Phase.DRAINING and server.seen == []  # readiness fails; still serving
        await asyncio.sleep(0.4)
        assert drain.phase is Phase.DRAINING and server.seen == [signal.SIGTERM]

    _run(drain, 0.3, scenario)


def test_a_second_sigterm_skips_the_delay(server: ServerHandler) -> None:
    drain = Drain()

    async def scenario() -> None:
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.sleep(0.05)
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.sleep(0.05)
        assert drain.phase is Phase.DRAINING and server.seen == [signal.SIGTERM]
        await asyncio.sleep(1.1)  # the delayed hand-over was cancelled: the server hears it once
        assert server.seen == [signal.SIGTERM]

    _run(drain, 1.0, scenario)


def test_sigint_from_a_terminal_is_not_delayed(server: ServerHandler) -> None:
    drain = Drain()

    async def scenario() -> None:
        os.kill(os.getpid(), signal.SIGINT)
        await asyncio.sleep(0.05)
        assert drain.phase is Phase.DRAINING and server.seen == [signal.SIGINT]

    _run(drain, 5.0, scenario)


def test_the_server_handlers_are_put_back(server: ServerHandler) -> None:
    drain = Drain()

    async def scenario() -> None:
        assert signal.getsignal(signal.SIGTERM) is not server

    _run(drain, 1.0, scenario)
    assert signal.getsignal(signal.SIGTERM) is server and signal.getsignal(signal.SIGINT) is server


def test_nothing_is_installed_outside_a_server_that_handles_signals() -> None:
    async def main() -> bool:
        return DrainOnSignal(Drain(), 1.0).install()

    before = signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        assert asyncio.run(main()) is False
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    finally:
        signal.signal(signal.SIGTERM, before)


def test_sighup_is_ignored_and_says_why(server: ServerHandler, caplog: pytest.LogCaptureFixture) -> None:
    """It killed the gateway on the spot: no drain, the buffered usage records lost."""
    drain = Drain()

    async def scenario() -> None:
        os.kill(os.getpid(), signal.SIGHUP)
        await asyncio.sleep(0.05)

    with caplog.at_level("WARNING", logger="strata"):
        _run(drain, 1.0, scenario)
    assert drain.phase is Phase.SERVING and server.seen == []
    assert any("SIGHUP ignored" in r.getMessage() for r in caplog.records)
    assert signal.getsignal(signal.SIGHUP) == signal.SIG_DFL  # put back with the others
