"""SIGTERM and SIGINT: drain first, then let uvicorn shut down.

uvicorn closes its listener as soon as it sees a signal. Behind a load balancer that follows
readiness (Kubernetes, a cloud balancer), requests keep arriving for a few seconds after the
signal; closing at once refuses them. So the first SIGTERM only starts draining (readiness fails,
requests are still served) and is handed to uvicorn ``delay_s`` later; a second signal, or SIGINT
(a person at a terminal), is handed on at once.

A SIGINT after the hand-over is uvicorn's "force quit", which skips the app's shutdown: the usage
records of calls that had already answered were lost. Here it cancels the requests still running
(as the end of the grace period does) and lets the shutdown run, so the ledger is still written
(within ``STRATA_USAGE_SHUTDOWN_TIMEOUT_S``).

Installed from the lifespan because the app is the one thing of Strata's that starts inside every
uvicorn worker (``--workers N``); only in the main thread, where signal handlers live. uvicorn has
installed its own handlers by then; this wraps them, and puts them back when the app stops.
"""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

from gateway.drain import Drain, Phase
from gateway.logs import LOG

_SIGNALS = (signal.SIGTERM, signal.SIGINT)
Handler = Callable[[int, FrameType | None], Any]


class DrainOnSignal:
    def __init__(self, drain: Drain, delay_s: float) -> None:
        self.drain = drain
        self.delay_s = delay_s
        self._wrapped: dict[int, Handler] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending: asyncio.TimerHandle | None = None  # the delayed hand-over, until it runs
        self._handed_over = False

    def install(self) -> bool:
        """Wrap the server's handlers; False (nothing done) outside the main thread or without them."""
        if threading.current_thread() is not threading.main_thread():
            return False
        handlers = {sig: signal.getsignal(sig) for sig in _SIGNALS}
        if not all(callable(handler) for handler in handlers.values()):
            return False  # not under a server that handles signals (uvicorn does): leave them alone
        self._loop = asyncio.get_running_loop()
        for sig, handler in handlers.items():
            assert callable(handler)
            self._wrapped[sig] = handler
            signal.signal(sig, self._on_signal)
        if signal.getsignal(signal.SIGHUP) == signal.SIG_DFL:  # uvicorn's supervisor restarts workers on it
            signal.signal(signal.SIGHUP, _hangup)
        return True

    def uninstall(self) -> None:
        """Put the server's own handlers back (only where ours is still the one installed)."""
        for sig, handler in self._wrapped.items():
            if signal.getsignal(sig) == self._on_signal:
                signal.signal(sig, handler)
        self._wrapped.clear()
        if signal.getsignal(signal.SIGHUP) == _hangup:
            signal.signal(signal.SIGHUP, signal.SIG_DFL)
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None

    def _on_signal(self, sig: int, frame: FrameType | None) -> None:
        """Runs between two bytecodes of whatever the loop was doing: only hand over to the loop."""
        assert self._loop is not None
        try:
            self._loop.call_soon_threadsafe(self._handle, sig)
        except RuntimeError:  # the loop is closed: nothing is served any more, let the server act
            self._wrapped[sig](sig, frame)

    def _handle(self, sig: int) -> None:
        first = self.drain.phase is Phase.SERVING
        self.drain.begin()
        if first and sig == signal.SIGTERM and self.delay_s > 0:
            assert self._loop is not None
            self._pending = self._loop.call_later(self.delay_s, self._stop, sig)
        else:
            self._stop(sig)

    def _stop(self, sig: int) -> None:
        if self._pending is not None:  # a second signal cut the delay short: hand over once
            self._pending.cancel()
            self._pending = None
        handler = self._wrapped.get(sig)
        if handler is None:
            return
        if self._handed_over and sig == signal.SIGINT and _cut_running(handler):
            sig = signal.SIGTERM  # uvicorn: stop (again), never "force quit" past the app's shutdown
        self._handed_over = True
        handler(sig, None)


def _hangup(sig: int, frame: FrameType | None) -> None:
    """SIGHUP killed the gateway on the spot (no drain, buffered usage records lost): an operator's
    `kill -HUP` or `systemctl reload`, a closed terminal. The configuration is read at start."""
    LOG.warning(
        "SIGHUP ignored: the configuration is read at start; restart the gateway to apply changes "
        "(SIGTERM drains first; with --workers N, the supervisor restarts its workers on SIGHUP)"
    )


def _cut_running(handler: Handler) -> bool:
    """Cancel the requests the server is still waiting for (uvicorn's Server, which ``handler`` is a
    method of). False when the handler is not uvicorn's: then it decides."""
    tasks = getattr(getattr(getattr(handler, "__self__", None), "server_state", None), "tasks", None)
    if not isinstance(tasks, set):
        return False
    for task in list(tasks):
        task.cancel("force quit: a second interrupt")
    return True
