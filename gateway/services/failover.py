"""Surviving failing deployments: walk a pool with retries, then the model's fallbacks.

Within a pool, a deployment not yet tried is tried at once; trying one again waits first
(exponential backoff with jitter, or the upstream's Retry-After if longer), all within the
request's deadline. The first attempt runs without tenacity's machinery: most calls succeed
at once, and the hot path should not pay for the retry loop they never use.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from gateway.logs import LOG
from gateway.services.catalog import DeploymentHandle, PublicModel
from gateway.services.context import CallContext
from gateway.services.routing import Router, Ticket
from providers.base import CallOptions
from providers.errors import ProviderError, ProviderRateLimited, ProviderTimeout, ProviderUnavailable

T = TypeVar("T")
Invoke = Callable[[DeploymentHandle, CallOptions, Ticket], Awaitable[T]]


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


@dataclass
class _Walk(Generic[T]):
    """State of one walk over a pool: which deployments failed, and the last failure."""

    call: CallContext
    model: PublicModel
    router: Router
    invoke: Invoke[T]
    deadline: Deadline
    estimated_tokens: int
    backoff: Callable[[RetryCallState], float] = wait_exponential_jitter()
    max_wait: float = 10.0
    tried: set[str] = field(default_factory=set)
    last: ProviderError | None = None

    async def attempt(self) -> T:
        plan = self.router.plan(self.model, self.call.strategy, self.call.stream)
        fresh = [d for d in plan if d.id not in self.tried]
        for deployment in fresh or plan:
            ticket = self.router.begin(deployment, self.estimated_tokens, self.call.stream)
            if ticket is not None:
                return await self._on(deployment, ticket)
        if self.last is not None:
            raise self.last  # everything is resting after failing: the caller hears the real failure
        raise self._nothing_eligible()

    async def _on(self, deployment: DeploymentHandle, ticket: Ticket) -> T:
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
                return await self.invoke(deployment, CallOptions(call.request_id, limit), ticket)
        except TimeoutError:
            if remaining < own:  # the caller's time ran out, not the deployment's: no verdict on it
                ticket.abandoned()
                raise DeadlineExceeded(f"The request's deadline passed ({limit:g} s left).") from None
            error: ProviderError = ProviderTimeout(f"The model did not answer within {limit:g} s.")
        except ProviderError as exc:
            error = exc
        except BaseException:
            ticket.abandoned()
            raise
        ticket.failed(error)
        self.last = error
        _log_failure(call, deployment, error)
        raise error

    def _nothing_eligible(self) -> ProviderError:
        """Before any attempt, every deployment is resting (open circuit, Retry-After) or at its own
        limits: fail fast with a Retry-After, and let the model's fallbacks have a go."""
        wait, limits_only = self.router.next_opening(self.model)
        error: ProviderError
        if limits_only:
            error = ProviderRateLimited(
                f"Every deployment of '{self.model.name}' is at its rate limit.", retry_after=max(wait, 1.0)
            )
        else:
            error = ProviderUnavailable(
                f"No deployment of '{self.model.name}' is available now.", retry_after=max(wait, 1.0)
            )
        error.retryable = False  # nothing was tried, so nothing to retry; the model's fallbacks may serve
        return error

    def wait_before(self, state: RetryCallState) -> float:
        """No wait for a fresh deployment; backoff (or Retry-After) before trying one again."""
        plan = self.router.plan(self.model, self.call.strategy, self.call.stream)
        if any(d.id not in self.tried for d in plan):
            return 0.0
        opening = self.router.next_opening(self.model)[0] if not plan else 0.0
        told = self.last.retry_after if self.last is not None and self.last.retry_after else 0.0
        wait = max(self.backoff(state), told, opening)
        if wait > self.max_wait or wait >= self.deadline.remaining():
            assert self.last is not None
            raise self.last  # waiting that long helps nobody: the caller gets the failure (and its Retry-After)
        return wait


async def run_pool(
    call: CallContext,
    model: PublicModel,
    router: Router,
    invoke: Invoke[T],
    deadline: Deadline,
    estimated_tokens: int = 0,
) -> T:
    """Answer from the model's pool, retrying retryable failures; raises the last failure."""
    policy = model.routing.retries
    walk: _Walk[T] = _Walk(call, model, router, invoke, deadline, estimated_tokens)
    try:
        return await walk.attempt()
    except ProviderError as error:
        if not error.retryable or policy.attempts <= 1:
            raise
        seen: ProviderError | None = error
    walk.backoff = wait_exponential_jitter(
        multiplier=policy.backoff_base_s, max=policy.backoff_max_s, jitter=policy.backoff_base_s
    )
    walk.max_wait = policy.max_wait_s

    async def attempt() -> T:
        # tenacity waits only between its own attempts, so the failure already seen is replayed as
        # its first: the first retry then gets its backoff (or Retry-After) like every later one.
        nonlocal seen
        if seen is not None:
            replay, seen = seen, None
            raise replay
        return await walk.attempt()

    retrying = AsyncRetrying(
        stop=stop_after_attempt(policy.attempts),
        wait=walk.wait_before,
        retry=retry_if_exception(lambda e: isinstance(e, ProviderError) and e.retryable),
        reraise=True,
    )
    result: T = await retrying(attempt)
    return result


def _log_failure(call: CallContext, deployment: DeploymentHandle, error: ProviderError) -> None:
    LOG.warning(
        "deployment failed",
        extra={
            "fields": {
                "request_id": call.request_id,
                "deployment": deployment.id,
                "error": type(error).__name__,
                "detail": error.detail or error.message,
            }
        },
    )
