"""OpenTelemetry traces: a span per request, a child per pipeline stage and per provider attempt.

On only when an OTLP endpoint is configured (``OTEL_EXPORTER_OTLP_ENDPOINT`` or
``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``, with the exporter's other ``OTEL_*`` variables): spans are
batched and exported over OTLP/HTTP off the request path. Otherwise there is no tracer at all, and
the request path pays an attribute check per stage (``stage`` returns a shared no-op).

The request span continues a caller's W3C ``traceparent``; each attempt's span is sent upstream as
the next ``traceparent`` (CallOptions.headers), so an upstream that traces joins the same trace.
Attributes follow the GenAI semantic conventions (``gen_ai.operation.name``,
``gen_ai.request.model``, ``gen_ai.response.model``, ``gen_ai.provider.name``,
``gen_ai.usage.input_tokens`` / ``output_tokens``), plus ``strata.request_id``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from types import TracebackType
from typing import TYPE_CHECKING, Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from opentelemetry.util.types import AttributeValue
from starlette.types import Scope

from gateway import __version__
from gateway.config.errors import ConfigError

if TYPE_CHECKING:
    from gateway.services.catalog import DeploymentHandle
    from gateway.services.context import CallContext


class _NoSpan:
    """The stage span when tracing is off: entering and leaving it does nothing."""

    __slots__ = ()

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        return None


NO_SPAN = _NoSpan()


def stage(call: CallContext, name: str) -> AbstractContextManager[Any]:
    """A child span of the request for one pipeline stage (authenticate, resolve, ...)."""
    trace_ = call.trace
    return NO_SPAN if trace_ is None else trace_.tracing.tracer.start_as_current_span(name)


def attempt(call: CallContext, deployment: DeploymentHandle) -> AbstractContextManager[Any]:
    """A span for one provider attempt (a client span: the upstream's own spans join under it)."""
    trace_ = call.trace
    return NO_SPAN if trace_ is None else trace_.attempt(call, deployment)


def upstream_headers(call: CallContext) -> tuple[tuple[str, str], ...]:
    """The current span's context as W3C headers for the upstream request (none when off)."""
    trace_ = call.trace
    if trace_ is None:
        return ()
    carrier: dict[str, str] = {}
    trace_.tracing.propagator.inject(carrier)
    return tuple(carrier.items())


class Tracing:
    """A tracer over a provider: the OTLP one from the environment, or a test's own."""

    def __init__(self, provider: trace.TracerProvider) -> None:
        self.provider = provider
        self.tracer = provider.get_tracer("strata", __version__)
        self.propagator = TraceContextTextMapPropagator()

    @classmethod
    def from_environment(cls) -> Tracing | None:
        """The OTLP/HTTP exporter when an endpoint is configured; None (no tracing) otherwise."""
        endpoint = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        if not endpoint or os.environ.get("OTEL_SDK_DISABLED", "").lower() == "true":
            return None
        try:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        except ImportError:
            raise ConfigError(
                "OTEL_EXPORTER_OTLP_ENDPOINT is set but the OTLP exporter is not installed: "
                "pip install 'strata-gateway[otel]'"
            ) from None
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        named = {} if os.environ.get("OTEL_SERVICE_NAME") else {"service.name": "strata"}
        provider = TracerProvider(resource=Resource.create(named))
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        return cls(provider)

    def begin(self, scope: Scope, call: CallContext, route: str) -> CallTrace:
        """The request's span, current until ``CallTrace.end`` (a caller's traceparent continued)."""
        carrier = {
            name.decode("latin-1"): value.decode("latin-1")
            for name, value in scope["headers"]
            if name in (b"traceparent", b"tracestate")
        }
        parent = self.propagator.extract(carrier) if carrier else None
        span = self.tracer.start_span(
            f"{scope['method']} {route}",
            context=parent,
            kind=SpanKind.SERVER,
            attributes={"strata.request_id": call.request_id, "http.route": route, "strata.surface": call.surface},
        )
        token = otel_context.attach(trace.set_span_in_context(span, parent))
        return CallTrace(self, span, token)

    def shutdown(self) -> None:
        """Export what is buffered and stop (the lifespan's end)."""
        shutdown = getattr(self.provider, "shutdown", None)
        if shutdown is not None:
            shutdown()


class CallTrace:
    """One request's spans: its own, and the stage and attempt spans made current under it."""

    __slots__ = ("tracing", "span", "_token")

    def __init__(self, tracing: Tracing, span: Span, token: object) -> None:
        self.tracing = tracing
        self.span = span
        self._token = token

    @contextmanager
    def attempt(self, call: CallContext, deployment: DeploymentHandle) -> Iterator[Span]:
        attributes: dict[str, AttributeValue] = {
            "gen_ai.operation.name": call.operation,
            "gen_ai.provider.name": deployment.provider_type,
            "gen_ai.request.model": deployment.config.model,
            "strata.deployment": deployment.id,
            "strata.attempt": call.attempts,
        }
        name = f"{call.operation} {deployment.config.model}"
        with self.tracing.tracer.start_as_current_span(
            name, kind=SpanKind.CLIENT, attributes=attributes, record_exception=False, set_status_on_exception=False
        ) as span:
            try:
                yield span
            except BaseException as exc:
                span.set_attribute("error.type", type(exc).__name__)
                span.set_status(Status(StatusCode.ERROR, str(getattr(exc, "message", "")) or type(exc).__name__))
                raise

    def end(self, call: CallContext, status: int) -> None:
        """Close the request's span with what the call came to."""
        span = self.span
        attributes: dict[str, Any] = {"http.response.status_code": status, "gen_ai.operation.name": call.operation}
        for name, value in (
            ("gen_ai.request.model", call.model),
            ("gen_ai.response.model", call.served_model),
            ("gen_ai.provider.name", call.provider),
            ("gen_ai.usage.input_tokens", call.prompt_tokens),
            ("gen_ai.usage.output_tokens", call.completion_tokens),
            ("strata.deployment", call.deployment),
            ("strata.key_id", call.principal.key_id if call.principal is not None else None),
            ("strata.attempts", call.attempts or None),
            ("error.type", call.error_type),
        ):
            if value is not None:
                attributes[name] = value
        span.set_attributes(attributes)
        if status >= 500 or status == 0 or call.error_type is not None:
            span.set_status(Status(StatusCode.ERROR, call.error_type or str(status)))
        try:
            otel_context.detach(self._token)  # type: ignore[arg-type]
        finally:
            span.end()
