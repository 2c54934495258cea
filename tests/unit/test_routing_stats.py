"""What the router measures per deployment: rpm/tpm windows, in-flight counts, latency averages."""

from __future__ import annotations

import math
import random

import pytest

from gateway.services.routing.stats import EWMA_ALPHA, WINDOW_S, DeploymentStats, MinuteWindow

T0 = 1_700_000_000.0  # a wall-clock time, as time.time() gives


# ---------------------------------------------------------------- MinuteWindow


def test_an_empty_window_counts_nothing() -> None:
    window = MinuteWindow()
    assert window.total(T0) == 0
    assert window.seconds_until_below(1, T0) == 0.0


def test_amounts_in_the_same_and_in_different_seconds_add_up() -> None:
    window = MinuteWindow()
    window.add(1, T0)
    window.add(2, T0 + 0.9)
    window.add(4, T0 + 1.5)
    window.add(8, T0 + 59.5)
    assert window.total(T0 + 59.9) == 15


def test_an_amount_leaves_the_window_sixty_seconds_after_its_second() -> None:
    window = MinuteWindow()
    window.add(3, T0 + 0.5)
    assert window.total(T0 + 59.99) == 3
    assert window.total(T0 + 60.0) == 0


def test_a_reused_bucket_forgets_the_old_minute() -> None:
    window = MinuteWindow()
    window.add(5, T0)
    window.add(1, T0 + WINDOW_S)  # the same slot, a minute later
    assert window.total(T0 + WINDOW_S) == 1
    window.add(2, T0 + 2 * WINDOW_S + 0.5)
    assert window.total(T0 + 2 * WINDOW_S + 0.5) == 2


def test_asking_again_within_the_same_second_still_sees_new_amounts() -> None:
    window = MinuteWindow()
    assert window.total(T0 + 0.1) == 0
    window.add(2, T0 + 0.2)
    assert window.total(T0 + 0.3) == 2


def test_a_long_quiet_spell_empties_the_window() -> None:
    window = MinuteWindow()
    for i in range(60):
        window.add(1, T0 + i)
    assert window.total(T0 + 59) == 60
    assert window.total(T0 + 3600) == 0
    window.add(1, T0 + 3600)
    assert window.total(T0 + 3600) == 1


def test_the_window_agrees_with_a_naive_count() -> None:
    rng = random.Random(4)
    window = MinuteWindow()
    events: list[tuple[float, int]] = []
    now = T0
    for _ in range(3000):
        now += rng.expovariate(20)  # about 20 events a second, sometimes gaps
        if rng.random() < 0.01:
            now += rng.uniform(0, 90)
        amount = rng.randint(1, 5)
        window.add(amount, now)
        events.append((now, amount))
        naive = sum(a for t, a in events if int(t) > int(now) - WINDOW_S)
        assert window.total(now) == naive


def test_seconds_until_below_is_when_the_oldest_needed_bucket_expires() -> None:
    window = MinuteWindow()
    window.add(2, T0 + 0.5)  # second T0: expires at T0 + 60
    window.add(1, T0 + 10.2)  # second T0 + 10: expires at T0 + 70
    now = T0 + 20.25
    assert window.seconds_until_below(4, now) == 0.0
    assert window.seconds_until_below(3, now) == pytest.approx(39.75)
    assert window.seconds_until_below(2, now) == pytest.approx(39.75)
    assert window.seconds_until_below(1, now) == pytest.approx(49.75)


def test_seconds_until_below_is_consistent_with_total() -> None:
    def window() -> MinuteWindow:
        w = MinuteWindow()
        for i in range(10):
            w.add(1, T0 + i * 3.3)
        return w

    now = T0 + 40
    for limit in range(1, 11):
        wait = window().seconds_until_below(limit, now)
        if wait > 0:
            assert window().total(now + wait - 0.01) >= limit, limit
        assert window().total(now + wait) < limit, limit


# ---------------------------------------------------------------- DeploymentStats


def test_started_and_finished_track_in_flight_and_count_requests() -> None:
    stats = DeploymentStats()
    stats.started(10, T0)
    stats.started(5, T0)
    assert stats.in_flight == 2
    assert stats.requests.total(T0) == 2
    assert stats.tokens.total(T0) == 15
    stats.finished()
    stats.finished()
    stats.finished()
    assert stats.in_flight == 0, "never negative"


def test_latency_is_an_exponential_moving_average() -> None:
    stats = DeploymentStats()
    assert stats.latency_s is None
    assert stats.expected_latency(stream=False) == 0.0, "unmeasured looks fastest"
    stats.observe_latency(1.0, stream=False)
    assert stats.latency_s == 1.0
    stats.observe_latency(2.0, stream=False)
    assert stats.latency_s == pytest.approx(1.0 + EWMA_ALPHA * 1.0)
    assert stats.ttft_s is None, "streams are measured apart"
    stats.observe_latency(0.3, stream=True)
    assert stats.expected_latency(stream=True) == 0.3
    assert stats.expected_latency(stream=False) == pytest.approx(1.2)


def test_the_average_converges_to_a_new_steady_latency() -> None:
    stats = DeploymentStats()
    stats.observe_latency(5.0, stream=False)
    for _ in range(50):
        stats.observe_latency(0.1, stream=False)
    assert stats.latency_s == pytest.approx(0.1, abs=0.01)


@pytest.mark.parametrize(
    ("used", "limit", "expected"),
    [(0, None, 1.0), (10**9, None, 1.0), (0, 10, 1.0), (5, 10, 0.5), (10, 10, 0.0), (15, 10, 0.0)],
)
def test_headroom(used: int, limit: int | None, expected: float) -> None:
    assert DeploymentStats.headroom(used, limit) == pytest.approx(expected)


def test_finite_replaces_infinities() -> None:
    assert DeploymentStats.finite(2.5) == 2.5
    assert DeploymentStats.finite(math.inf) == 1e18
    assert DeploymentStats.finite(math.nan) == 1e18


def test_tokens_are_added_only_when_there_are_some() -> None:
    stats = DeploymentStats()
    stats.add_tokens(0, T0)
    stats.add_tokens(12, T0)
    assert stats.tokens.total(T0) == 12
