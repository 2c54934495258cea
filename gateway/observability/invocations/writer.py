"""The invocation log writer: an append on the request path, batches written by one task.

``submit`` keeps the call's usage record and, when its bodies are kept (policy.py), references to
its request and answer; nothing is serialised on the request path. Every ``interval_s`` the task
builds the records (record.py) and writes them in one batch to the sink (sinks.py); once an hour it
deletes what is older than the retention. The buffer is bounded: while the sink fails, the oldest
records are dropped past ``max_buffer`` (counted, logged by count). A failure is logged by its
error type only, never its text: a database error's text can quote the rows, bodies included.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import Any

from gateway.logs import LOG
from gateway.observability.invocations.policy import BodyPolicy
from gateway.observability.invocations.record import Pending, build
from gateway.observability.invocations.sinks import Sink, cutoff
from gateway.services.context import CallContext
from gateway.services.usage.record import UsageEvent

RETENTION_SWEEP_S = 3600.0
BATCH = 1000


class InvocationLog:
    def __init__(
        self,
        sink: Sink,
        policy: BodyPolicy,
        retention_days: float,
        *,
        interval_s: float = 1.0,
        max_buffer: int = 10_000,
    ) -> None:
        self.sink = sink
        self.policy = policy
        self.retention_days = retention_days
        self.interval_s = interval_s
        self.max_buffer = max_buffer
        self._pending: deque[Pending] = deque()
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._closing = False
        self._last_sweep: float | None = None  # the first sweep runs at the first wake
        self.written = 0
        self.dropped = 0  # the buffer was full (the sink failing): oldest records discarded
        self.rejected = 0  # records that could not be built

    def submit(self, call: CallContext, event: UsageEvent) -> None:
        """The request path's part: decide whether the bodies are kept, and append."""
        if len(self._pending) >= self.max_buffer:
            self._pending.popleft()
            self.dropped += 1
        if self.policy.keeps_bodies(event):
            self._pending.append(Pending(event, call.operation, call.prompt, call.reply, True))
        else:
            self._pending.append(Pending(event, call.operation))

    def start(self) -> None:
        if self._task is None:
            self._closing = False
            self._task = asyncio.create_task(self._run(), name="strata-invocation-log")

    async def stop(self) -> None:
        """Write what is buffered (one last try), then stop."""
        self._closing = True
        self._wake.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def flush(self) -> None:
        """Write what is buffered now (tests; callers that need the log current)."""
        await self._write_pending()

    async def _run(self) -> None:
        while not self._closing:
            try:
                await asyncio.wait_for(self._wake.wait(), self.interval_s)
            except TimeoutError:
                pass
            await self._write_pending()
            await self._sweep()
        await self._write_pending()

    async def _write_pending(self) -> None:
        while self._pending:
            batch = [self._pending.popleft() for _ in range(min(BATCH, len(self._pending)))]
            records = [record for record in map(self._build, batch) if record is not None]
            try:
                if records:
                    await self.sink.write(records)
            except Exception as error:  # boundary: keep the batch for the next round; never log its text
                self._pending.extendleft(reversed(batch))
                LOG.error(
                    "invocation log write failed; the batch is kept and tried again",
                    extra={"fields": {"error": type(error).__name__, "records": len(batch)}},
                )
                return
            self.written += len(records)

    def _build(self, pending: Pending) -> dict[str, Any] | None:
        try:
            return build(pending)
        except Exception as error:  # boundary: one record that cannot be built must not hold the rest
            self.rejected += 1
            LOG.error("invocation record cannot be built", extra={"fields": {"error": type(error).__name__}})
            return None

    async def _sweep(self) -> None:
        now = time.monotonic()
        if self._last_sweep is not None and now - self._last_sweep < RETENTION_SWEEP_S:
            return
        self._last_sweep = now
        try:
            removed = await self.sink.expire(cutoff(self.retention_days))
        except Exception as error:  # boundary: the next sweep tries again
            LOG.error("invocation log retention sweep failed", extra={"fields": {"error": type(error).__name__}})
            return
        if removed:
            LOG.info("invocation log entries past retention deleted", extra={"fields": {"removed": removed}})

    def snapshot(self) -> dict[str, Any]:
        return {
            "buffered": len(self._pending),
            "written": self.written,
            "dropped": self.dropped,
            "rejected": self.rejected,
        }
