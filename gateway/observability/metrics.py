"""The metric families Strata exposes at ``/metrics``, built once per app in its own registry.

Names follow the OpenTelemetry GenAI semantic conventions where one exists, as their Prometheus
translation (dots to underscores, the unit appended): ``gen_ai.client.operation.duration`` is
``gen_ai_client_operation_duration_seconds``, ``gen_ai.client.token.usage`` is
``gen_ai_client_token_usage`` (``gen_ai_token_type`` input or output), and
``gen_ai.server.time_to_first_token`` is ``gen_ai_server_time_to_first_token_seconds``, each with the
conventions' bucket boundaries. Everything else is ``strata_*``.

Label values are bounded: catalog names (models, deployments, providers), surfaces, HTTP statuses,
the error tree's types, key and team ids (as many as there are keys), guardrail ids. Never a
request id, never anything a caller typed.

Under ``strata serve --workers N`` (multiprocess.py) the values live in prometheus_client's
per-process files and every worker's are summed at scrape; gauges say how (``livesum``: the sum of
the live workers', ``livemax``: the worst of them).
"""

from __future__ import annotations

import os
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, values

# The conventions' ExplicitBucketBoundaries (semantic-conventions, gen-ai-metrics.md).
DURATION_BUCKETS = (0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92)
TOKEN_BUCKETS = tuple(float(4**i) for i in range(14))  # 1, 4, 16 ... 67108864
TTFT_BUCKETS = (0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)
BATCH_BUCKETS = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0)

GENAI = ("gen_ai_operation_name", "gen_ai_provider_name", "gen_ai_request_model", "gen_ai_response_model")
REQUESTS = ("surface", "model", "deployment", "provider", "status", "error_type")
SPEND = ("model", "key", "team")


def multiprocess_dir() -> str | None:
    """The folder prometheus_client's multiprocess mode keeps values in, when it is on."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def _value_class_for_environment() -> None:
    """prometheus_client picks per-process files or plain values when it is first imported; if it
    was imported before ``strata serve`` set the folder, pick again before any family exists."""
    wants_files = multiprocess_dir() is not None
    if wants_files == (values.ValueClass is values.MutexValue):
        values.ValueClass = values.get_value_class()  # type: ignore[no-untyped-call]


class GatewayMetrics:
    """Every family, registered in ``registry`` (one per app: tests run several apps in a process)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        _value_class_for_environment()
        self.registry = registry or CollectorRegistry()
        r: dict[str, Any] = {"registry": self.registry}
        self.requests = Counter("strata_requests", "Model calls answered, by outcome.", REQUESTS, **r)
        self.duration = Histogram(
            "gen_ai_client_operation_duration_seconds",
            "Model calls' duration at the gateway, received to answered (streams: to their end).",
            (*GENAI, "error_type"),
            buckets=DURATION_BUCKETS,
            **r,
        )
        self.token_usage = Histogram(
            "gen_ai_client_token_usage",
            "Tokens per successful model call, by type (input, output).",
            (*GENAI, "gen_ai_token_type"),
            buckets=TOKEN_BUCKETS,
            **r,
        )
        self.ttft = Histogram(
            "gen_ai_server_time_to_first_token_seconds",
            "Streams: from the request's arrival to the first chunk sent.",
            GENAI,
            buckets=TTFT_BUCKETS,
            **r,
        )
        self.tokens = Counter(
            "strata_tokens", "Tokens by model, key and team (type: input, output).", (*SPEND, "type"), **r
        )
        self.cost = Counter("strata_cost_usd", "Spend in USD by model, key and team (the ledger's prices).", SPEND, **r)
        self.retries = Counter("strata_retries", "Attempts after the first, within a model's pool.", ("model",), **r)
        self.fallbacks = Counter(
            "strata_fallbacks", "Calls answered by a fallback model.", ("model", "fallback_model"), **r
        )
        self.quota_rejections = Counter(
            "strata_quota_rejections",
            "Calls refused by a limit (scope: key, team, model, key_model).",
            ("scope", "limit"),
            **r,
        )
        self.guardrail_actions = Counter(
            "strata_guardrail_actions",
            "Guardrail outcomes, per guardrail, side (input, output), action and policy.",
            ("guardrail", "side", "action", "policy"),
            **r,
        )
        self.cache_requests = Counter(
            "strata_cache_requests",
            "Calls to models with a response cache, by result (hit, semantic_hit, miss, bypass).",
            ("model", "result"),
            **r,
        )
        self.cache_saved_usd = Counter(
            "strata_cache_saved_usd", "What the calls answered from the cache would have cost, in USD.", ("model",), **r
        )
        self.cache_saved_tokens = Counter(
            "strata_cache_saved_tokens", "Upstream tokens the cache's answers saved.", ("model",), **r
        )
        self._gauges(r)

    def _gauges(self, r: dict[str, Any]) -> None:
        self.circuit_state = Gauge(
            "strata_circuit_state",
            "Each deployment's circuit: 0 closed, 1 half-open, 2 open (the worst any worker sees).",
            ("model", "deployment"),
            multiprocess_mode="livemax",
            **r,
        )
        self.usage_backlog = Gauge(
            "strata_usage_backlog", "Usage records waiting to be written.", multiprocess_mode="livesum", **r
        )
        self.usage_dropped = Counter(
            "strata_usage_dropped_records", "Usage records dropped: the buffer was full (database down).", **r
        )
        self.usage_written = Counter("strata_usage_written_records", "Usage records written to the ledger.", **r)
        self.loop_lag = Gauge(
            "strata_event_loop_lag_seconds",
            "How late the event loop ran a timer, at the last sample (the worst worker).",
            multiprocess_mode="livemax",
            **r,
        )
        self.local_queue = Gauge(
            "strata_local_queue_depth",
            "Local models: requests admitted and not finished (running or waiting).",
            ("deployment",),
            multiprocess_mode="livesum",
            **r,
        )
        self.local_batch = Histogram(
            "strata_local_batch_size",
            "Local models: rows in each batched step.",
            ("deployment",),
            buckets=BATCH_BUCKETS,
            **r,
        )
        self.local_tokens = Counter(
            "strata_local_tokens", "Local models: tokens generated (chat) or embedded.", ("deployment",), **r
        )
        self.local_tokens_per_s = Gauge(
            "strata_local_tokens_per_second",
            "Local models: tokens per second over the last sample interval.",
            ("deployment",),
            multiprocess_mode="livesum",
            **r,
        )
