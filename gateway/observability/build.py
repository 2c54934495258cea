"""The observer of an app, from its settings and catalog (lifespan.py calls this once)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gateway.config.catalog import Catalog
from gateway.observability.gauges import Sampler
from gateway.observability.invocations.policy import BodyPolicy
from gateway.observability.invocations.sinks import DatabaseSink, FileSink, Sink
from gateway.observability.invocations.writer import InvocationLog
from gateway.observability.metrics import GatewayMetrics
from gateway.observability.observer import Observer
from gateway.observability.recorder import MetricsRecorder
from gateway.observability.tracing import Tracing

if TYPE_CHECKING:
    from gateway.lifespan import AppState


def build_observer(state: AppState, catalog: Catalog) -> Observer:
    settings = state.settings
    metrics = None
    if settings.metrics:
        families = GatewayMetrics()
        usage = state.usage if settings.usage_records else None
        sampler = Sampler(families, state.catalog, state.invoker.router, usage)
        metrics = MetricsRecorder(families, sampler, state.pricing, settings.metrics_interval_s)
    invocations = None
    if settings.invocation_logs != "off":
        policy = BodyPolicy(settings.invocation_log_bodies, [n for n, m in catalog.models.items() if m.log_bodies])
        sink: Sink
        if settings.invocation_logs == "database":
            sink = DatabaseSink(state.db)
        else:
            folder = settings.invocation_log_dir or settings.data_dir / "invocations"
            sink = FileSink(folder, settings.invocation_log_max_bytes)
        invocations = InvocationLog(sink, policy, settings.invocation_log_retention_days)
    return Observer(metrics, Tracing.from_environment(), invocations)
