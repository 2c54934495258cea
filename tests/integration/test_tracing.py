"""Traces: a span per request with a child per pipeline stage and per provider attempt, GenAI
attributes, the request id; the caller's W3C traceparent continued and each attempt's sent upstream.
Spans are caught by the OpenTelemetry SDK's in-memory exporter handed to the gateway before it
serves; without an OTLP endpoint in the environment a gateway has no tracer at all."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest
import yaml
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from gateway.app import StrataApp
from gateway.lifespan import AppState
from gateway.observability.tracing import Tracing
from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import ENVIRON, USER, openai_deployment
from tests.integration.test_litellm_provider import litellm_deployment
from tests.support.gateway import RunningGateway, gateway_in_thread

CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"
GUARD = {
    "blockedInputMessaging": "Blocked.",
    "blockedOutputsMessaging": "Withheld.",
    "wordPolicyConfig": {"wordsConfig": [{"text": "project nightingale"}]},
}


def _catalog(api_base: str) -> str:
    routing = {"retries": {"attempts": 3, "backoff_base_s": 0.01}, "circuit": {"consecutive_failures": 1000}}
    return yaml.safe_dump(
        {
            "guardrails": {"words": GUARD},
            "models": {
                "gpt-flaky": {
                    "deployments": [openai_deployment(api_base, "flaky-model")],
                    "guardrails": ["words"],
                    "routing": routing,
                },
                "via-litellm": {"deployments": [litellm_deployment(api_base)]},
            },
        }
    )


@pytest.fixture()
def traced(upstream: FakeUpstream, tmp_path: Path) -> Iterator[tuple[RunningGateway, InMemorySpanExporter]]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))

    def with_tracing(app: StrataApp) -> None:
        state: AppState = app.state.strata
        state.observer.tracing = Tracing(provider)

    with gateway_in_thread(_catalog(upstream.url), tmp_path, environ=ENVIRON, prepare=with_tracing) as gateway:
        yield gateway, exporter


def _by_name(spans: tuple[ReadableSpan, ...], name: str) -> list[ReadableSpan]:
    return [s for s in spans if s.name == name]


def _attrs(span: ReadableSpan) -> dict[str, Any]:
    return dict(span.attributes or {})


def test_a_retried_call_has_a_span_per_stage_and_per_attempt(
    traced: tuple[RunningGateway, InMemorySpanExporter], upstream: FakeUpstream
) -> None:
    gateway, exporter = traced
    upstream.set_behaviour("flaky-model", status=503, fail_times=1)
    with openai.OpenAI(base_url=gateway.openai_base, api_key=gateway.master_key, max_retries=0) as client:
        raw = client.chat.completions.with_raw_response.create(
            model="gpt-flaky",
            messages=USER,  # type: ignore[arg-type]
            extra_headers={"traceparent": f"00-{CALLER_TRACE}-{CALLER_SPAN}-01"},
        )
    request_id = raw.headers["x-request-id"]
    spans = exporter.get_finished_spans()

    (root,) = _by_name(spans, "POST /v1/chat/completions")
    assert root.kind is SpanKind.SERVER
    assert f"{root.context.trace_id:032x}" == CALLER_TRACE, "the caller's trace continues"
    assert root.parent is not None and f"{root.parent.span_id:016x}" == CALLER_SPAN
    attributes = _attrs(root)
    assert attributes["strata.request_id"] == request_id
    assert attributes["gen_ai.operation.name"] == "chat"
    assert attributes["gen_ai.request.model"] == "gpt-flaky"
    assert attributes["gen_ai.response.model"] == "gpt-flaky"
    assert attributes["gen_ai.provider.name"] == "openai"
    assert attributes["gen_ai.usage.input_tokens"] > 0 and attributes["gen_ai.usage.output_tokens"] > 0
    assert attributes["http.response.status_code"] == 200

    for stage in ("authenticate", "resolve", "guardrails.input", "quota.reserve", "guardrails.output"):
        (span,) = _by_name(spans, stage)
        assert span.parent is not None and span.parent.span_id == root.context.span_id, stage
    attempts = sorted(_by_name(spans, "chat flaky-model"), key=lambda s: _attrs(s)["strata.attempt"])
    assert [_attrs(s)["strata.attempt"] for s in attempts] == [1, 2]
    assert all(s.kind is SpanKind.CLIENT and s.parent and s.parent.span_id == root.context.span_id for s in attempts)
    failed, succeeded = attempts
    assert failed.status.status_code is StatusCode.ERROR and _attrs(failed)["error.type"]
    assert succeeded.status.status_code is not StatusCode.ERROR and "error.type" not in _attrs(succeeded)
    assert _attrs(succeeded)["gen_ai.request.model"] == "flaky-model"

    sent = [r["headers"].get("traceparent") for r in upstream.requests() if r["path"].endswith("/chat/completions")]
    expected = [f"00-{CALLER_TRACE}-{s.context.span_id:016x}-01" for s in attempts]
    assert sent == expected, "each attempt's own span is the upstream's parent"


def test_a_litellm_deployment_sends_its_attempt_span_upstream_as_traceparent(
    traced: tuple[RunningGateway, InMemorySpanExporter], upstream: FakeUpstream
) -> None:
    gateway, exporter = traced
    with openai.OpenAI(base_url=gateway.openai_base, api_key=gateway.master_key, max_retries=0) as client:
        client.chat.completions.create(
            model="via-litellm",
            messages=USER,  # type: ignore[arg-type]
            extra_headers={"traceparent": f"00-{CALLER_TRACE}-{CALLER_SPAN}-01"},
        )
    (attempt,) = _by_name(exporter.get_finished_spans(), "chat openai/fake-model")
    sent = upstream.requests()[-1]["headers"].get("traceparent")
    assert sent == f"00-{CALLER_TRACE}-{attempt.context.span_id:016x}-01"


def test_without_an_otlp_endpoint_a_gateway_has_no_tracer(
    upstream: FakeUpstream, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", raising=False)
    seen: list[Tracing | None] = []

    def look(app: StrataApp) -> None:
        seen.append(app.state.strata.observer.tracing)

    with gateway_in_thread(_catalog(upstream.url), tmp_path, environ=ENVIRON, prepare=look) as gateway:
        with openai.OpenAI(base_url=gateway.openai_base, api_key=gateway.master_key, max_retries=0) as client:
            client.chat.completions.create(model="gpt-flaky", messages=USER)  # type: ignore[arg-type]
    assert seen == [None]
    assert "traceparent" not in upstream.requests()[-1]["headers"]


def test_an_otlp_endpoint_in_the_environment_turns_tracing_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")
    tracing = Tracing.from_environment()
    assert tracing is not None
    tracing.shutdown()
