"""When to try a call again, and how long to wait: shared by the sync and async transports.

Retried: 429 and 503 answers and connections that could not be made (the call never reached a
model, or was refused before it did); never a connection lost after the request went out (the
gateway may have received it: a model call or a create would run twice). The wait is the
Retry-After the gateway sent, else an exponential backoff with jitter; no wait ever runs past the
call's deadline: a Retry-After that would is not waited for, and the error is raised at once (a
spent daily budget says "tomorrow", not "in a second").
"""

from __future__ import annotations

import random
import time
from typing import Any

from tenacity import RetryCallState

from gateway.client.errors import APIConnectionError, RateLimitError, ServiceUnavailableError, StrataError

BACKOFF_S = 0.5
MAX_BACKOFF_S = 8.0


def retryable(error: BaseException) -> bool:
    if isinstance(error, APIConnectionError):
        return not error.request_sent
    return isinstance(error, RateLimitError | ServiceUnavailableError)


def wait(state: RetryCallState) -> float:
    """Retry-After when the gateway said one, else 0.5 s, 1 s, 2 s... (capped at 8 s) with jitter."""
    error = state.outcome.exception() if state.outcome is not None else None
    told = error.retry_after if isinstance(error, StrataError) else None
    if told is not None:
        return told
    backoff: float = min(MAX_BACKOFF_S, BACKOFF_S * 2 ** (state.attempt_number - 1))
    return backoff * (0.75 + random.random() / 2)


class Stop:
    """Stop after ``max_retries`` retries, or when the next wait would end past the deadline."""

    def __init__(self, max_retries: int, deadline: float) -> None:
        self.max_retries = max_retries
        self.deadline = deadline

    def __call__(self, state: RetryCallState) -> bool:
        if state.attempt_number > self.max_retries:
            return True
        upcoming: Any = state.upcoming_sleep or 0.0
        return time.monotonic() + float(upcoming) >= self.deadline
