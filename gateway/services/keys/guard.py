"""What a database outage may cost a key lookup: at most one timeout, and only now and then.

A lookup that fails (refused, reset, or no answer within ``timeout_s``) marks the database
unreachable: from then on no call asks it, and calls answer at once from the cache (or 503).
A background task repeats the failed lookup every ``pause_s`` (each try bounded by the timeout);
its first success marks the database reachable again, so the next call is served normally.

The outage and the recovery are logged once each, naming the error's type only: an SQLAlchemy
error's text carries the query's parameters, and those include a key's lookup hash.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy import exc as sa

from gateway.logs import LOG

T = TypeVar("T")
_UNREACHABLE = (OSError, TimeoutError, sa.OperationalError, sa.InterfaceError, sa.TimeoutError)


class StoreUnreachable(Exception):
    """The key store could not be asked just now (down, hanging, or resting after a failure)."""


def unreachable(error: BaseException) -> bool:
    """Whether ``error`` says the database could not be asked (rather than that a query is wrong)."""
    if isinstance(error, sa.DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, _UNREACHABLE)


def describe(error: BaseException) -> str:
    """An error's type, and its driver's for a wrapped one: never its text (see the module's docstring)."""
    inner = getattr(error, "orig", None)
    return f"{type(error).__name__}({type(inner).__name__})" if inner is not None else type(error).__name__


class LookupGuard:
    """Runs the key directory's database lookups under the timeout, and tracks whether to ask at all."""

    def __init__(self, timeout_s: float, pause_s: float = 1.0) -> None:
        self._timeout = timeout_s
        self._pause = pause_s
        self._down_since: float | None = None
        self._paused_until = 0.0
        self._probe: asyncio.Task[None] | None = None
        self._retry: Callable[[], Awaitable[Any]] | None = None  # the lookup that failed, tried again by the probe
        self._abandoned: set[asyncio.Task[Any]] = set()

    @property
    def reachable(self) -> bool:
        return self._down_since is None

    @property
    def retry_after_s(self) -> float:
        """When a refused caller may try again: once the next probe has had its chance."""
        return max(self._pause, self._paused_until - time.monotonic())

    async def ask(self, query: Callable[[], Awaitable[T]]) -> T:
        """``query()``'s result; StoreUnreachable at once while the database is marked down, or
        within the timeout when it does not answer."""
        if not self.reachable:
            raise StoreUnreachable
        return await self._run(query)

    async def _run(self, query: Callable[[], Awaitable[T]]) -> T:
        task = asyncio.ensure_future(query())
        try:
            done, _ = await asyncio.wait({task}, timeout=self._timeout)
        except asyncio.CancelledError:
            self._abandon(task)
            raise
        if not done:
            # Not awaited: cancelling a hung query closes its connection, which may take the
            # driver a while longer; the caller is answered now.
            self._abandon(task)
            self._failed(TimeoutError(), query)
            raise StoreUnreachable
        error = task.exception()
        if error is not None:
            if unreachable(error):
                self._failed(error, query)
                raise StoreUnreachable from error
            raise error
        self._succeeded()
        return task.result()

    def _abandon(self, task: asyncio.Task[Any]) -> None:
        task.cancel()
        self._abandoned.add(task)
        task.add_done_callback(self._forget)

    def _forget(self, task: asyncio.Task[Any]) -> None:
        self._abandoned.discard(task)
        if not task.cancelled():
            task.exception()  # retrieved: an abandoned lookup's failure was already counted

    def _failed(self, error: BaseException, query: Callable[[], Awaitable[Any]]) -> None:
        now = time.monotonic()
        self._paused_until = now + self._pause
        self._retry = query
        if self._down_since is None:
            self._down_since = now
            LOG.warning(
                "key lookups cannot reach the database: known keys are served from the cache, unknown ones get 503",
                extra={"fields": {"error": describe(error)}},
            )
        if self._probe is None:
            self._probe = asyncio.create_task(self._probe_until_back(), name="strata-key-store-probe")

    async def _probe_until_back(self) -> None:
        try:
            while not self.reachable:
                await asyncio.sleep(max(0.0, self._paused_until - time.monotonic()))
                if self.reachable or self._retry is None:
                    break
                try:
                    await self._run(self._retry)
                except StoreUnreachable:
                    pass  # still down: _run set the next pause
                except Exception as error:  # boundary: the database answered, if only with an error
                    LOG.warning("key store probe failed", extra={"fields": {"error": describe(error)}})
                    self._succeeded()
        finally:
            self._probe = None

    def _succeeded(self) -> None:
        if self._down_since is not None:
            LOG.warning(
                "key lookups reach the database again",
                extra={"fields": {"outage_s": round(time.monotonic() - self._down_since, 1)}},
            )
            self._down_since = None
            self._retry = None

    async def aclose(self) -> None:
        tasks = [*self._abandoned, *([self._probe] if self._probe is not None else [])]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
