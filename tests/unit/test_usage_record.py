"""The usage record of a call: which requests get one, what it says, how it is made storable."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from gateway.services.context import CallContext, Principal
from gateway.services.usage.record import UsageEvent, is_model_call, usage_event
from gateway.services.usage.store import record_row, rows_for


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("POST", "/v1/chat/completions", True),
        ("POST", "/v1/embeddings", True),
        ("POST", "/model/anthropic.claude-3/converse", True),
        ("POST", "/model/x/converse-stream", True),
        ("POST", "/model/x/invoke", True),
        ("POST", "/model/x/invoke-with-response-stream", True),
        ("POST", "/model/x/count-tokens", False),
        ("GET", "/v1/chat/completions", False),
        ("GET", "/v1/models", False),
        ("POST", "/admin/keys", False),
        ("GET", "/health/ready", False),
    ],
)
def test_which_requests_are_model_calls(method: str, path: str, expected: bool) -> None:
    assert is_model_call(method, path) is expected


def _call(**fields: object) -> CallContext:
    call = CallContext(request_id="req-1", surface="openai")
    for name, value in fields.items():
        setattr(call, name, value)
    return call


def test_event_from_a_finished_call() -> None:
    principal = Principal(key_id="strata_abc", team_id="team_1", tags=("env:prod",))
    call = _call(
        principal=principal,
        model="gpt-x",
        served_model="gpt-y",
        deployment="gpt-y/0",
        provider="openai",
        stream=True,
        attempts=2,
        prompt_tokens=11,
        completion_tokens=7,
        cached_tokens=3,
        guardrail_action="masked",
        request_metadata={"project": "a"},
    )
    call.started -= 0.25
    call.first_token_s = 0.1
    before = time.time()
    event = usage_event(call, 200, "rec-1")
    assert event.id == "rec-1" and event.request_id == "req-1"
    assert (event.key_id, event.team_id, event.tags) == ("strata_abc", "team_1", ("env:prod",))
    assert (event.model, event.served_model, event.deployment, event.provider) == (
        "gpt-x",
        "gpt-y",
        "gpt-y/0",
        "openai",
    )
    assert (event.prompt_tokens, event.completion_tokens, event.cached_tokens) == (11, 7, 3)
    assert event.latency_ms >= 250 and event.ttft_ms == pytest.approx(100)
    assert before - 0.3 < event.ts <= before - 0.25 + 0.01
    assert event.guardrail_action == "masked" and event.request_metadata == {"project": "a"}
    assert not event.is_error


def test_event_of_a_call_that_failed_early() -> None:
    event = usage_event(_call(error_type="authentication_error"), 401, "rec-2")
    assert event.key_id is None and event.model is None and event.prompt_tokens == 0 and event.tags == ()
    assert event.is_error


@pytest.mark.parametrize(
    ("status", "error_type", "is_error"),
    [(200, None, False), (200, "api_error", True), (429, None, True), (503, None, True), (0, None, True)],
)
def test_what_counts_as_an_error(status: int, error_type: str | None, is_error: bool) -> None:
    event = UsageEvent(
        id="a", request_id="a", ts=0, surface="openai", status=status, latency_ms=1, error_type=error_type
    )
    assert event.is_error is is_error


def test_rows_are_made_storable() -> None:
    event = UsageEvent(
        id="a",
        request_id="r" * 500,
        ts=1_700_000_000.5,
        surface="openai",
        status=200,
        latency_ms=float("inf"),
        model="m" * 500,
        prompt_tokens=2**40,
        completion_tokens=-3,
        ttft_ms=float("nan"),
        tags=("a", "b"),
    )
    row = record_row(event, Decimal("0.5"))
    assert len(row["request_id"]) == 128 and len(row["model"]) == 200
    assert row["prompt_tokens"] == 2**31 - 1 and row["completion_tokens"] == 0
    assert row["latency_ms"] == 0.0 and row["ttft_ms"] is None
    assert row["ts"].tzinfo is not None and row["ts"].timestamp() == 1_700_000_000.5
    assert row["tags"] == ["a", "b"] and row["cost_usd"] == Decimal("0.5")


class _Prices:
    def cost(self, deployment: str | None, prompt: int, completion: int, cached: int = 0) -> Decimal:
        return Decimal(prompt) * Decimal("0.001") if deployment else Decimal(0)


def test_rows_carry_their_cost_and_duplicates_are_written_once() -> None:
    first = UsageEvent(
        id="a", request_id="x", ts=0, surface="openai", status=200, latency_ms=1, deployment="d/0", prompt_tokens=10
    )
    local = UsageEvent(id="b", request_id="x", ts=0, surface="openai", status=200, latency_ms=1, prompt_tokens=10)
    rows = rows_for([first, local, first], _Prices())  # type: ignore[arg-type]
    assert [(r["id"], r["cost_usd"]) for r in rows] == [("a", Decimal("0.010")), ("b", Decimal(0))]
