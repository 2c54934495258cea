"""The ``/metrics`` body: this process's families, or every worker's under multiprocess mode."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import Callable

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from gateway.observability.metrics import multiprocess_dir
from gateway.observability.multiproc import forget_dead_workers
from gateway.observability.recorder import MetricsRecorder


async def render(recorder: MetricsRecorder, gzipped: bool = False) -> bytes:
    """The Prometheus text format, this process's pending calls and gauges brought up to date first.

    Written in a thread: with a series per key, 10,000 keys make ~6 MB of text (~0.5 s), which on
    the event loop held every call in flight that long (the client library's metrics take their
    own locks). ``gzipped``: compressed there too (a scraper that says it takes gzip)."""
    recorder.refresh()
    folder = multiprocess_dir()
    if folder is None:
        return await asyncio.to_thread(_text, lambda: generate_latest(recorder.metrics.registry), gzipped)
    return await asyncio.to_thread(_text, lambda: _every_worker(folder), gzipped)  # reads each worker's files


def _text(write: Callable[[], bytes], gzipped: bool) -> bytes:
    body = write()
    return gzip.compress(body, compresslevel=5) if gzipped else body


def _every_worker(folder: str) -> bytes:
    forget_dead_workers(folder)
    registry = CollectorRegistry()
    MultiProcessCollector(registry, folder)  # type: ignore[no-untyped-call]
    return generate_latest(registry)
