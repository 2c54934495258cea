"""The one object the request boundary hands each finished model call to (middleware.py).

It holds what is switched on: the metrics recorder (``metrics`` setting, on by default), the
tracer (an OTLP endpoint in the environment) and the invocation log (``invocation_logs``). Each
part's request-path work is an append or nothing; the rest happens in their own tasks.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from gateway.observability.invocations.writer import InvocationLog
from gateway.observability.recorder import MetricsRecorder
from gateway.observability.tracing import Tracing
from gateway.services.context import CallContext
from gateway.services.usage.record import UsageEvent


@dataclass
class Observer:
    metrics: MetricsRecorder | None = None
    tracing: Tracing | None = None  # may be replaced before serving (tests hand in their own provider)
    invocations: InvocationLog | None = None

    @property
    def wants_calls(self) -> bool:
        """Whether finished calls are needed at all (else the boundary skips building a record)."""
        return self.metrics is not None or self.invocations is not None

    def finished(self, call: CallContext, event: UsageEvent) -> None:
        if self.metrics is not None:
            self.metrics.submit(call, event)
        if self.invocations is not None and call.principal is not None:
            self.invocations.submit(call, event)

    def start(self) -> None:
        if self.metrics is not None:
            self.metrics.start()
        if self.invocations is not None:
            self.invocations.start()

    async def stop(self) -> None:
        """After the last request: fold and write what is left, export the last spans."""
        if self.metrics is not None:
            await self.metrics.stop()
        if self.invocations is not None:
            await self.invocations.stop()
        if self.tracing is not None:
            await asyncio.to_thread(self.tracing.shutdown)  # flushes the exporter: not on the loop
