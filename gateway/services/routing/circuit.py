"""Circuit breakers per deployment: closed -> open (cool-down) -> half-open (one probe) -> closed.

Opens after N consecutive failures, or when the failure rate over a window passes a threshold
with enough requests to judge. While open the deployment gets no traffic; after the cool-down a
single request probes it; its success closes the circuit, its failure opens it again.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from enum import StrEnum

from gateway.config.routing import CircuitPolicy


class CircuitState(StrEnum):
    CLOSED = "healthy"
    OPEN = "cooling_down"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    def __init__(self, policy: CircuitPolicy, clock: Callable[[], float] = time.monotonic) -> None:
        self.policy = policy
        self._clock = clock
        self._consecutive = 0
        self._outcomes: deque[tuple[float, bool]] = deque()  # (when, failed) within the window
        self._failures_in_window = 0
        self.open_until = 0.0
        self._probe_in_flight = False

    def state(self, now: float | None = None) -> CircuitState:
        now = self._clock() if now is None else now
        if self.open_until == 0.0:
            return CircuitState.CLOSED
        return CircuitState.OPEN if now < self.open_until else CircuitState.HALF_OPEN

    def allows(self, now: float | None = None) -> bool:
        """May a request go to this deployment now? (Does not claim the half-open probe.)"""
        state = self.state(now)
        return state is CircuitState.CLOSED or (state is CircuitState.HALF_OPEN and not self._probe_in_flight)

    def admit(self, now: float | None = None) -> bool:
        """Claim a place: always when closed, the single probe when half-open."""
        state = self.state(now)
        if state is CircuitState.CLOSED:
            return True
        if state is CircuitState.HALF_OPEN and not self._probe_in_flight:
            self._probe_in_flight = True
            return True
        return False

    def record(self, failed: bool, now: float | None = None, probe: bool | None = None) -> bool:
        """Count an outcome; True when this outcome opened the circuit.

        ``probe`` says whether the call was the half-open probe (tickets know); None means "if a
        probe is out, this is its outcome". A call that was not the probe and ends while the
        circuit is open or half-open started before the verdict: it decides nothing.
        """
        now = self._clock() if now is None else now
        if probe is False and self.state(now) is not CircuitState.CLOSED:
            return False
        was_probe = self._probe_in_flight if probe is None else probe
        if was_probe:
            self._probe_in_flight = False
        if was_probe or self.state(now) is CircuitState.HALF_OPEN:
            if failed:
                self._open(now)
                return True
            self._close()
            return False
        self._remember(failed, now)
        if not failed:
            self._consecutive = 0
            return False
        self._consecutive += 1
        if self.state(now) is CircuitState.OPEN:
            return False
        judged = len(self._outcomes) >= self.policy.min_requests
        rate = self._failures_in_window / len(self._outcomes) if self._outcomes else 0.0
        if self._consecutive >= self.policy.consecutive_failures or (judged and rate >= self.policy.failure_rate):
            self._open(now)
            return True
        return False

    def release_probe(self) -> None:
        """The probe ended without a verdict (cancelled, or a caller error): let another try."""
        self._probe_in_flight = False

    def force_open(self, until: float) -> None:
        """Adopt another process's verdict (shared state through Redis)."""
        if until > self.open_until:
            self.open_until = until
            self._probe_in_flight = False

    def _remember(self, failed: bool, now: float) -> None:
        self._outcomes.append((now, failed))
        self._failures_in_window += failed
        horizon = now - self.policy.window_s
        while self._outcomes and self._outcomes[0][0] < horizon:
            _, old_failed = self._outcomes.popleft()
            self._failures_in_window -= old_failed

    def _open(self, now: float) -> None:
        self.open_until = now + self.policy.cooldown_s
        self._consecutive = 0
        self._outcomes.clear()
        self._failures_in_window = 0

    def _close(self) -> None:
        self.open_until = 0.0
        self._consecutive = 0
        self._outcomes.clear()
        self._failures_in_window = 0
