"""What the router knows about each deployment: load, latency and its use of its own limits.

All in process and O(1) per call: the request path never waits on a store to route.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

EWMA_ALPHA = 0.2  # weight of the newest latency sample
WINDOW_S = 60  # rpm / tpm windows


class MinuteWindow:
    """Counts over the last 60 seconds in one-second buckets (cheap, and exact to a second)."""

    __slots__ = ("_counts", "_stamps", "_total", "_expired_at")

    def __init__(self) -> None:
        self._counts = [0] * WINDOW_S
        self._stamps = [0] * WINDOW_S
        self._total = 0
        self._expired_at = -1

    def _expire(self, second: int) -> None:
        if second == self._expired_at:
            return
        self._expired_at = second
        for i in range(WINDOW_S):
            if self._stamps[i] <= second - WINDOW_S and self._counts[i]:
                self._total -= self._counts[i]
                self._counts[i] = 0

    def add(self, amount: int, now: float) -> None:
        second = int(now)
        slot = second % WINDOW_S
        if self._stamps[slot] != second:
            self._total -= self._counts[slot]
            self._counts[slot] = 0
            self._stamps[slot] = second
        self._counts[slot] += amount
        self._total += amount

    def total(self, now: float) -> int:
        self._expire(int(now))
        return self._total

    def seconds_until_below(self, limit: int, now: float) -> float:
        """How long until the window's total drops under ``limit`` (0 if it already is)."""
        second = int(now)
        self._expire(second)
        total = self._total
        if total < limit:
            return 0.0
        for age in range(WINDOW_S - 1, -1, -1):  # oldest bucket first
            slot = (second - age) % WINDOW_S
            if self._stamps[slot] == second - age:
                total -= self._counts[slot]
                if total < limit:
                    return float(WINDOW_S - age) - (now - second)
        return float(WINDOW_S)


@dataclass(slots=True)
class DeploymentStats:
    in_flight: int = 0
    latency_s: float | None = None  # EWMA of whole non-streaming calls
    ttft_s: float | None = None  # EWMA of time to first chunk of streams
    requests: MinuteWindow = field(default_factory=MinuteWindow)
    tokens: MinuteWindow = field(default_factory=MinuteWindow)
    cooling_until: float = 0.0  # set from an upstream's Retry-After

    def started(self, estimated_tokens: int, now: float) -> None:
        self.in_flight += 1
        self.requests.add(1, now)
        self.tokens.add(estimated_tokens, now)

    def finished(self) -> None:
        self.in_flight = max(0, self.in_flight - 1)

    def add_tokens(self, amount: int, now: float) -> None:
        if amount:
            self.tokens.add(amount, now)

    def observe_latency(self, seconds: float, stream: bool) -> None:
        if stream:
            self.ttft_s = seconds if self.ttft_s is None else self.ttft_s + EWMA_ALPHA * (seconds - self.ttft_s)
        else:
            self.latency_s = (
                seconds if self.latency_s is None else self.latency_s + EWMA_ALPHA * (seconds - self.latency_s)
            )

    def expected_latency(self, stream: bool) -> float:
        """Unmeasured deployments look fastest, so that each gets tried and measured."""
        value = self.ttft_s if stream else self.latency_s
        return 0.0 if value is None else value

    def cool_down(self, seconds: float, now: float) -> None:
        """Rest until ``now + seconds`` (``now`` on the router's clock)."""
        self.cooling_until = max(self.cooling_until, now + seconds)

    def cooling(self, now_monotonic: float) -> bool:
        return now_monotonic < self.cooling_until

    @staticmethod
    def headroom(used: int, limit: int | None) -> float:
        """Share of a limit still free: 1 when unlimited, 0 at or past the limit."""
        if limit is None:
            return 1.0
        return max(0.0, 1.0 - used / limit) if limit > 0 else 0.0

    @staticmethod
    def finite(value: float) -> float:
        return value if math.isfinite(value) else 1e18
