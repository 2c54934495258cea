"""The usage record of a call: what it says, how it is made storable (which calls get one: test_route_table)."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import orjson
import pytest

from gateway.services.context import CallContext, Principal
from gateway.services.usage.record import UsageEvent, usage_event
from gateway.services.usage.store import COLUMNS, PostgresRows, RowMaker, SqliteRows


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


class _Prices:
    def cost(self, deployment: str | None, prompt: int, completion: int, cached: int = 0) -> Decimal:
        return Decimal(prompt) * Decimal("0.001") if deployment else Decimal(0)


def _stored(row: tuple[object, ...]) -> dict[str, object]:
    return dict(zip(COLUMNS, row, strict=True))


def test_rows_are_made_storable() -> None:
    event = UsageEvent(
        id="a",
        request_id="r" * 500,
        ts=1_700_000_000.5,
        surface="openai",
        status=200,
        latency_ms=float("inf"),
        model="m" * 500,
        deployment="d/0",
        prompt_tokens=2**40,
        completion_tokens=-3,
        ttft_ms=float("nan"),
        tags=("a", "b"),
    )
    row = _stored(SqliteRows().row(event, _Prices()))
    assert len(row["request_id"]) == 128 and len(row["model"]) == 200  # type: ignore[arg-type]
    assert row["prompt_tokens"] == 2**31 - 1 and row["completion_tokens"] == 0
    assert row["cost_usd"] == float(Decimal(2**31 - 1) * Decimal("0.001"))  # the cost of what is stored
    assert row["latency_ms"] == 0.0 and row["ttft_ms"] is None
    assert row["ts"] == "2023-11-14 22:13:20.500000"
    assert row["tags"] == '["a","b"]' and row["request_metadata"] == "null"


@pytest.mark.parametrize("maker", [SqliteRows, PostgresRows])
def test_times_are_stored_to_the_microsecond_as_datetime_rounds_them(maker: type[RowMaker]) -> None:
    rng = random.Random(4)
    moments = [0.0, 1.0, 1_700_000_000.0, 1_700_000_000.0000005, 1_700_000_000.9999995, 1_700_000_000.999_999_9]
    moments += [-1.5, -0.25]  # before 1970, whatever the clock says
    moments += [rng.uniform(0, 4e9) for _ in range(2000)]
    rows = maker()
    for moment in moments:
        expected = datetime.fromtimestamp(moment, UTC)
        if maker is SqliteRows:  # SQLAlchemy's text for a DateTime in SQLite
            assert rows.ts(moment) == expected.strftime("%Y-%m-%d %H:%M:%S.%f"), moment
        else:  # microseconds since the epoch
            assert rows.ts(moment) == (expected - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


def test_rows_carry_their_cost_and_duplicates_are_written_once() -> None:
    first = UsageEvent(
        id="a", request_id="x", ts=0, surface="openai", status=200, latency_ms=1, deployment="d/0", prompt_tokens=10
    )
    local = UsageEvent(id="b", request_id="x", ts=0, surface="openai", status=200, latency_ms=1, prompt_tokens=10)
    rows = [_stored(row) for row in PostgresRows().rows([first, local, first], _Prices())]
    assert [(r["id"], r["cost_usd"]) for r in rows] == [("a", "0.010"), ("b", "0")]  # exact decimal text


def test_an_event_that_cannot_be_a_row_is_refused_alone() -> None:
    good = UsageEvent(id="a", request_id="x", ts=0, surface="openai", status=200, latency_ms=1)
    bad = UsageEvent(
        id="b", request_id="y", ts=0, surface="openai", status=200, latency_ms=1, request_metadata={"x": object()}
    )
    refused: list[tuple[str, Exception]] = []
    rows = SqliteRows().rows([good, bad, good], _Prices(), lambda event, error: refused.append((event.id, error)))
    assert [row[0] for row in rows] == ["a"]
    assert [(record_id, type(error)) for record_id, error in refused] == [("b", orjson.JSONEncodeError)]
    with pytest.raises(TypeError):
        SqliteRows().rows([bad], _Prices())


def test_requests_refused_before_authentication_are_sampled_in_the_access_log(monkeypatch: pytest.MonkeyPatch) -> None:
    """Anyone who can reach the port could otherwise grow the log at line rate."""
    import io

    from gateway import logs

    now = [1_000_000.0]
    monkeypatch.setattr(logs.time, "time", lambda: now[0])
    log = logs.AccessLog(enabled=True, stream=io.StringIO())
    for _ in range(500):
        log.record_stranger({"status": 401})
    log.record({"status": 200})
    assert len(log._pending) == logs.STRANGERS_PER_S + 1, "at most STRANGERS_PER_S a second, everyone else always"
    now[0] += 1
    log.record_stranger({"status": 401})
    assert log._pending[-1][1]["refused_not_logged"] == 500 - logs.STRANGERS_PER_S
