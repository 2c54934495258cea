"""Work a service starts off the request path and must not lose track of.

asyncio keeps only a weak reference to a task, so one nobody holds can vanish mid-way, and a failure
nobody reads is reported only when the task is collected ("exception was never retrieved"). A
``Background`` holds its tasks until they end, logs a failure once with what the work was, and
ends them at shutdown: waited for (``drain``, for work worth finishing) or cancelled (``cancel``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from typing import Any

from gateway.logs import LOG


class Background:
    def __init__(self, what: str) -> None:
        self._what = what  # the owner, in the log line of a failure: "response cache"
        self._tasks: set[asyncio.Task[Any]] = set()

    def __len__(self) -> int:
        return len(self._tasks)

    def spawn(self, work: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(work, name=f"strata-{name}")
        self._tasks.add(task)
        task.add_done_callback(self._ended)
        return task

    def _ended(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            LOG.warning(
                f"{self._what}: background work failed",
                extra={"fields": {"task": task.get_name(), "error": repr(error)}},
            )

    async def drain(self, timeout_s: float) -> None:
        """Wait up to ``timeout_s`` for what is running, then cancel what is left."""
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=timeout_s)
        await self.cancel()

    async def cancel(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
