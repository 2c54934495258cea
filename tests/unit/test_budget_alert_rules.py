"""Budget alert rules, crossings and signatures, decided without a database or a network."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from gateway.services.alerts.detect import Scope, Spend, rate_crossing, threshold_crossings, window_period
from gateway.services.alerts.rules import AlertRules
from gateway.services.alerts.signing import signature, verify

TODAY = date(2026, 12, 4)
NOON = datetime(2026, 12, 4, 12, 30, tzinfo=UTC)


def scope(rules: Mapping[str, object], day: float | None = 10.0, month: float | None = None) -> Scope:
    return Scope("key", "sk-1", "billing", AlertRules.model_validate(rules), day, month)


def test_each_threshold_reached_is_one_crossing_per_budget_period() -> None:
    rules = {"thresholds": [1.0, 0.5, 0.8]}
    found = threshold_crossings(scope(rules, day=10.0, month=100.0), Spend(day=8.0, month=8.0), TODAY)
    assert [(c.threshold, c.period) for c in found] == [(0.5, "day:2026-12-04"), (0.8, "day:2026-12-04")]
    assert threshold_crossings(scope(rules, month=100.0, day=None), Spend(month=50.0), TODAY)[0].period == (
        "month:2026-12"
    )


def test_a_spend_exactly_at_a_threshold_crosses_it_despite_float_rounding() -> None:
    found = threshold_crossings(scope({"thresholds": [0.5]}, day=0.076), Spend(day=0.019 + 0.019), TODAY)
    assert [c.threshold for c in found] == [0.5]


def test_no_budget_means_no_threshold_alerts() -> None:
    assert threshold_crossings(scope({"thresholds": [0.5]}, day=None), Spend(day=1e6, month=1e6), TODAY) == []


def test_a_spend_rate_over_the_multiple_of_the_seven_day_average_is_anomalous() -> None:
    rules = {"spend_rate": {"multiplier": 3.0, "window_minutes": 60, "min_usd": 0.0}}
    history = 7 * 24 * 1.0  # one dollar per hour for a week
    assert rate_crossing(scope(rules), Spend(previous_days=history, window=2.9), NOON) is None
    crossing = rate_crossing(scope(rules), Spend(previous_days=history, window=3.5), NOON)
    assert crossing is not None and crossing.kind == "spend_rate"
    assert crossing.budget_usd == pytest.approx(3.0) and crossing.detail["baseline_usd"] == pytest.approx(1.0)
    assert crossing.period == "window:60m:2026-12-04T12:00Z"


def test_without_history_the_minimum_spend_decides_and_an_absolute_rate_caps_it() -> None:
    relative = {"spend_rate": {"multiplier": 2.0, "min_usd": 5.0}}
    assert rate_crossing(scope(relative), Spend(window=4.0), NOON) is None
    assert rate_crossing(scope(relative), Spend(window=6.0), NOON) is not None
    both = {"spend_rate": {"multiplier": 2.0, "min_usd": 5.0, "usd_per_hour": 2.0, "window_minutes": 30}}
    crossing = rate_crossing(scope(both), Spend(window=1.5), NOON)
    assert crossing is not None and crossing.budget_usd == pytest.approx(1.0)
    assert crossing.period == "window:30m:2026-12-04T12:30Z" == window_period(NOON, 30)


@pytest.mark.parametrize(
    "rules",
    [
        {"thresholds": [0]},
        {"thresholds": [10.5]},
        {"thresholds": [0.1 * i for i in range(1, 12)]},
        {"thresholds": [0.5], "webhook_url": "ftp://example.com/hook"},
        {"thresholds": [0.5], "webhook_url": "example.com"},
        {"spend_rate": {"window_minutes": 60}},
        {"spend_rate": {"multiplier": 0.5}},
        {"webhook_url": "https://example.com/hook"},
        {"thresholds": [0.5], "secret": "x"},
    ],
)
def test_rules_that_cannot_be_kept_are_refused(rules: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        AlertRules.model_validate(rules)


def test_rules_are_stored_sorted_without_unset_entries() -> None:
    rules = AlertRules.model_validate({"thresholds": [1.0, 0.5, 0.5], "webhook_url": "https://hooks.example/x"})
    assert rules.stored() == {"thresholds": [0.5, 1.0], "webhook_url": "https://hooks.example/x"}


def test_a_signature_verifies_only_for_its_body_secret_and_time() -> None:
    body = b'{"alert_id": "a1"}'
    header = signature("s3cret", body, timestamp=1_700_000_000)
    assert verify("s3cret", body, header, now=1_700_000_100)
    assert not verify("s3cret", body + b" ", header, now=1_700_000_100)
    assert not verify("other", body, header, now=1_700_000_100)
    assert not verify("s3cret", body, header, now=1_700_000_000 + 301)  # a replay, five minutes on
    assert not verify("s3cret", body, "v1=deadbeef", now=1_700_000_000)


@pytest.mark.parametrize(
    "rules",
    [
        {"thresholds": [True]},
        {"thresholds": ["0.5"]},
        {"spend_rate": {"usd_per_hour": "5"}},
        {"spend_rate": {"usd_per_hour": 5, "window_minutes": "60"}},
        {"spend_rate": {"multiplier": False}},
    ],
)
def test_a_rule_written_as_a_string_or_a_boolean_is_refused_not_read_as_a_number(rules: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        AlertRules.model_validate(rules)


def test_whole_numbers_are_thresholds_and_rates_too() -> None:
    rules = AlertRules.model_validate({"thresholds": [1, 2], "spend_rate": {"usd_per_hour": 5, "min_usd": 0}})
    assert rules.thresholds == [1.0, 2.0] and rules.spend_rate is not None and rules.spend_rate.usd_per_hour == 5.0
