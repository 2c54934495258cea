"""Surviving failing deployments: walk a pool with retries (the model's fallbacks are invoke.py's).

Within a pool, a deployment not yet tried is tried at once; trying one again waits first
(exponential backoff with jitter, or the upstream's Retry-After if longer), all within the
request's deadline. When no deployment may take the call because each is resting after a 429
or at its own limits, the call waits for the first to reopen if that is soon enough (within
``max_wait_s`` and the deadline) instead of failing: a 429 rests a deployment, it does not
refuse everyone else's calls. Open circuits (deployments that failed) are never waited for.

This module owns each attempt's outcome: it reports it on the attempt's ``Ticket`` (router.py),
except for a stream that started, whose ticket it hands to the stream relay with the stream.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from gateway.config.routing import RetryPolicy
from gateway.logs import LOG
from gateway.observability.tracing import attempt as attempt_span
from gateway.observability.tracing import upstream_headers
from gateway.services.catalog import DeploymentHandle, PublicModel
from gateway.services.context import CallContext
from gateway.services.routing import Router, Ticket
from providers.base import CallOptions
from providers.errors import ProviderBusy, ProviderError, ProviderRateLimited, ProviderTimeout, ProviderUnavailable

T = TypeVar("T")
TIMER_SLACK_S = 0.002  # uvloop's timers have millisecond resolution: never wake before a rest ends


@dataclass(slots=True)
class Attempt(Generic[T]):
    """What an attempt on one deployment gave: the answer and what the router should hear.

    ``tokens`` is what a finished call used (for the deployment's tpm accounting). An ``open``
    attempt is a stream that has started: its outcome is known only when it ends, so its ticket
    goes with it (``ticket``) to whoever relays the stream, who reports it then.
    """

    value: T
    tokens: int = 0
    open: bool = False
    ticket: Ticket | None = None


Invoke = Callable[[DeploymentHandle, CallOptions], Awaitable[Attempt[T]]]


MAX_LOGGED_DETAIL = 2000  # characters of an upstream's error in the "deployment failed" line


class DeadlineExceeded(ProviderTimeout):
    """The request's own time ran out (not one deployment's)."""

    retryable = False


@dataclass
class Deadline:
    at: float  # time.monotonic()

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        return cls(time.monotonic() + seconds)

    def remaining(self) -> float:
        return self.at - time.monotonic()


def backoff_s(policy: RetryPolicy, retry: int, rng: Callable[[], float] = random.random) -> float:
    """Exponential backoff before the ``retry``-th retry (1-based), capped, with up to one base of jitter."""
    exponential: float = policy.backoff_base_s * 2.0 ** (retry - 1)
    return min(policy.backoff_max_s, exponential) + rng() * policy.backoff_base_s


@dataclass
class _Walk(Generic[T]):
    """One walk over a pool: which deployments were tried, and the last failure."""

    call: CallContext
    model: PublicModel
    router: Router
    invoke: Invoke[T]
    deadline: Deadline
    estimated_tokens: int
    max_wait: float
    tried: set[str] = field(default_factory=set)
    last: ProviderError | None = None
    waited: float = 0.0  # seconds spent waiting for a resting pool to reopen, in all

    async def attempt(self) -> Attempt[T]:
        while True:
            plan = self.router.plan(self.model, self.call.strategy, self.call.stream)
            fresh = [d for d in plan if d.id not in self.tried]
            for deployment in fresh or plan:
                alone = len(self.model.deployments) == 1
                ticket = self.router.begin(deployment, self.estimated_tokens, self.call.stream, alone)
                if ticket is not None:
                    return await self._on(deployment, ticket)
            await self._wait_for_an_opening()

    async def _wait_for_an_opening(self) -> None:
        """Nothing may take the call now. Resting after a 429 or at its own limits: wait if that
        is soon enough. Otherwise fail fast: with this walk's own last failure if it had one (the
        caller hears the real failure), else saying why nothing was eligible, with a Retry-After."""
        wait, rested = self.router.next_opening(self.model)
        if rested and self.waited + wait <= self.max_wait and wait < self.deadline.remaining():
            self.waited += wait + TIMER_SLACK_S  # in all, never past max_wait (a pool at its concurrency polls)
            await asyncio.sleep(wait + TIMER_SLACK_S)
            return
        if self.last is not None:
            raise self.last
        error: ProviderError
        if rested:
            error = ProviderRateLimited(
                f"Every deployment of '{self.model.name}' is at its rate limit.", retry_after=max(wait, 1.0)
            )
        else:
            error = ProviderUnavailable(
                f"No deployment of '{self.model.name}' is available now.", retry_after=max(wait, 1.0)
            )
        error.retryable = False  # nothing was tried, so nothing to retry; the model's fallbacks may serve
        raise error

    async def _on(self, deployment: DeploymentHandle, ticket: Ticket) -> Attempt[T]:
        call = self.call
        call.attempts += 1
        call.deployment, call.provider = deployment.id, deployment.provider_type
        self.tried.add(deployment.id)
        own, remaining = deployment.config.timeouts.total, self.deadline.remaining()
        limit = min(own, remaining)
        if limit <= 0:
            ticket.abandoned()
            raise DeadlineExceeded("The request's deadline passed before the model answered.")
        try:
            async with asyncio.timeout(limit):
                with attempt_span(call, deployment):  # the upstream request carries this span's traceparent
                    result = await self.invoke(deployment, CallOptions(call.request_id, limit, upstream_headers(call)))
        except TimeoutError:
            if remaining < own:  # the caller's time ran out, not the deployment's: no verdict on it
                ticket.abandoned()
                raise DeadlineExceeded(f"The request's deadline passed (this attempt had {limit:g} s).") from None
            error: ProviderError = ProviderTimeout(f"The model did not answer within {limit:g} s.")
        except ProviderError as exc:
            error = exc
        except BaseException:
            ticket.abandoned()
            raise
        else:
            if result.open:
                ticket.first_chunk()
                result.ticket = ticket  # the stream relay reports the stream's outcome when it ends
            else:
                ticket.succeeded(result.tokens)
            return result
        ticket.failed(error)
        self.last = error
        _log_failure(call, deployment, error)
        raise error

    def untried(self) -> bool:
        """A deployment of the pool this walk has not tried yet may take the call now."""
        return any(d.id not in self.tried for d in self.router.plan(self.model, self.call.strategy, self.call.stream))

    def wait_before(self, retry: int, policy: RetryPolicy) -> float:
        """No wait for a fresh deployment; backoff (or Retry-After) before trying one again.
        Raises the last failure when waiting would help nobody."""
        assert self.last is not None
        plan = self.router.plan(self.model, self.call.strategy, self.call.stream)
        if any(d.id not in self.tried for d in plan):
            return 0.0
        if isinstance(self.last, ProviderBusy):
            raise self.last  # its queue is full now: back-pressure goes back to the caller at once
        opening = self.router.next_opening(self.model)[0] if not plan else 0.0
        told = self.last.retry_after or 0.0
        wait = max(backoff_s(policy, retry), told, opening)
        if wait > self.max_wait or wait >= self.deadline.remaining():
            raise self.last  # waiting that long helps nobody: the caller gets the failure (and its Retry-After)
        return wait


async def run_pool(
    call: CallContext,
    model: PublicModel,
    router: Router,
    invoke: Invoke[T],
    deadline: Deadline,
    estimated_tokens: int = 0,
) -> Attempt[T]:
    """Answer from the model's pool, retrying retryable failures; raises the last failure."""
    policy = model.routing.retries
    walk: _Walk[T] = _Walk(call, model, router, invoke, deadline, estimated_tokens, policy.max_wait_s)
    retry = 0
    while True:
        try:
            return await walk.attempt()
        except ProviderError as error:
            if error.misconfigured and walk.untried():
                continue  # another deployment may have the right key or model id: at once, no retry spent
            retry += 1
            if not error.retryable or retry >= policy.attempts:
                raise
            await asyncio.sleep(walk.wait_before(retry, policy) + TIMER_SLACK_S)


def _log_failure(call: CallContext, deployment: DeploymentHandle, error: ProviderError) -> None:
    LOG.warning(
        "deployment failed",
        extra={
            "fields": {
                "request_id": call.request_id,
                "deployment": deployment.id,
                "error": type(error).__name__,
                "detail": (error.detail or error.message)[:MAX_LOGGED_DETAIL],  # an upstream's text, bounded
            }
        },
    )
