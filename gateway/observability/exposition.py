"""The ``/metrics`` body: this process's families, or every worker's under multiprocess mode."""

from __future__ import annotations

import asyncio

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from gateway.observability.metrics import multiprocess_dir
from gateway.observability.multiproc import forget_dead_workers
from gateway.observability.recorder import MetricsRecorder


async def render(recorder: MetricsRecorder) -> bytes:
    """The Prometheus text format, this process's pending calls and gauges brought up to date first."""
    recorder.refresh()
    folder = multiprocess_dir()
    if folder is None:
        return generate_latest(recorder.metrics.registry)
    return await asyncio.to_thread(_every_worker, folder)  # reads each worker's files


def _every_worker(folder: str) -> bytes:
    forget_dead_workers(folder)
    registry = CollectorRegistry()
    MultiProcessCollector(registry, folder)  # type: ignore[no-untyped-call]
    return generate_latest(registry)
